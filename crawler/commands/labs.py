"""``surveil labs``: the testing labs, and their results coming back."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from crawler.commands.common import app_context, console, err_console, fail, print_json
from crawler.commands.purchases import USER_OPTION, actor_for
from crawler.purchases.labs import ExportPreferences, LabError, LabSpec, add_lab, ensure_labs
from crawler.storage import migrate
from crawler.storage.engine import transaction
from crawler.storage.repositories import CategoryRepository

app = typer.Typer(help="Testing labs (承检机构) and their results.", no_args_is_help=True)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List the labs with the categories they accept (the shipped labs are loaded on first use)."""
    context = app_context(ctx)
    migrate.upgrade(context.engine)
    with transaction(context.sessions) as session:
        labs = [
            {
                "code": lab.code,
                "name": lab.name,
                "accepted_categories": list(lab.accepted_categories or []),
                "export_preferences": dict(lab.export_preferences or {}),
                "contact": lab.contact,
            }
            for lab in ensure_labs(session, context.clock)
        ]
    if as_json:
        print_json(labs)
        return
    table = Table(title=f"Labs ({len(labs)})")
    for column in ("code", "name", "categories", "formats", "days"):
        table.add_column(column, overflow="fold")
    for lab in labs:
        prefs = lab["export_preferences"]
        table.add_row(
            lab["code"],  # type: ignore[arg-type]
            lab["name"],  # type: ignore[arg-type]
            ", ".join(lab["accepted_categories"]),  # type: ignore[arg-type]
            ", ".join(prefs.get("formats", [])),  # type: ignore[union-attr]
            str(prefs.get("turnaround_days", "")),  # type: ignore[union-attr]
        )
    console().print(table)


@app.command()
def add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Short code, a-z 0-9 _."),
    name: str = typer.Option(..., help="Name as on the contract."),
    category: list[str] = typer.Option(..., "--category", help="Accepted category code, or '*' (repeat)."),
    fmt: list[str] = typer.Option(["xlsx", "csv", "html"], "--format", help="Export file kinds (repeat)."),
    turnaround_days: int = typer.Option(30, help="Days the lab takes to report."),
    include_unreceived: bool = typer.Option(False, help="Export samples not yet received too."),
    contact: str = typer.Option("", help="Contact for samples."),
    user: str = USER_OPTION,
) -> None:
    """Add a lab."""
    context = app_context(ctx)
    migrate.upgrade(context.engine)
    try:
        spec = LabSpec(
            code=code,
            name=name,
            accepted_categories=category,
            export_preferences=ExportPreferences(
                formats=fmt, turnaround_days=turnaround_days, include_unreceived=include_unreceived
            ),
            contact=contact,
        )
    except ValueError as exc:
        fail(f"lab {code!r}: {exc}")
    try:
        with transaction(context.sessions) as session:
            known = {c.code for c in CategoryRepository(session, context.clock).all()}
            add_lab(session, context.clock, actor_for(session, context, user), spec, known)
    except LabError as exc:
        fail(str(exc))
    console().print(f"lab {code} added")


@app.command("import-results")
def import_results_(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., help="XLSX or CSV: 样品编号, 报告编号, 报告日期, one column per test item."
    ),
    lab: str | None = typer.Option(None, "--lab", help="Check every sample was sent to this lab."),
    user: str = USER_OPTION,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import a lab's results; any malformed row refuses the whole file, with every row and reason."""
    # Imported here: reading workbooks (openpyxl) is needed by this command only.
    from crawler.purchases.results import ResultsRefused, import_results

    context = app_context(ctx)
    migrate.upgrade(context.engine)
    try:
        with transaction(context.sessions) as session:
            report = import_results(session, context.clock, actor_for(session, context, user), path, lab)
    except ResultsRefused as exc:
        if as_json:
            print_json({"file": path.name, "applied": False, "problems": [str(p) for p in exc.problems]})
        else:
            for problem in exc.problems:
                err_console().print(str(problem), markup=False)
        fail(str(exc))
    if as_json:
        print_json({"applied": True, **report.to_json()})
        return
    console().print(
        f"{path.name}: {report.rows} result(s): {len(report.passed)} passed, {len(report.failed)} failed"
    )
    if report.failed:
        console().print(
            f"  failed samples added to the non-compliant list 'lab-results' (version {report.reference_version}): "
            + ", ".join(report.failed)
        )
    if report.closed_flags:
        console().print(f"  flags closed: {', '.join(map(str, report.closed_flags))}")
