"""``surveil backup``: consistent backup sets of the database and data directory, verified, restored."""

from __future__ import annotations

from pathlib import Path

import typer

from crawler.commands.common import app_context, console, fail

app = typer.Typer(help="Backup sets: create, verify, restore.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    out: Path = typer.Option(
        ..., "--out", help="The backup set (a directory; an existing set is brought up to date)."
    ),
) -> None:
    """Back up the database and the data directory into OUT, with a manifest of SHA-256 sums."""
    from crawler import __version__
    from crawler.operations.backup import BackupError, create_backup

    context = app_context(ctx)
    settings = context.settings
    try:
        result = create_backup(
            data_dir=Path(settings.data_dir),
            database_url=settings.resolved_database_url,
            out=out,
            now=context.clock.now(),
            software_version=__version__,
        )
    except BackupError as exc:
        fail(str(exc))
    console().print(
        f"backup {out}: {result.backend.value} database, {result.files} file(s); "
        f"{result.objects_copied} new object(s) copied, {result.objects_kept} already there, "
        f"{result.bytes_copied} bytes written",
        markup=False,
    )


@app.command("verify")
def verify(directory: Path = typer.Argument(..., help="The backup set.")) -> None:
    """Check every file of the set against its manifest; name each missing, truncated or changed one."""
    from crawler.operations.backup import verify_backup

    findings = verify_backup(directory)
    out = console()
    for finding in findings:
        out.print(f"BAD {finding}", markup=False, soft_wrap=True)
    if findings:
        raise typer.Exit(1)
    out.print(f"{directory}: every file matches its manifest", markup=False)


@app.command("restore")
def restore(
    directory: Path = typer.Argument(..., help="The backup set."),
    to: Path = typer.Option(..., "--to", help="The new data directory (must not exist or be empty)."),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="An empty database to restore into (default: a SQLite file in the new data directory).",
    ),
) -> None:
    """Verify the set, then restore it into an empty data directory and an empty database."""
    from crawler.operations.backup import BackupError, restore_backup

    try:
        result = restore_backup(directory, data_dir=to, database_url=database_url)
    except BackupError as exc:
        fail(str(exc))
    console().print(
        f"restored {result.files} file(s) into {result.data_dir} and the database; "
        f"check it with: SURVEIL_DATA_DIR={result.data_dir} surveil evidence verify --all",
        markup=False,
        soft_wrap=True,
    )
