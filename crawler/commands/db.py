"""``surveil db``: schema migrations."""

from __future__ import annotations

import typer

from crawler.commands.common import app_context, console
from crawler.storage import migrate

app = typer.Typer(help="Database schema: migrate and inspect.", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context, revision: str = typer.Option("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (creates the SQLite file if needed)."""
    context = app_context(ctx)
    migrate.upgrade(context.engine, revision)
    console().print(
        f"database at revision {migrate.current_revision(context.engine)} "
        f"({context.engine.url.render_as_string(hide_password=True)})"
    )


@app.command()
def current(ctx: typer.Context) -> None:
    """Show the schema revision and whether it is the newest."""
    context = app_context(ctx)
    now, head = migrate.current_revision(context.engine), migrate.head_revision(context.engine)
    state = "up to date" if now == head else f"behind: run 'surveil db upgrade' (newest is {head})"
    console().print(f"revision {now or 'none'}: {state}")
