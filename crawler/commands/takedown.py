"""``surveil takedown``: request lists and letters for confirmed flags, and each request's status."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import select

from crawler.commands.common import app_context, console, fail, print_json
from crawler.storage.engine import transaction
from crawler.storage.models import Platform, TakedownRequest

app = typer.Typer(help="Takedown requests to platforms (下架请求): export, status.", no_args_is_help=True)


@app.command("export")
def export(
    ctx: typer.Context,
    platform: str = typer.Option(..., "--platform", help="Platform code (jd, taobao, pdd …)."),
    out: Path | None = typer.Option(None, "--out", help="Folder for the files (default: <data>/takedown)."),
    pdf: bool = typer.Option(False, "--pdf", help="Also print the letter to PDF with Chromium."),
    authority: str = typer.Option("市场监督管理局", "--authority", help="Who signs the letter."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write the request list (XLSX, CSV) and the letter for every confirmed flag on PLATFORM."""
    from crawler.takedown.export import export_requests

    context = app_context(ctx)
    folder = out or context.settings.data_dir / "takedown"
    try:
        with transaction(context.sessions) as session:
            result = export_requests(session, context.clock, platform, folder, authority=authority, pdf=pdf)
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        print_json(result.to_json())
        return
    console().print(f"{result.batch}: {len(result.requests)} request(s), {result.created} new", markup=False)
    for kind, path in result.files.items():
        console().print(f"  {kind}: {path}", markup=False)
    if result.without_evidence:
        console().print(f"  without evidence yet: flags {result.without_evidence}", markup=False)


@app.command("status")
def status(
    ctx: typer.Context,
    request: str = typer.Argument(..., help="Request id or reference (TD-jd-000123)."),
    new_status: str = typer.Argument(..., help="drafted, sent, acknowledged, removed or 'still online'."),
    note: str = typer.Option("", "--note"),
    user: str = typer.Option("cli", "--user", envvar="SURVEIL_USER", help="Who is acting (audit log)."),
) -> None:
    """Set a request's status (recorded in its history and the audit log)."""
    from crawler.takedown.status import StatusError, set_status

    context = app_context(ctx)
    try:
        with transaction(context.sessions) as session:
            row = set_status(session, context.clock, request, new_status, user, note)
            console().print(f"{row.reference}: {row.status}", markup=False)
    except StatusError as exc:
        fail(str(exc))


@app.command("list")
def list_requests(
    ctx: typer.Context,
    platform: str | None = typer.Option(None, "--platform"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Requests with their status."""
    context = app_context(ctx)
    with context.sessions() as session:
        stmt = select(TakedownRequest, Platform.code).join(Platform).order_by(TakedownRequest.id)
        if platform:
            stmt = stmt.where(Platform.code == platform)
        rows = [
            {
                "id": r.id,
                "reference": r.reference,
                "platform": code,
                "flag_id": r.flag_id,
                "listing_id": r.listing_id,
                "status": r.status,
                "evidence": [e.get("capture_id") for e in r.evidence or []],
            }
            for r, code in session.execute(stmt)
        ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console().print(
            f"{row['reference']}  {row['status']:<13} flag {row['flag_id']} evidence {row['evidence']}",
            markup=False,
        )
