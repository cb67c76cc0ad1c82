"""``surveil demo``: set up a database and show what the system holds."""

from __future__ import annotations

import typer

from crawler.commands.catalogue import list_, load_into_database
from crawler.commands.common import app_context, console


def demo(ctx: typer.Context) -> None:
    """Migrate the database, load the shipped catalogue and print it."""
    context = app_context(ctx)
    report = load_into_database(context, None)
    console().print(f"[bold]database[/]: {context.engine.url.render_as_string(hide_password=True)}")
    console().print(
        f"catalogue: {sum(len(v) for k, v in report.items() if k != 'deactivated')} categories "
        f"({len(report['added'])} new)"
    )
    list_(ctx, as_json=False)
