"""``surveil references``: import recall, spot-check, licence and blacklist lists; list, show and diff them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from crawler.commands.common import app_context, console, err_console, fail, print_json
from crawler.references.detect import FORMATS
from crawler.references.importer import ImportRefused, compute_diff, store
from crawler.references.reader import read_records
from crawler.storage import migrate
from crawler.storage.models import ListType, ReferenceEntry, ReferenceListVersion
from crawler.storage.repositories import ReferenceRepository

app = typer.Typer(help="Reference lists: recalls, spot-check failures, licences, allow-lists, blacklists.")

LIST_TYPES = ", ".join(t.value for t in ListType)


def _problem_json(problem: Any) -> dict[str, Any]:
    return {
        "file": problem.file,
        "location": problem.location,
        "field": problem.field,
        "reason": problem.reason,
        "severity": problem.severity,
    }


def _print_diff(diff: dict[str, Any], limit: int = 20) -> None:
    counts = diff.get("counts", {})
    console().print(
        f"diff: {counts.get('added', 0)} added, {counts.get('removed', 0)} removed, "
        f"{counts.get('changed', 0)} changed, {counts.get('unchanged', 0)} unchanged"
    )
    for label, sign in (("added", "+"), ("removed", "-"), ("changed", "~")):
        keys = diff.get(label, [])
        for key in keys[:limit]:
            console().print(f"  {sign} {key}", markup=False)
        if len(keys) > limit:
            console().print(f"  {sign} … {len(keys) - limit} more")


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="The list file.", exists=False),
    list_type: str | None = typer.Option(None, "--list-type", help=f"One of: {LIST_TYPES}."),
    fmt: str = typer.Option("auto", "--format", help=f"auto, or one of: {', '.join(FORMATS)}."),
    source: str | None = typer.Option(
        None, "--source", help="The list to store into (default from the format)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and report; store nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    merge: bool | None = typer.Option(
        None, "--merge/--replace", help="Add to the previous version, or replace it (default by format)."
    ),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Store the good records, leave bad ones out."
    ),
    user: str = typer.Option("", "--user", help="Who imports (kept in the version and the audit log)."),
) -> None:
    """Import a list file: its format is detected, every problem is named; stored whole or not at all."""
    if list_type is not None and list_type.lower() not in {t.value for t in ListType}:
        fail(f"unknown list type {list_type!r}; expected one of: {LIST_TYPES}")
    if fmt != "auto" and fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; expected auto or one of: {', '.join(FORMATS)}")
    kind = ListType(list_type.lower()) if list_type else None
    result = read_records(path, list_type=kind, fmt=fmt, source=source)
    if dry_run:
        if as_json:
            print_json(
                {
                    "format": result.format,
                    "source": result.source,
                    "records": [r.to_json() for r in result.records],
                    "errors": [_problem_json(p) for p in result.problems],
                }
            )
        else:
            console().print(
                f"{path.name}: {result.format or 'unreadable'}, {len(result.records)} record(s), "
                f"{len(result.errors)} error(s), {len(result.warnings)} warning(s); nothing stored (dry run)"
            )
            for problem in result.problems:
                console().print(f"  {problem.severity}: {problem}", markup=False)
        raise typer.Exit(1 if result.errors else 0)
    context = app_context(ctx)
    migrate.upgrade(context.engine)
    try:
        report = store(
            context.sessions, context.clock, result, list_type=kind, merge=merge, skip_invalid=skip_invalid,
            imported_by=user,
        )  # fmt: skip
    except ImportRefused as exc:
        if as_json:
            print_json(
                {"stored": False, "reason": str(exc), "errors": [_problem_json(p) for p in exc.problems]}
            )
            raise typer.Exit(1) from exc
        for problem in exc.problems[:200]:
            err_console().print(f"  {problem.severity}: {problem}", markup=False, soft_wrap=True)
        fail(str(exc))
    if as_json:
        data = report.to_json()
        data["problems"] = [_problem_json(p) for p in report.problems]
        print_json(data)
        return
    state = f"version {report.version}" if report.stored else f"unchanged (version {report.version})"
    console().print(
        f"{path.name}: {report.format}, {report.records} record(s) -> list {report.list_code!r}: {state}",
        markup=False,
    )
    if report.stored:
        _print_diff(report.diff)
    for problem in report.problems:
        console().print(f"  {problem.severity}: {problem}", markup=False)


def _version_json(version: ReferenceListVersion, count: int | None = None) -> dict[str, Any]:
    return {
        "number": version.number,
        "imported_at": version.imported_at.isoformat(),
        "imported_by": version.imported_by,
        "file_name": version.file_name,
        "file_sha256": version.file_sha256,
        "format": version.format,
        "record_count": version.record_count if count is None else count,
        "active": version.active,
        "diff_counts": (version.diff or {}).get("counts", {}),
    }


def entry_json(entry: ReferenceEntry) -> dict[str, Any]:
    return {
        "ref_key": entry.ref_key,
        "entry_hash": entry.entry_hash,
        "list_type": entry.list_type.value,
        "product_name": entry.product_name,
        "brand": entry.brand,
        "models": entry.models,
        "batches": entry.batches,
        "barcodes": entry.barcodes,
        "manufacturer": entry.manufacturer,
        "category_id": entry.category_id,
        "category_text": entry.category_text,
        "hazard": entry.hazard,
        "source_url": entry.source_url,
        "photos": entry.photos,
        "published_on": entry.published_on.isoformat() if entry.published_on else None,
        "extra": entry.extra,
    }


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The stored reference lists with their newest version."""
    context = app_context(ctx)
    migrate.upgrade(context.engine)
    rows: list[dict[str, Any]] = []
    with context.sessions() as session:
        repo = ReferenceRepository(session, context.clock)
        for reference_list in repo.lists():
            latest = repo.latest_version(reference_list)
            rows.append(
                {
                    "code": reference_list.code,
                    "list_type": reference_list.list_type.value,
                    "versions": len(reference_list.versions),
                    "latest": _version_json(latest) if latest else None,
                }
            )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console().print("no reference lists: run 'surveil references import PATH'")
        return
    table = Table(title=f"Reference lists ({len(rows)})")
    for column in ("list", "type", "versions", "entries", "imported", "file"):
        table.add_column(column)
    for row in rows:
        latest = row["latest"] or {}
        table.add_row(
            row["code"], row["list_type"], str(row["versions"]), str(latest.get("record_count", 0)),
            latest.get("imported_at", ""), latest.get("file_name", ""),
        )  # fmt: skip
    console().print(table)


@app.command()
def show(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The list's code (see 'references list')."),
    version: int | None = typer.Option(None, "--version", help="Version number; default: the newest."),
    limit: int = typer.Option(50, "--limit", help="Entries to print (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One list: its versions and the entries of one version."""
    context = app_context(ctx)
    migrate.upgrade(context.engine)
    with context.sessions() as session:
        repo = ReferenceRepository(session, context.clock)
        reference_list = repo.get_list(code)
        if reference_list is None:
            fail(f"no reference list {code!r}; see 'surveil references list'")
        versions = repo.versions(reference_list)
        chosen = repo.version(reference_list, version) if version else repo.latest_version(reference_list)
        if chosen is None:
            fail(f"list {code!r} has no version {version}")
        entries = repo.entries(chosen)
        shown = entries if limit <= 0 else entries[:limit]
        data = {
            "code": reference_list.code,
            "list_type": reference_list.list_type.value,
            "versions": [_version_json(v) for v in versions],
            "version": chosen.number,
            "entry_count": len(entries),
            "entries": [entry_json(e) for e in shown],
        }
    if as_json:
        print_json(data)
        return
    console().print(
        f"list {data['code']} ({data['list_type']}), version {data['version']} of {len(versions)}: "
        f"{data['entry_count']} entries",
        markup=False,
    )
    table = Table()
    for column in ("key", "product", "brand", "models", "barcodes", "hazard"):
        table.add_column(column, overflow="fold")
    for entry in data["entries"]:
        table.add_row(
            entry["ref_key"], (entry["product_name"] or "")[:60], entry["brand"] or "",
            ", ".join(entry["models"][:4]), ", ".join(entry["barcodes"][:3]), (entry["hazard"] or "")[:40],
        )  # fmt: skip
    console().print(table)


@app.command()
def diff(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The list's code."),
    from_version: int | None = typer.Option(
        None, "--from", help="Older version; default: the one before --to."
    ),
    to_version: int | None = typer.Option(None, "--to", help="Newer version; default: the newest."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Added, removed and changed entries between two versions (by ref_key and entry_hash)."""
    context = app_context(ctx)
    migrate.upgrade(context.engine)
    with context.sessions() as session:
        repo = ReferenceRepository(session, context.clock)
        reference_list = repo.get_list(code)
        if reference_list is None:
            fail(f"no reference list {code!r}; see 'surveil references list'")
        newer = (
            repo.version(reference_list, to_version) if to_version else repo.latest_version(reference_list)
        )
        if newer is None:
            fail(f"list {code!r} has no version {to_version}")
        older_number = from_version if from_version is not None else newer.number - 1
        older = repo.version(reference_list, older_number) if older_number >= 1 else None
        if from_version is not None and older is None:
            fail(f"list {code!r} has no version {from_version}")
        result = compute_diff(repo.entry_hashes(older) if older else {}, repo.entry_hashes(newer))
        data = {"list": code, "from": older.number if older else None, "to": newer.number, **result}
    if as_json:
        print_json(data)
        return
    console().print(f"list {code}: version {data['from'] or 'none'} -> {data['to']}", markup=False)
    _print_diff(result)
