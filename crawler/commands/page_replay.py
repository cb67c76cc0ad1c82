"""``surveil pages replay RUN``: the responses a run kept, read again with today's page objects."""

from __future__ import annotations

import typer
from rich.table import Table

from crawler.commands.common import app_context, console, fail, print_json

app = typer.Typer(help="Pages: read a saved response, replay the pages a run kept.", no_args_is_help=True)


@app.command("replay")
def replay_command(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., help="The run whose kept pages to read again."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Read a run's kept pages (every page that ended layout_changed, a sample of the others) with today's
    page objects, and count per platform and layout how they end now: ok, empty, blocked, layout_changed
    or unreadable. Exit code 1 when any page still does not read (layout_changed or unreadable)."""
    from crawler.crawling.keep import pages_dir, read_kept
    from crawler.crawling.replay import FAILING, replay, tally

    context = app_context(ctx)
    directory = pages_dir(context.settings.data_dir, run_id)
    pages = list(read_kept(directory))
    if not pages:
        fail(f"run {run_id} kept no pages (looked in {directory})")
    from crawler.pages.outcome import UnknownPlatform

    try:
        results = replay(pages)
    except UnknownPlatform as exc:
        fail(str(exc))
    counts = tally(results)
    failing = sum(1 for r in results if r.outcome in FAILING)
    if as_json:
        print_json({"run": run_id, "pages": len(results), "failing": failing, "platforms": counts})
    else:
        table = Table(title=f"run {run_id}: {len(results)} kept pages read again")
        for name in ("platform", "page and layout that night", "now"):
            table.add_column(name)
        for platform, by_layout in sorted(counts.items()):
            for layout, outcomes in sorted(by_layout.items()):
                now = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
                table.add_row(platform, layout, now)
        console().print(table)
        for r in results:
            if r.outcome in FAILING:
                console().print(f"still failing: {r.page.platform} {r.page.kind} {r.page.url}: {r.problem}")
    if failing:
        raise typer.Exit(1)
