"""``surveil evidence``: capture listings, verify stored evidence, export packages, space and retention."""

from __future__ import annotations

from pathlib import Path

import typer

from crawler.browser.launch import BrowserNotFound, find_chromium
from crawler.commands.common import app_context, console, fail, print_json

app = typer.Typer(help="Evidence: captures, the tamper-evident log, export packages.", no_args_is_help=True)

ACTOR = typer.Option("cli", "--actor", help="Who does this (audit log).")


def _audit(
    ctx: typer.Context, action: str, object_type: str, object_id: object, actor: str, **details: object
) -> None:
    from crawler.storage.engine import transaction
    from crawler.storage.repositories import AuditRepository

    context = app_context(ctx)
    with transaction(context.sessions) as session:
        AuditRepository(session, context.clock).record(
            action, object_type, object_id, actor=actor, details=details
        )


@app.command()
def capture(
    ctx: typer.Context,
    listing: int | None = typer.Argument(None, help="Listing id to capture."),
    url: str | None = typer.Option(
        None, "--url", help="URL to capture (finds its listing when none is given)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
    actor: str = ACTOR,
) -> None:
    """Capture a listing now: mobile screenshot, WARC, rendered HTML, photos, manifest, log entry."""
    from crawler.evidence.repository import EvidenceRepository
    from crawler.evidence.service import EvidenceService, capture_listing

    context = app_context(ctx)
    if listing is None and not url:
        fail("give a listing id or --url")
    if listing is None:
        with context.sessions() as session:
            found = EvidenceRepository(session).listing_by_url(url or "")
        if found is None:
            fail(
                f"no stored listing has the URL {url}; give the listing id as well to capture this URL for it"
            )
        listing = found.id
    try:
        service = EvidenceService(context, executable=find_chromium(context.settings.browser_executable))
        outcome = capture_listing(context, listing, url=url, service=service)
    except BrowserNotFound as exc:
        fail(str(exc))
    except LookupError as exc:
        fail(str(exc))
    _audit(
        ctx,
        "evidence.capture",
        "evidence_capture",
        outcome.capture_id,
        actor,
        listing_id=listing,
        status=outcome.status,
        manifest_sha256=outcome.manifest_sha256,
    )
    if as_json:
        print_json(outcome.as_dict())
    else:
        console().print(
            f"capture {outcome.capture_id} of listing {outcome.listing_id}: {outcome.status}, "
            f"manifest {outcome.manifest_sha256}, log entry {outcome.log_seq}"
            + (", timestamped" if outcome.timestamped else ", system time only")
            + (f"; check: {outcome.reason}" if outcome.reason else "")
        )
        for problem in outcome.problems:
            console().print(f"  [yellow]problem[/]: {problem}")
    if outcome.status in ("failed", "unlogged", "error"):
        raise typer.Exit(2)


@app.command("verify")
def verify_(
    ctx: typer.Context,
    capture_id: int | None = typer.Argument(None, help="Capture id to verify."),
    all_: bool = typer.Option(False, "--all", help="Verify every capture and the whole log."),
    package: Path | None = typer.Option(
        None,
        "--package",
        help="Check an exported package (directory) by itself and against this system's log.",
    ),
    anchors_file: Path | None = typer.Option(
        None, "--anchors", help="Anchors file to check the log against (default: the evidence anchors file)."
    ),
    anchor_lines: list[str] = typer.Option(
        [], "--anchor-line", help="An anchor line kept outside the system (repeatable)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Recompute every hash and link; name exactly which file or log entry changed. Exit 1 on any finding."""
    from crawler.evidence.anchors import AnchorError, parse_line, read_anchors
    from crawler.evidence.layout import EvidenceLayout
    from crawler.evidence.package_check import check_package
    from crawler.evidence.verify import VerifyReport, verify

    if capture_id is None and not all_ and package is None:
        fail("give a capture id, --all or --package DIR")
    context = app_context(ctx)
    if package is not None:
        if not package.is_dir():
            fail(f"{package} is not a directory (unpack a .zip package first)")
        with context.sessions() as session:
            try:
                findings = check_package(package, session)
            except Exception as exc:  # noqa: BLE001 - no database: check the package by itself
                session.rollback()
                findings = check_package(package)
                console().print(f"note: not compared with this system's log ({exc.__class__.__name__})")
        report = VerifyReport(findings=findings)
    else:
        layout = EvidenceLayout.from_settings(context.settings)
        try:
            anchors = read_anchors(anchors_file or layout.anchors_path)
            anchors += [parse_line(line, "--anchor-line") for line in anchor_lines]
        except AnchorError as exc:
            fail(str(exc))
        with context.sessions() as session:
            report = verify(layout, session, None if all_ else [capture_id or 0], anchors=anchors)
    if as_json:
        print_json(report.as_dict())
    else:
        out = console()
        if package is None:
            out.print(
                f"checked {report.captures} capture(s), {report.artefacts} artefact(s), "
                f"{report.log_entries} log entr{'y' if report.log_entries == 1 else 'ies'}, "
                f"{report.timestamps} timestamp token(s), {report.anchors} anchor(s)"
            )
        for finding in report.findings:
            out.print(f"[bold red]CHANGED[/] {finding}", markup=True, soft_wrap=True)
        if report.ok:
            out.print("[green]all evidence verifies[/]")
    if not report.ok:
        raise typer.Exit(1)


@app.command("export")
def export(
    ctx: typer.Context,
    flag: int = typer.Argument(..., help="Flag id whose listing's evidence is exported."),
    out: Path = typer.Option(..., "--out", help="Directory to create, or a .zip file."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also render summary.pdf with Chromium."),
    allow_partial: bool = typer.Option(
        False, "--allow-partial", help="Export captures that failed their content checks, marked as failed."
    ),
    as_json: bool = typer.Option(False, "--json"),
    actor: str = ACTOR,
) -> None:
    """Write a self-contained package: artefacts, manifests, log excerpt, SHA256SUMS, README, summary."""
    from crawler.evidence.export import ExportError, export_flag
    from crawler.evidence.layout import EvidenceLayout

    context = app_context(ctx)
    executable = None
    if pdf:
        try:
            executable = find_chromium(context.settings.browser_executable)
        except BrowserNotFound:
            pdf = False
    with context.sessions() as session:
        try:
            result = export_flag(
                EvidenceLayout.from_settings(context.settings),
                session,
                flag,
                out,
                exported_at=context.clock.now(),
                pdf=pdf,
                browser_executable=executable,
                allow_partial=allow_partial,
            )
        except ExportError as exc:
            fail(str(exc))
    _audit(ctx, "evidence.export", "flag", flag, actor, path=str(result.path), captures=result.captures)
    if as_json:
        print_json(result.as_dict())
        return
    console().print(
        f"wrote {result.path}: {len(result.captures)} capture(s), {result.files} files, "
        f"{result.log_entries} log entries{', summary.pdf' if result.pdf else ''}; "
        f"check with: cd {result.path} && sha256sum -c SHA256SUMS"
    )
    for note in result.notes:
        console().print(f"  note: {note}")


@app.command()
def anchor(
    ctx: typer.Context,
    anchors_file: Path | None = typer.Option(
        None, "--anchors", help="Anchors file to append to (default: <data_dir>/evidence/anchors.jsonl)."
    ),
    tsa: bool = typer.Option(True, "--tsa/--no-tsa", help="Timestamp the head when a TSA is configured."),
    as_json: bool = typer.Option(False, "--json"),
    actor: str = ACTOR,
) -> None:
    """Record the log head (entry, hash, time; RFC 3161 token with a TSA) and print a line to keep elsewhere."""
    from crawler.evidence.anchors import AnchorError, append_anchor, make_anchor
    from crawler.evidence.layout import EvidenceLayout
    from crawler.evidence.timestamp import TimestampError

    context = app_context(ctx)
    layout = EvidenceLayout.from_settings(context.settings)
    path = anchors_file or layout.anchors_path
    tsa_url = context.settings.evidence_tsa_url if tsa else None
    with context.sessions() as session:
        try:
            made = make_anchor(
                layout.log,
                session,
                context.clock.now(),
                tsa_url=tsa_url,
                tsa_timeout=context.settings.evidence_tsa_timeout,
            )
        except (AnchorError, TimestampError) as exc:
            fail(str(exc))
    append_anchor(path, made)
    _audit(
        ctx, "evidence.anchor", "evidence_log", made.seq, actor, head_sha256=made.head_sha256, path=str(path)
    )
    if as_json:
        print_json({**made.record(), "path": str(path)})
        return
    out = console()
    out.print(f"anchored log entry {made.seq} in {path}" + (", timestamped" if made.token else ""))
    if not made.token:
        out.print("no timestamp authority: keep this line outside the system (notebook, e-mail):")
    out.print(made.line(), markup=False, soft_wrap=True)


@app.command()
def stats(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Counts and bytes: artefacts as captured against objects stored once each."""
    from crawler.evidence.layout import EvidenceLayout
    from crawler.evidence.retention import stats as evidence_stats

    context = app_context(ctx)
    with context.sessions() as session:
        data = evidence_stats(
            EvidenceLayout.from_settings(context.settings),
            session,
            context.clock.now(),
            context.settings.evidence_retention_days,
        )
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if isinstance(value, dict):
            shown = ", ".join(f"{k} {v}" for k, v in sorted(value.items())) or "none"
            console().print(f"{key.replace('_', ' ')}: {shown}")
        else:
            console().print(f"{key.replace('_', ' ')}: {value}")


@app.command()
def prune(
    ctx: typer.Context,
    days: int | None = typer.Option(None, "--days", help="Override evidence_retention_days."),
    as_json: bool = typer.Option(False, "--json"),
    actor: str = ACTOR,
) -> None:
    """Remove unflagged captures older than the retention period; the removal is logged in the chain."""
    from crawler.evidence.layout import EvidenceLayout
    from crawler.evidence.retention import prune as prune_captures

    context = app_context(ctx)
    result = prune_captures(
        EvidenceLayout.from_settings(context.settings),
        context.sessions,
        context.clock.now(),
        context.settings.evidence_retention_days if days is None else days,
    )
    if result.captures:
        _audit(ctx, "evidence.prune", "evidence_log", result.log_seq, actor, captures=result.captures)
    if as_json:
        print_json(result.as_dict())
        return
    console().print(
        f"pruned {len(result.captures)} capture(s), {result.objects_removed} object(s), "
        f"{result.bytes_freed} bytes" + (f"; log entry {result.log_seq}" if result.log_seq else "")
    )
