"""``surveil catalogue``: the monitored categories."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from crawler.catalogue.schema import CatalogueError, dump_categories, load_categories, load_platforms
from crawler.commands.common import app_context, console, fail, print_json
from crawler.context import AppContext
from crawler.storage import migrate
from crawler.storage.engine import transaction
from crawler.storage.repositories import AuditRepository, CategoryRepository, PlatformRepository

app = typer.Typer(help="The catalogue of monitored product categories.", no_args_is_help=True)


def load_into_database(context: AppContext, path: Path | None) -> dict[str, list[str]]:
    """Validate the whole file first, then replace the stored catalogue in one transaction."""
    catalogue = load_categories(path)
    migrate.upgrade(context.engine)
    with transaction(context.sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        report = CategoryRepository(session, context.clock).sync(catalogue.categories)
        AuditRepository(session, context.clock).record(
            "catalogue.import",
            "catalogue",
            str(path or "shipped"),
            details={"added": report.added, "changed": report.changed, "deactivated": report.deactivated},
        )
    return {
        "added": report.added,
        "changed": report.changed,
        "unchanged": report.unchanged,
        "deactivated": report.deactivated,
    }


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Path | None = typer.Argument(None, help="A catalogue YAML file; default: the shipped one."),
) -> None:
    """Load a catalogue file; a malformed file is refused whole, with every line and reason."""
    try:
        report = load_into_database(app_context(ctx), path)
    except CatalogueError as exc:
        fail(str(exc))
    console().print(
        f"catalogue loaded: {len(report['added'])} added, {len(report['changed'])} changed, "
        f"{len(report['unchanged'])} unchanged, {len(report['deactivated'])} deactivated"
    )


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the active categories, highest priority first."""
    context = app_context(ctx)
    migrate.upgrade(context.engine)
    with context.sessions() as session:
        specs = CategoryRepository(session, context.clock).as_specs()
    if as_json:
        print_json([spec.model_dump() for spec in specs])
        return
    if not specs:
        console().print("the catalogue is empty: run 'surveil catalogue import'")
        return
    table = Table(title=f"Monitored categories ({len(specs)})")
    for column in ("code", "名称", "name", "priority", "licence", "CCC", "quota", "search terms (zh / en)"):
        table.add_column(column)
    for spec in specs:
        terms = " / ".join(", ".join(spec.search_terms.get(lang, [])[:2]) for lang in ("zh", "en"))
        table.add_row(
            spec.code,
            spec.name_zh,
            spec.name_en,
            str(spec.priority),
            "✓" if spec.licence_required else "",
            "✓" if spec.ccc_required else "",
            str(spec.yearly_quota),
            terms,
        )
    console().print(table)


@app.command()
def export(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", help="File to write; default: standard output."),
) -> None:
    """Write the stored catalogue in the import format."""
    context = app_context(ctx)
    migrate.upgrade(context.engine)
    with context.sessions() as session:
        text = dump_categories(CategoryRepository(session, context.clock).as_specs())
    if out is None:
        typer.echo(text, nl=False)
        return
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    console().print(f"wrote {out}")
