"""Check an exported package by itself, and against the system's own log where that is at hand.

By itself: every file against ``SHA256SUMS``, every artefact against its manifest, every manifest
against its log line, the log lines' chain, and any timestamp token. Against the system: every log
line of the package must be the same line the system's log holds (its SHA-256 in ``evidence_log``), so a
package rebuilt with new sums and manifests is still caught.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.evidence.findings import Finding
from crawler.evidence.hashing import is_sha256, sha256_file
from crawler.evidence.log import check_chain, parse_lines
from crawler.evidence.timestamp import TimestampError, check_token
from crawler.storage.models import EvidenceLogEntry


def _sums(root: Path, findings: list[Finding]) -> None:
    sums = root / "SHA256SUMS"
    if not sums.is_file():
        findings.append(Finding("SHA256SUMS", "missing"))
        return
    listed: set[str] = set()
    for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if not is_sha256(digest) or not name:
            findings.append(Finding(f"SHA256SUMS line {number}", "not '<sha256>  <file>'"))
            continue
        listed.add(name)
        path = root / name
        if ".." in Path(name).parts or not path.is_file():
            findings.append(Finding(name, "listed in SHA256SUMS but missing"))
        elif sha256_file(path) != digest:
            findings.append(Finding(name, "content changed: does not match SHA256SUMS"))
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel != "SHA256SUMS" and rel not in listed:
            findings.append(Finding(rel, "not listed in SHA256SUMS (added)"))


def check_package(root: Path, session: Session | None = None) -> list[Finding]:
    findings: list[Finding] = []
    _sums(root, findings)
    try:
        index = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [*findings, Finding("package.json", f"unreadable: {exc}")]
    log_path = root / "log" / "evidence-log.jsonl"
    lines = parse_lines(log_path.read_bytes()) if log_path.is_file() else []
    if not lines:
        findings.append(Finding("log/evidence-log.jsonl", "missing or empty"))
    findings += check_chain(lines, first_prev=None)
    head = index.get("log", {}).get("head_sha256")
    if lines and lines[-1].sha256 != head:
        findings.append(
            Finding("log/evidence-log.jsonl", f"last line's SHA-256 is not the recorded head {head}")
        )
    by_capture = {
        (line.entry or {}).get("capture_id"): line
        for line in lines
        if (line.entry or {}).get("kind") == "capture"
    }
    for item in index.get("captures", []):
        capture_id = item.get("capture_id")
        folder = root / "captures" / str(capture_id)
        name = f"captures/{capture_id}"
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            findings.append(Finding(f"{name}/manifest.json", "missing"))
            continue
        manifest_sha = sha256_file(manifest_path)
        line = by_capture.get(capture_id)
        if line is None:
            findings.append(Finding(name, "no log line for this capture in the package"))
        elif (line.entry or {}).get("manifest_sha256") != manifest_sha:
            findings.append(
                Finding(f"{name}/manifest.json", f"its SHA-256 is not the one log entry {line.seq} recorded")
            )
        try:
            manifest = json.loads(manifest_path.read_bytes())
        except ValueError:
            findings.append(Finding(f"{name}/manifest.json", "not JSON"))
            continue
        for artefact in manifest.get("artefacts", []):
            path = folder / artefact.get("name", "")
            if ".." in Path(artefact.get("name", "")).parts or not path.is_file():
                findings.append(Finding(f"{name}/{artefact.get('name')}", "missing"))
            elif sha256_file(path) != artefact.get("sha256"):
                findings.append(
                    Finding(f"{name}/{artefact.get('name')}", "content changed: not the manifest's SHA-256")
                )
        token = folder / "manifest.json.tsr"
        if token.is_file():
            try:
                check_token(token.read_bytes(), manifest_sha)
            except TimestampError as exc:
                findings.append(Finding(f"{name}/manifest.json.tsr", str(exc)))
    if session is not None and lines:
        seqs = [line.seq for line in lines if line.seq is not None]
        known = {
            row.seq: row.entry_sha256
            for row in session.scalars(select(EvidenceLogEntry).where(EvidenceLogEntry.seq.in_(seqs)))
        }
        for line in lines:
            if line.seq is not None and known.get(line.seq) != line.sha256:
                findings.append(
                    Finding(
                        f"log/evidence-log.jsonl line {line.lineno}",
                        f"entry {line.seq} is not the entry the system's log holds",
                    )
                )
    return findings
