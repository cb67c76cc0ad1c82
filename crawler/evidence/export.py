"""Export a flag's evidence as a self-contained package (directory or ZIP) that checks with standard tools."""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import pem
from sqlalchemy.orm import Session

from crawler.evidence.checks import CaptureStatus
from crawler.evidence.findings import Finding
from crawler.evidence.hashing import sha256_file
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.readme_text import readme
from crawler.evidence.repository import EvidenceRepository
from crawler.evidence.summary import SummaryCapture, SummaryData, render_html, render_pdf
from crawler.evidence.timestamp import TimestampError, check_token
from crawler.evidence.verify import verify
from crawler.storage.models import EvidenceCapture, Flag


class ExportError(RuntimeError):
    pass


@dataclass
class ExportResult:
    path: Path
    flag_id: int
    captures: list[int]
    files: int
    log_entries: int
    pdf: bool
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "flag_id": self.flag_id,
            "captures": self.captures,
            "files": self.files,
            "log_entries": self.log_entries,
            "pdf": self.pdf,
            "findings": [str(f) for f in self.findings],
            "notes": self.notes,
        }


def export_flag(
    layout: EvidenceLayout,
    session: Session,
    flag_id: int,
    out: Path,
    *,
    exported_at: datetime,
    pdf: bool = True,
    browser_executable: str | None = None,
    allow_partial: bool = False,
) -> ExportResult:
    """Write the package for ``flag_id`` to ``out`` (a ``.zip`` file or a new/empty directory).

    The evidence is verified first; an export of evidence that fails verification is refused. A capture
    whose content checks failed (it does not show the listing) is refused too, unless ``allow_partial``;
    then it is exported and marked as failed in ``package.json`` and the summary.
    """
    repo = EvidenceRepository(session)
    flag = repo.flag(flag_id)
    if flag is None:
        raise ExportError(f"no flag {flag_id}")
    captures = repo.captures_for_listing(flag.listing_id)
    if not captures:
        raise ExportError(
            f"flag {flag_id} has no evidence captures yet; run 'surveil evidence capture {flag.listing_id}'"
        )
    report = verify(layout, session, [c.id for c in captures])
    if not report.ok:
        raise ExportError("evidence does not verify: " + "; ".join(str(f) for f in report.findings))
    unusable = [
        c for c in captures if c.status != CaptureStatus.COMPLETE and c.status != CaptureStatus.PARTIAL
    ]
    if unusable and not allow_partial:
        raise ExportError(
            "capture(s) that do not show the listing: "
            + "; ".join(
                f"capture {c.id} {c.status} ({c.check_reason or 'no reason recorded'})" for c in unusable
            )
            + "; capture the listing again, or give --allow-partial to export them marked as such"
        )
    as_zip = out.suffix.lower() == ".zip"
    if not as_zip and out.exists() and any(out.iterdir()):
        raise ExportError(f"{out} exists and is not empty")
    with tempfile.TemporaryDirectory(prefix="evidence-export-") as tmp:
        root = Path(tmp) / (out.stem if as_zip else out.name)
        root.mkdir()
        result = _write_package(layout, session, flag, captures, root, exported_at)
        result.notes += [
            f"capture {c.id} is {c.status} ({c.check_reason}); marked in the package" for c in unusable
        ]
        if pdf:
            try:
                render_pdf(root / "summary.html", root / "summary.pdf", browser_executable)
                result.pdf = True
            except Exception as exc:  # noqa: BLE001 - the HTML summary stands without the PDF
                result.notes.append(f"summary.pdf not rendered: {exc.__class__.__name__}: {exc}")
        _write_sums(root)
        result.files = sum(1 for p in root.rglob("*") if p.is_file())
        out.parent.mkdir(parents=True, exist_ok=True)
        if as_zip:
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(root.rglob("*")):
                    if path.is_file():
                        archive.write(path, path.relative_to(root.parent).as_posix())
        else:
            if out.exists():
                out.rmdir()
            shutil.copytree(root, out)
        result.path = out
        return result


def _write_package(
    layout: EvidenceLayout,
    session: Session,
    flag: Flag,
    captures: list[EvidenceCapture],
    root: Path,
    exported_at: datetime,
) -> ExportResult:
    store = layout.store
    lines = layout.log.read()
    by_seq = {line.seq: line for line in lines if line.seq is not None}
    result = ExportResult(root, flag.id, [c.id for c in captures], 0, 0, False)
    summary_captures = []
    tsa_names: list[str] = []
    untimestamped: list[int] = []
    certificates: dict[str, bytes] = {}
    for capture in captures:
        folder = root / "captures" / str(capture.id)
        folder.mkdir(parents=True)
        manifest_data = store.get(capture.manifest_sha256)
        (folder / "manifest.json").write_bytes(manifest_data)
        manifest = json.loads(manifest_data)
        for artefact in capture.artefacts:
            parts = Path(artefact.name).parts
            if not parts or Path(artefact.name).is_absolute() or ".." in parts:
                raise ExportError(f"capture {capture.id}: unsafe artefact name {artefact.name!r}")
            target = folder.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(store.path_for(artefact.sha256), target)
            target.chmod(0o644)
        stamp_text = "无 none — system clock only"
        if capture.timestamp_token:
            token = base64.b64decode(capture.timestamp_token)
            (folder / "manifest.json.tsr").write_bytes(token)
            try:
                info = check_token(token, capture.manifest_sha256)
            except TimestampError as exc:
                raise ExportError(f"capture {capture.id}: {exc}") from exc
            tsa_names.append(info.tsa_subject)
            stamp_text = f"{info.gen_time.isoformat()} · {info.tsa_subject} · serial {info.serial_number}"
            for cert in info.certificates:
                certificates.setdefault(cert.hex()[:64], cert)
        else:
            untimestamped.append(capture.id)
        shot = next((a for a in capture.artefacts if a.name == "screenshot.png"), None)
        log_line = by_seq.get(capture.log_sequence) if capture.log_sequence is not None else None
        summary_captures.append(
            SummaryCapture(
                capture_id=capture.id,
                captured_at=capture.captured_at,
                requested_url=capture.requested_url,
                final_url=capture.final_url,
                http_status=manifest.get("http_status"),
                device=capture.device_profile,
                software=f"surveil {capture.software_version}",
                manifest_sha256=capture.manifest_sha256,
                log_seq=capture.log_sequence,
                timestamp=stamp_text,
                status=capture.status,
                screenshot=f"captures/{capture.id}/screenshot.png" if shot else None,
                log_at=str((log_line.entry or {}).get("at", "")) if log_line else "",
                log_sha256=log_line.sha256 if log_line else "",
                check=f"{capture.check_reason}: {capture.check_detail}" if capture.check_reason else "",
            )
        )
    if certificates:
        tsa = root / "tsa"
        tsa.mkdir()
        for number, cert in enumerate(certificates.values(), start=1):
            (tsa / f"tsa-{number}.pem").write_bytes(pem.armor("CERTIFICATE", cert))
    # The log from the package's first entry to the newest, verbatim, with every line's hash.
    first = min(c.log_sequence for c in captures if c.log_sequence is not None)
    excerpt = [line for line in lines if line.seq is not None and line.seq >= first]
    log_dir = root / "log"
    log_dir.mkdir()
    (log_dir / "evidence-log.jsonl").write_bytes(b"".join(line.raw + b"\n" for line in excerpt))
    chain = [f"# line seq sha256(line) prev (from entry {first} to the newest entry at export time)"]
    chain += [
        f"{n} {line.seq} {line.sha256} {(line.entry or {}).get('prev', '')}"
        for n, line in enumerate(excerpt, start=1)
    ]
    (log_dir / "CHAIN.txt").write_text("\n".join(chain) + "\n", encoding="utf-8")
    result.log_entries = len(excerpt)
    head = excerpt[-1].sha256 if excerpt else ""
    listing = flag.listing
    data = SummaryData(
        flag={
            "id": flag.id,
            "kind": flag.kind,
            "status": str(flag.status.value if hasattr(flag.status, "value") else flag.status),
            "risk_score": float(flag.risk_score or 0),
            "explanation": flag.explanation,
        },
        listing={
            "platform": listing.platform.code if listing.platform else "",
            "platform_item_id": listing.platform_item_id,
            "title": listing.title,
            "url": listing.url,
            "price": f"{listing.price} {listing.currency}" if listing.price is not None else "",
            "seller": listing.seller.name if listing.seller else "",
        },
        reference=(
            {
                "list_type": flag.entry.list_type.value if flag.entry.list_type else "",
                "ref_key": flag.entry.ref_key,
                "product_name": flag.entry.product_name,
                "models": [str(m) for m in flag.entry.models or []],
                "hazard": flag.entry.hazard,
            }
            if flag.entry
            else None
        ),
        captures=summary_captures,
        exported_at=exported_at,
        trusted_time=not untimestamped,
        log_head=head,
        log_head_seq=excerpt[-1].seq if excerpt else None,
    )
    (root / "summary.html").write_text(render_html(data), encoding="utf-8")
    title = " ".join((listing.title or f"listing {listing.id}").split())[:80]
    (root / "README.md").write_text(
        readme(
            title=title,
            flag_id=flag.id,
            exported_at=exported_at.isoformat(),
            capture_count=len(captures),
            tsa_names=tsa_names,
            untimestamped=untimestamped if tsa_names else [],
        ),
        encoding="utf-8",
    )
    (root / "package.json").write_text(
        json.dumps(
            {
                "format": "surveil-evidence-package/1",
                "flag_id": flag.id,
                "listing_id": listing.id,
                "captures": [
                    {
                        "capture_id": c.id,
                        "manifest_sha256": c.manifest_sha256,
                        "log_seq": c.log_sequence,
                        "status": c.status,
                        "check_reason": c.check_reason,
                    }
                    for c in captures
                ],
                "log": {
                    "first_seq": first,
                    "last_seq": excerpt[-1].seq if excerpt else None,
                    "head_sha256": head,
                },
                "exported_at": exported_at.isoformat(),
                "trusted_time": not untimestamped,
            },
            ensure_ascii=False,
            indent=2,
            sort_keys=True,
        )
        + "\n",
        encoding="utf-8",
    )
    return result


def _write_sums(root: Path) -> None:
    lines = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == "SHA256SUMS":
            continue
        lines.append(f"{sha256_file(path)}  {rel}")
    (root / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
