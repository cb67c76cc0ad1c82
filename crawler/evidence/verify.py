"""Recompute everything about stored evidence and name exactly what changed.

Checks: the log chain by itself and against its database copy (line by line, naming the side that
changed), the append-only triggers of that copy, the log against every anchor of its head; for each capture, that its log entry
names its manifest, that the manifest object still has its hash, that the manifest and the database
list the same artefacts, that every artefact object still has its hash, and that any timestamp token
still matches the manifest.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from crawler.evidence.anchors import Anchor, AnchorError, check_anchors, read_anchors
from crawler.evidence.findings import Finding
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.log import LogLine
from crawler.evidence.manifest import parse_manifest
from crawler.evidence.repository import EvidenceRepository
from crawler.evidence.store import ObjectStore
from crawler.evidence.timestamp import TimestampError, check_token
from crawler.storage.models import EvidenceCapture


@dataclass
class VerifyReport:
    findings: list[Finding] = field(default_factory=list)
    captures: int = 0
    artefacts: int = 0
    log_entries: int = 0
    timestamps: int = 0
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "captures": self.captures,
            "artefacts": self.artefacts,
            "log_entries": self.log_entries,
            "timestamps": self.timestamps,
            "anchors": self.anchors,
            "findings": [{"subject": f.subject, "problem": f.problem} for f in self.findings],
        }


def _object(sha256: str) -> str:
    return f"object {sha256[:2]}/{sha256[2:4]}/{sha256}"


def verify(
    layout: EvidenceLayout,
    session: Session,
    capture_ids: Sequence[int] | None = None,
    anchors: Sequence[Anchor] | None = None,
) -> VerifyReport:
    """Verify the given captures (all when ``None``) and the whole log they depend on.

    ``anchors``: heads recorded outside the system; by default those of the layout's anchors file.
    """
    report = VerifyReport()
    log = layout.log
    lines = log.read()
    report.log_entries = len(lines)
    report.findings += log.check(session)
    if anchors is None:
        try:
            anchors = read_anchors(layout.anchors_path)
        except AnchorError as exc:
            report.findings.append(Finding(f"anchors file {layout.anchors_path}", str(exc)))
            anchors = []
    report.anchors = len(anchors)
    report.findings += check_anchors(log, session, anchors)
    entries: dict[int, LogLine] = {line.seq: line for line in lines if line.seq is not None}
    pruned: set[int] = set()
    for line in lines:
        if line.entry and line.entry.get("kind") == "prune":
            pruned.update(int(c["capture_id"]) for c in line.entry.get("captures", []) if "capture_id" in c)
    repo = EvidenceRepository(session)
    captures = repo.captures(capture_ids)
    if capture_ids is not None:
        missing = sorted(set(capture_ids) - {c.id for c in captures})
        for capture_id in missing:
            where = "pruned by retention (see the log)" if capture_id in pruned else "not in the database"
            report.findings.append(Finding(f"capture {capture_id}", where))
    for capture in captures:
        report.captures += 1
        _verify_capture(capture, entries, layout.store, report)
    if capture_ids is None:
        known = {c.id for c in captures}
        for seq, line in sorted(entries.items()):
            entry = line.entry or {}
            capture_id = entry.get("capture_id")
            if entry.get("kind") == "capture" and capture_id not in known and capture_id not in pruned:
                report.findings.append(
                    Finding(
                        f"capture {capture_id}",
                        f"named by log entry {seq} but gone from the database without a prune entry",
                    )
                )
    return report


def _verify_capture(
    capture: EvidenceCapture, entries: dict[int, LogLine], store: ObjectStore, report: VerifyReport
) -> None:
    name = f"capture {capture.id}"
    findings = report.findings
    entry: dict[str, Any] | None = None
    if capture.log_sequence is None:
        findings.append(Finding(name, "not recorded in the evidence log"))
    else:
        line = entries.get(capture.log_sequence)
        if line is None or line.entry is None:
            findings.append(
                Finding(name, f"its log entry {capture.log_sequence} is missing from the log file")
            )
        else:
            entry = line.entry
            if entry.get("capture_id") != capture.id:
                findings.append(
                    Finding(
                        name, f"log entry {capture.log_sequence} is about capture {entry.get('capture_id')}"
                    )
                )
                entry = None
            elif entry.get("manifest_sha256") != capture.manifest_sha256:
                findings.append(
                    Finding(
                        f"{name} manifest",
                        f"database names manifest {capture.manifest_sha256} but log entry "
                        f"{capture.log_sequence} names {entry.get('manifest_sha256')}",
                    )
                )
    manifest_sha = (entry or {}).get("manifest_sha256") or capture.manifest_sha256
    problem = store.check(manifest_sha) if manifest_sha else "missing"
    manifest: dict[str, Any] | None = None
    if problem:
        findings.append(Finding(f"{name} manifest.json ({_object(manifest_sha)})", problem))
    else:
        try:
            manifest = parse_manifest(store.get(manifest_sha))
        except ValueError as exc:
            findings.append(Finding(f"{name} manifest.json", f"unreadable: {exc}"))
    listed = {a["name"]: a for a in (manifest or {}).get("artefacts", [])}
    if manifest is not None and manifest.get("capture_id") != capture.id:
        findings.append(
            Finding(f"{name} manifest.json", f"is the manifest of capture {manifest.get('capture_id')}")
        )
    rows = {a.name: a for a in capture.artefacts}
    if manifest is not None:
        for artefact_name in sorted(set(listed) - set(rows)):
            findings.append(
                Finding(f"{name} artefact {artefact_name}", "in the manifest but not in the database")
            )
        for artefact_name in sorted(set(rows) - set(listed)):
            findings.append(
                Finding(f"{name} artefact {artefact_name}", "in the database but not in the manifest")
            )
    for artefact_name, row in sorted(rows.items()):
        report.artefacts += 1
        expected = listed.get(artefact_name, {}).get("sha256", row.sha256)
        if expected != row.sha256:
            findings.append(
                Finding(
                    f"{name} artefact {artefact_name}",
                    f"database hash {row.sha256} differs from the manifest's {expected}",
                )
            )
        problem = store.check(expected)
        if problem:
            findings.append(Finding(f"{name} artefact {artefact_name} ({_object(expected)})", problem))
    _verify_timestamp(capture, entry, manifest_sha, store, report)


def _verify_timestamp(
    capture: EvidenceCapture,
    entry: dict[str, Any] | None,
    manifest_sha: str,
    store: ObjectStore,
    report: VerifyReport,
) -> None:
    name = f"capture {capture.id} timestamp"
    logged = (entry or {}).get("timestamp")
    if not capture.timestamp_token:
        if logged:
            report.findings.append(
                Finding(name, "the log records a timestamp token but the database has none")
            )
        return
    report.timestamps += 1
    try:
        token = base64.b64decode(capture.timestamp_token, validate=True)
    except (binascii.Error, ValueError):
        report.findings.append(Finding(name, "token in the database is not valid base64"))
        return
    if logged and store.check(logged.get("token_sha256", "")) is None:
        if store.get(logged["token_sha256"]) != token:
            report.findings.append(Finding(name, "token in the database differs from the logged token"))
    elif logged:
        report.findings.append(
            Finding(f"{name} ({_object(logged.get('token_sha256', ''))})", "token object missing or changed")
        )
    try:
        check_token(token, manifest_sha)
    except TimestampError as exc:
        report.findings.append(Finding(name, str(exc)))
