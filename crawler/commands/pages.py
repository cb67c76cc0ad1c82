"""``surveil pages``: read a saved response with the platform's page objects and say how it ends.

``surveil pages parse FILE --platform P --kind search|item`` works on any saved response, whatever wraps
it (an HTML page, JSON, JSONP, a script with JavaScript variables). Exit status: 0 ok or empty, 3 layout
changed, 4 blocked, 2 for a missing file or an unknown platform.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from crawler.commands.common import console, err_console, fail, print_json

app = typer.Typer(help="Read saved platform responses with the page objects.", no_args_is_help=True)

EXIT_LAYOUT_CHANGED = 3
EXIT_BLOCKED = 4


def _exit_code(status: str) -> int:
    return {"layout_changed": EXIT_LAYOUT_CHANGED, "blocked": EXIT_BLOCKED}.get(status, 0)


@app.command("parse")
def parse(
    file: Path = typer.Argument(..., help="The saved response (HTML, JSON, JSONP or a script)."),
    platform: str = typer.Option(
        ..., "--platform", "-p", help="jd, taobao, pdd, yhd, aliexpress, amazon or a profile."
    ),
    kind: str = typer.Option("search", "--kind", "-k", help="search or item."),
    url: str | None = typer.Option(
        None, "--url", help="Where the response came from (host decides currency)."
    ),
    item_id: str | None = typer.Option(
        None, "--item-id", help="The item's id, for item pages that do not name it."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Parse one saved response: ok, empty (with the page's evidence), blocked or layout_changed."""
    from crawler.pages.outcome import PageKind, UnknownPlatform, platforms, read_page

    if kind not in {k.value for k in PageKind}:
        fail(f"--kind must be search or item, not {kind!r}", 2)
    if not file.is_file():
        fail(f"no such file: {file}", 2)
    if platform not in platforms():
        fail(f"unknown platform {platform!r}; known: {', '.join(platforms())}", 2)
    try:
        result = read_page(platform, kind, file.read_bytes(), url, item_id=item_id)
    except UnknownPlatform as exc:
        fail(str(exc), 2)
    outcome = result.to_dict()
    if as_json:
        print_json(outcome)
    else:
        _print_table(outcome)
    raise typer.Exit(_exit_code(outcome["status"]))


def _print_table(outcome: dict) -> None:
    out = console()
    head = f"{outcome['platform']} {outcome['kind']}: {outcome['status']}"
    if outcome["layout"]:
        head += f" (layout {outcome['layout']})"
    out.print(head, markup=False)
    if outcome.get("evidence"):
        out.print(f"the page says it has no results: {outcome['evidence']}", markup=False)
    if outcome.get("block"):
        out.print(f"blocked: {outcome['block']['kind']}: {outcome['block']['reason']}", markup=False)
    for problem in outcome["problems"]:
        err_console().print(f"problem: {problem}", markup=False, soft_wrap=True)
    if not outcome["rows"]:
        return
    table = Table()
    for name in ("#", "id", "price", "cur", "shop", "sales", "ad"):
        table.add_column(name, no_wrap=True)
    table.add_column("title", no_wrap=True, overflow="ellipsis", max_width=60)
    for number, row in enumerate(outcome["rows"], 1):
        price = row["price"] if row["price"] is not None else ("masked" if row.get("price_masked") else "-")
        table.add_row(
            str(number),
            row["id"],
            price,
            row["currency"] or "",
            (row["shop"] or "")[:24],
            "" if row["sales"] is None else str(row["sales"]),
            "ad" if row["sponsored"] else "",
            row["title"],
        )
    out.print(table)
    if outcome.get("total") is not None or outcome.get("has_next"):
        out.print(
            f"total {outcome.get('total')}, next page: {'yes' if outcome.get('has_next') else 'no'}",
            markup=False,
        )
