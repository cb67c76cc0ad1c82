"""``surveil crawl`` (progress, then the coverage table) and ``surveil runs show RUN``."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from crawler.catalogue.schema import load_platforms
from crawler.commands.common import app_context, console, fail, print_json
from crawler.crawling.monitors import alarms_of_run
from crawler.storage import migrate
from crawler.storage.engine import transaction
from crawler.storage.repositories import RunRepository
from crawler.timeutil import format_local

runs_app = typer.Typer(help="Crawl runs and their coverage.", no_args_is_help=True)

#: ``surveil crawl`` exit codes beyond 0 (done) and 1 (could not start): see :func:`exit_code`.
EXIT_LAYOUT_CHANGED = 3
EXIT_FIELD_ALARM = 4


def exit_code(run: Any) -> int:
    """3 when a platform × category met pages no known layout reads, else 4 when a monitored field's
    share fell (``crawling.monitors``), else 0. Blocks are reported, not failed on: they pass."""
    if any(stat.layout_changed for stat in run.stats):
        return EXIT_LAYOUT_CHANGED
    if alarms_of_run(run):
        return EXIT_FIELD_ALARM
    return 0


def _progress(spiders: list) -> Table:
    table = Table(title="crawling", show_edge=False)
    for name in ("platform", "requests", "listings", "stored", "blocked", "layout changed"):
        table.add_column(name, justify="right" if name in ("requests", "listings", "stored") else "left")
    for spider in spiders:
        cov = spider.coverage
        table.add_row(
            spider.name,
            str(cov.requests_total()),
            str(cov.seen_total()),
            str(spider.stored),
            ", ".join(sorted(cov.blocked)) or "",
            ", ".join(sorted(cov.layouts)) or "",
        )
    return table


def crawl(
    ctx: typer.Context,
    platform: list[str] = typer.Option([], "--platform", "-p", help="Platform code; repeat; default all."),
    category: list[str] = typer.Option(
        [], "--category", "-c", help="Category code; repeat; default all active."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many listings per platform."),
    depth: int = typer.Option(3, "--depth", min=1, max=100, help="Search result pages per term."),
    details: str = typer.Option("auto", "--details", help="auto (new/changed/due), always, never."),
    refresh_days: float | None = typer.Option(
        None, "--refresh-days", min=0, help="Re-read product pages after."
    ),
    max_terms: int | None = typer.Option(None, "--max-terms", min=1, help="Search terms per category."),
    resume: int | None = typer.Option(None, "--resume", help="Continue an interrupted run."),
    quiet: bool = typer.Option(False, "--quiet", help="No live progress."),
    distributed: bool = typer.Option(
        False,
        "--distributed",
        help="Seed the shared Redis queue for `surveil worker`s and wait until it drains.",
    ),
    redis_url: str | None = typer.Option(None, "--redis", help="Redis URL (default: the redis_url setting)."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="With --distributed: wait for the workers."),
) -> None:
    """Crawl the platforms for the monitored categories, then print the coverage table.

    Exit codes: 0 done (blocked categories are in the table); 3 a platform changed its pages (some
    platform × category is LAYOUT CHANGED: see `surveil pages replay RUN`); 4 a monitored field (id, title,
    price, shop, image) fell on a platform against its previous nights.
    """
    # Imported here, not at the top: Scrapy and Twisted are needed by this command only.
    from crawler.crawling.runner import CrawlPlan, crawl_run, plan_of_run

    context = app_context(ctx)
    if resume is not None:
        try:
            plan = plan_of_run(context, resume)
        except ValueError as exc:
            fail(str(exc))
    else:
        from crawler.crawling.profiles.loader import profile_names

        known = [p.code for p in load_platforms()]
        platforms = platform or known
        unknown = [p for p in platforms if p not in known and p not in profile_names()]
        if unknown:
            fail(f"unknown platform(s): {', '.join(unknown)}; known: {', '.join(known + profile_names())}")
        if details not in ("auto", "always", "never"):
            fail("--details must be auto, always or never")
        plan = CrawlPlan(
            platforms=platforms,
            categories=category,
            depth=depth,
            limit=limit,
            details=details,
            refresh_days=refresh_days,
            max_terms=max_terms,
        )
    if distributed:
        from crawler.commands.distributed import seed_and_wait

        seed_and_wait(ctx, context, plan, redis_url, wait)
        return
    console().print(f"crawling {', '.join(plan.platforms)}" + (f" (resuming run {resume})" if resume else ""))
    extra = {"LOG_LEVEL": "WARNING"}
    try:
        if quiet:
            run_id = crawl_run(context, plan, resume, extra)
        else:
            with Live(_progress([]), console=console(), refresh_per_second=4, transient=True) as live:
                run_id = crawl_run(
                    context, plan, resume, extra, on_tick=lambda spiders: live.update(_progress(spiders))
                )
    except ValueError as exc:
        fail(str(exc))
    show(ctx, run_id, as_json=False)
    with transaction(context.sessions) as session:
        run = RunRepository(session, context.clock).get(run_id)
        code = exit_code(run) if run is not None else 0
    if code:
        raise typer.Exit(code)


@runs_app.command("show")
def show(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., help="The run's number."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Coverage of a run per platform × category: fetched, seen, new, changed, gone, errors, blocked."""
    from crawler.crawling.report import coverage_rows, coverage_table, run_notes, totals

    context = app_context(ctx)
    with transaction(context.sessions) as session:
        run = RunRepository(session, context.clock).get(run_id)
        if run is None:
            fail(f"run {run_id} does not exist")
        if as_json:
            print_json(
                {
                    "run": run.id,
                    "status": str(run.status),
                    "started_at": run.started_at,
                    "finished_at": run.finished_at,
                    "totals": totals(run),
                    "coverage": coverage_rows(run),
                    "platforms": (run.summary or {}).get("platforms", {}),
                }
            )
            return
        out = console() if console().is_terminal else Console(highlight=False, width=160)
        out.print(coverage_table(run, context.settings.display_timezone))
        for note in run_notes(run):
            out.print(note)


@runs_app.command("list")
def list_(ctx: typer.Context, limit: int = typer.Option(20, "--limit", min=1)) -> None:
    """The most recent runs."""
    context = app_context(ctx)
    zone = context.settings.display_timezone
    migrate.upgrade(context.engine)
    with transaction(context.sessions) as session:
        runs = RunRepository(session, context.clock).recent(limit)
        if not runs:
            console().print("No crawl runs recorded yet: start one with 'surveil crawl'.")
            return
        table = Table("run", "status", f"started ({zone})", "requests/listing", "platforms")
        for run in runs:
            t = (run.summary or {}).get("totals", {})
            rpl = t.get("requests_per_listing")
            table.add_row(
                str(run.id),
                str(run.status),
                format_local(run.started_at, zone),
                "—" if rpl is None else f"{rpl:.3f}",
                ", ".join(
                    (run.options or {}).get("platforms", []) or [(run.options or {}).get("platform", "")]
                ),
            )
        console().print(table)


platforms_app = typer.Typer(
    help="Platforms: robots.txt switch and session cookie files.", no_args_is_help=True
)


@platforms_app.command("list")
def platforms_list(ctx: typer.Context) -> None:
    """Platforms with their allow-lists and administrator switches."""
    from crawler.storage.repositories import PlatformRepository

    context = app_context(ctx)
    migrate.upgrade(context.engine)
    with transaction(context.sessions) as session:
        repo = PlatformRepository(session)
        if not repo.all():
            repo.sync(load_platforms())
        table = Table("platform", "name", "robots.txt", "cookie file", "allowed hosts")
        for p in repo.all():
            table.add_row(
                p.code,
                p.name,
                "obeyed" if p.obey_robots else "[bold red]IGNORED[/]",
                (p.settings or {}).get("cookie_file", ""),
                ", ".join(p.allowed_hosts or []),
            )
        console().print(table)


@platforms_app.command("set")
def platforms_set(
    ctx: typer.Context,
    platform: str = typer.Argument(..., help="Platform code."),
    obey_robots: bool | None = typer.Option(None, "--obey-robots/--ignore-robots", help="robots.txt switch."),
    cookie_file: str | None = typer.Option(None, "--cookie-file", help="The bureau account's cookie file."),
    actor: str = typer.Option("admin", "--actor", help="Who makes the change (audit log)."),
) -> None:
    """Administrator switches of one platform; every change is written to the audit log."""
    from crawler.storage.repositories import AuditRepository, PlatformRepository

    context = app_context(ctx)
    migrate.upgrade(context.engine)
    with transaction(context.sessions) as session:
        repo = PlatformRepository(session)
        if not repo.all():
            repo.sync(load_platforms())
        row = repo.by_code(platform)
        if row is None:
            fail(f"unknown platform {platform!r}")
        details: dict[str, object] = {}
        if obey_robots is not None:
            row.obey_robots = obey_robots
            details["obey_robots"] = obey_robots
        if cookie_file is not None:
            row.settings = {**(row.settings or {}), "cookie_file": cookie_file}
            details["cookie_file"] = cookie_file
        AuditRepository(session, context.clock).record(
            "platform.settings", "platform", platform, actor=actor, details=details
        )
    console().print(f"{platform}: {details or 'unchanged'}")
