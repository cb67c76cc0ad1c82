"""``surveil signals`` and ``surveil sellers``: risk signals over stored listings; linked sellers."""

from __future__ import annotations

from pathlib import Path

import typer

from crawler.commands.common import app_context, console, err_console, fail, print_json


def signals(
    ctx: typer.Context,
    weights: Path | None = typer.Option(
        None, "--weights", help="Signal weights YAML (default: <data>/signal_weights.yaml, else built in)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check every live listing for licence, CCC, licensed-brand, blacklist and price signals; raise flags."""
    from crawler.signals import load_weights, run_signals

    context = app_context(ctx)
    try:
        chosen = load_weights(weights, context.settings.data_dir)
    except (OSError, ValueError) as exc:
        fail(str(exc))
    summary = run_signals(context.sessions, context.clock, chosen)
    if as_json:
        print_json(summary.to_json())
        return
    found = ", ".join(f"{k} {v}" for k, v in sorted(summary.findings.items())) or "nothing"
    console().print(
        f"{summary.listings} listings: {found}; flags +{summary.flags_created} ~{summary.flags_updated}",
        markup=False,
    )
    for problem in summary.problems:
        err_console().print(f"problem: {problem}", markup=False, soft_wrap=True)


def sellers(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Repeat offenders: sellers ranked by flagged listings, confirmed flags and nights, with how many
    shops on other platforms are linked to them."""
    from crawler.signals.sellers import repeat_offenders

    context = app_context(ctx)
    with context.sessions() as session:
        ranked = [o.to_json() for o in repeat_offenders(session, limit)]
    if as_json:
        print_json(ranked)
        return
    for n, o in enumerate(ranked, 1):
        console().print(
            f"{n:>3}. {o['name']} ({o['platform']}, seller {o['seller_id']}): {o['flagged_listings']} flagged"
            f" listing(s), {o['confirmed']} confirmed, {o['nights']} night(s), max risk {o['max_risk']:.2f},"
            f" {o['linked']} linked shop(s)",
            markup=False,
        )
