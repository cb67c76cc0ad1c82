"""The ``surveil`` command: the composition root that wires settings, storage and the sub-commands."""

from __future__ import annotations

from pathlib import Path

import typer

from crawler import __version__
from crawler.commands import backup as backup_commands
from crawler.commands import browser, catalogue, db, page_replay, references
from crawler.commands import crawl as crawl_commands
from crawler.commands import distributed as distributed_commands
from crawler.commands import evidence as evidence_commands
from crawler.commands import labs as labs_commands
from crawler.commands import matching as matching_commands
from crawler.commands import metrics as metrics_commands
from crawler.commands import nightly as nightly_commands
from crawler.commands import pages as pages_commands
from crawler.commands import purchases as purchases_commands
from crawler.commands import sandbox as sandbox_cmd
from crawler.commands import scheduling as scheduling_commands
from crawler.commands import signals as signals_commands
from crawler.commands import takedown as takedown_commands
from crawler.commands import web as web_commands
from crawler.commands.common import fail
from crawler.config import ConfigError, load_settings
from crawler.context import AppContext

app = typer.Typer(
    name="surveil",
    help="Online product-safety surveillance: crawl, match, review, capture evidence, plan test purchases.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db.app, name="db")
app.add_typer(catalogue.app, name="catalogue")
app.add_typer(browser.app, name="browser")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(references.app, name="references")
app.command("demo")(nightly_commands.demo)
app.command("nightly")(nightly_commands.nightly)
app.add_typer(evidence_commands.app, name="evidence")
app.add_typer(purchases_commands.app, name="purchases")
app.add_typer(labs_commands.app, name="labs")
app.add_typer(scheduling_commands.app, name="scheduler")
app.command("serve")(web_commands.serve)
app.add_typer(web_commands.users_app, name="users")
app.command("crawl")(crawl_commands.crawl)
app.command("worker")(distributed_commands.worker)
app.command("match-file")(matching_commands.match_file)
app.command("match")(matching_commands.match)
app.command("eval")(matching_commands.evaluate)
app.add_typer(crawl_commands.runs_app, name="runs")
app.add_typer(crawl_commands.platforms_app, name="platforms")
app.add_typer(page_replay.app, name="pages")
page_replay.app.command("parse")(pages_commands.parse)
app.add_typer(takedown_commands.app, name="takedown")
app.command("signals")(signals_commands.signals)
app.command("sellers")(signals_commands.sellers)
app.add_typer(backup_commands.app, name="backup")
app.command("metrics")(metrics_commands.metrics)


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(None, "--config", envvar="SURVEIL_CONFIG", help="TOML settings file."),
    database_url: str | None = typer.Option(None, "--database-url", help="Override the database URL."),
) -> None:
    overrides = {"database_url": database_url} if database_url else {}
    try:
        settings = load_settings(config, **overrides)
    except ConfigError as exc:
        fail(str(exc))
    context = AppContext(settings=settings)
    ctx.obj = context
    ctx.call_on_close(context.close)


@app.command()
def version() -> None:
    """Print the software version."""
    typer.echo(f"surveil {__version__}")


def main() -> None:
    app()
