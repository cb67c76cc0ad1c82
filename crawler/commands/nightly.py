"""``surveil nightly --now`` and ``surveil demo``: the whole pipeline, once, with progress."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import typer
from rich.table import Table

from crawler.commands.common import app_context, console, fail, print_json


def nightly(
    ctx: typer.Context,
    now: bool = typer.Option(
        False, "--now", help="Run the whole night now (crawl, match, evidence, report)."
    ),
    platform: list[str] = typer.Option([], "--platform", "-p", help="Platform code; repeat; default all."),
    category: list[str] = typer.Option([], "--category", "-c", help="Category code; repeat; default all."),
    depth: int = typer.Option(2, "--depth", min=1, help="Search result pages per term."),
    max_terms: int | None = typer.Option(None, "--max-terms", min=1, help="Search terms per category."),
    no_evidence: bool = typer.Option(False, "--no-evidence", help="Skip evidence capture."),
    no_notify: bool = typer.Option(False, "--no-notify", help="Build the digest but send nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    distributed: bool = typer.Option(
        False, "--distributed", help="Crawl through the Redis queue (redis_url) with the running workers."
    ),
) -> None:
    """Run the nightly pipeline once, in order, with progress."""
    from scheduler.pipeline import NightlyOptions, run_nightly

    if not now:
        fail("say --now to run the night now (the scheduler runs it on its own: 'surveil scheduler run')")
    context = app_context(ctx)
    options = NightlyOptions(
        platforms=platform,
        categories=category,
        depth=depth,
        max_terms=max_terms,
        evidence=not no_evidence,
        notify=not no_notify,
        distributed=distributed,
    )
    out = console()
    report = run_nightly(
        context, options, progress=lambda stage, state: out.print(f"[bold]{stage}[/]: {state}")
    )
    if as_json:
        print_json(report.to_json())
    else:
        table = Table(title="nightly pipeline")
        for column in ("stage", "ok", "seconds", "detail"):
            table.add_column(column)
        for stage in report.stages:
            detail = json.dumps(stage.detail, ensure_ascii=False, default=str)
            table.add_row(stage.name, "✓" if stage.ok else "✗", f"{stage.seconds:.1f}", detail[:100])
        out.print(table)
    if not report.ok:
        raise typer.Exit(1)


def demo(
    ctx: typer.Context,
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the review app at the end."),
    port: int = typer.Option(8000, "--port", help="Port of the review app."),
    size: int = typer.Option(1200, "--size", min=50, help="Sandbox listings per platform."),
    nights: int = typer.Option(2, "--nights", min=1, max=7, help="Nights to run."),
    shared_data: Path | None = typer.Option(
        None, "--shared-data", help="The real reference lists (default: ../shared/data when present)."
    ),
    no_evidence: bool = typer.Option(False, "--no-evidence", help="Skip evidence capture."),
    platform: list[str] = typer.Option([], "--platform", "-p", help="Platform code; repeat; default all."),
    category: list[str] = typer.Option(
        [], "--category", "-c", help="Category code; repeat; default the demo's six categories."
    ),
) -> None:
    """Run the whole loop on the local sandbox marketplace: two nights, flags, evidence, purchases."""
    from scheduler.demo import DemoOptions, run_demo

    context = app_context(ctx)
    if shared_data is None:
        guess = Path.cwd().parent / "shared" / "data"
        shared_data = guess if guess.is_dir() else None
    options = DemoOptions(
        platforms=platform,
        size=size,
        nights=nights,
        shared_data=shared_data,
        evidence=not no_evidence,
        out_dir=context.settings.data_dir / "demo",
    )
    if category:
        options.categories = category
    out = console()
    out.print(f"[bold]database[/]: {context.engine.url.render_as_string(hide_password=True)}")
    out.print(
        f"reference lists: {'real, from ' + str(shared_data) if shared_data else 'shipped (no shared data)'}"
    )
    summary = run_demo(context, options, progress=out.print)
    _print_summary(summary)
    if not serve:
        return
    _serve(ctx, port)


def _print_summary(summary) -> None:  # noqa: ANN001 - DemoSummary, imported lazily
    out = console()
    table = Table(title="demo summary")
    table.add_column("what")
    table.add_column("value")
    table.add_row("listings stored", str(summary.listings))
    for night in summary.nights:
        totals = night["crawl"].get("totals", {})
        table.add_row(
            f"night {night['night']}",
            f"run {night['crawl'].get('run_id')}: {totals.get('listings_seen', 0)} seen, {totals.get('new', 0)} new, "
            f"{totals.get('changed', 0)} changed, {totals.get('gone', 0)} gone, {totals.get('blocked', 0)} blocked; "
            f"{night['flags_created'] or 0} new flags; {night['seconds']} s"
            + (f"; errors {night['errors']}" if night["errors"] else ""),
        )
    for reason, count in sorted(summary.flags_by_reason.items()):
        table.add_row(f"flags {reason}", str(count))
    table.add_row("evidence captures", str(summary.evidence_captures))
    table.add_row("purchases planned", f"{summary.purchases_planned} (plan {summary.plan_id})")
    table.add_row("lab files", "\n".join(summary.lab_files) or "none")
    for name, count in summary.references.items():
        table.add_row(f"references: {name}", str(count))
    out.print(table)


def _serve(ctx: typer.Context, port: int) -> None:
    from crawler.commands.web import serve
    from crawler.storage.engine import transaction
    from crawler.storage.models import Role
    from crawler.storage.repositories import UserRepository
    from crawler.web.security import hash_password

    context = app_context(ctx)
    password = os.environ.get("SURVEIL_DEMO_PASSWORD") or secrets.token_urlsafe(12)

    with transaction(context.sessions) as session:
        users = UserRepository(session, context.clock)
        user = users.by_name("analyst")
        if user is None:
            users.add("analyst", hash_password(password), Role.ANALYST)
        else:
            user.password_hash = hash_password(password)
    console().print(
        f"\n[bold]review app[/]: http://127.0.0.1:{port}/  login [bold]analyst[/] / [bold]{password}[/]"
    )

    serve(ctx, host="127.0.0.1", port=port, trust_proxy=False)
