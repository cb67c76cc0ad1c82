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
