"""Anchors: the log head written down outside the system, so a rewritten or rolled-back log is caught.

The log file and its database copy check each other, but someone who controls both can rewrite the
tail of the chain consistently, or roll both back to an earlier entry. An anchor is a record of the
head (entry number, the SHA-256 of its line, the time) kept where that person cannot reach:

- ``surveil evidence anchor`` appends one JSON line per anchor to the anchors file
  (``<data_dir>/evidence/anchors.jsonl`` unless ``--anchors`` names another place, e.g. a mounted
  share or a USB stick), and prints a one-line form to paste into a notebook or an e-mail;
- with a timestamp authority configured the head hash is timestamped (RFC 3161) and the token kept in
  the record, so the head's existence at that time is attested by a third party;
- the morning digest carries the head too, so the mailbox of every reader holds a copy.

``verify`` checks the log against every anchor it is given: the anchored entry must still be in the
file and in the database with the anchored hash; a log that ends below it was rolled back.
Nothing here reads a clock: the time is a parameter.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.evidence.findings import Finding
from crawler.evidence.log import EvidenceLog
from crawler.evidence.timestamp import TimestampError, check_token
from crawler.storage.models import EvidenceLogEntry

ANCHOR_FORMAT = "surveil-evidence-anchor/1"
#: ``surveil-evidence-anchor seq=12 head=<64 hex> at=2026-12-02T03:00:00+00:00``
LINE = re.compile(r"surveil-evidence-anchor\s+seq=(\d+)\s+head=([0-9a-f]{64})(?:\s+at=(\S+))?")


class AnchorError(RuntimeError):
    pass


@dataclass(frozen=True, kw_only=True)
class Anchor:
    seq: int
    head_sha256: str
    at: str = ""
    source: str = ""
    tsa_url: str | None = None
    token: bytes | None = None

    def line(self) -> str:
        """The printable form, for an external notebook or e-mail."""
        return f"surveil-evidence-anchor seq={self.seq} head={self.head_sha256} at={self.at}"

    def record(self) -> dict[str, Any]:
        return {
            "format": ANCHOR_FORMAT,
            "seq": self.seq,
            "head_sha256": self.head_sha256,
            "at": self.at,
            "tsa_url": self.tsa_url,
            "token": base64.b64encode(self.token).decode("ascii") if self.token else None,
            "line": self.line(),
        }


def parse_line(text: str, source: str = "given line") -> Anchor:
    match = LINE.search(text)
    if match is None:
        raise AnchorError(f"not an anchor line: {text!r}")
    return Anchor(seq=int(match.group(1)), head_sha256=match.group(2), at=match.group(3) or "", source=source)


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor of an anchors file; an unreadable line raises (an anchors file is not edited)."""
    if not path.exists():
        return []
    anchors = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            anchors.append(
                Anchor(
                    seq=int(data["seq"]),
                    head_sha256=str(data["head_sha256"]),
                    at=str(data.get("at", "")),
                    source=f"{path.name} line {number}",
                    tsa_url=data.get("tsa_url"),
                    token=base64.b64decode(data["token"]) if data.get("token") else None,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise AnchorError(f"{path} line {number} is not an anchor record: {exc}") from exc
    return anchors


def current_head(log: EvidenceLog, session: Session) -> tuple[int, str]:
    """The head both copies agree on; refuses to anchor a log whose file and database disagree."""
    lines = [line for line in log.read() if line.seq is not None]
    row = session.scalar(select(EvidenceLogEntry).order_by(EvidenceLogEntry.seq.desc()).limit(1))
    if not lines or row is None:
        raise AnchorError("the evidence log is empty: nothing to anchor")
    last = lines[-1]
    if (last.seq, last.sha256) != (row.seq, row.entry_sha256):
        raise AnchorError(
            f"the log file ends at entry {last.seq} but its database copy at entry {row.seq} (or their "
            "hashes differ); run 'surveil evidence verify --all' before anchoring"
        )
    return row.seq, row.entry_sha256


def make_anchor(
    log: EvidenceLog,
    session: Session,
    at: datetime,
    *,
    tsa_url: str | None = None,
    tsa_timeout: float = 15,
) -> Anchor:
    """An anchor of the current head, timestamped by ``tsa_url`` when one is given."""
    seq, head = current_head(log, session)
    token = None
    if tsa_url:
        from crawler.evidence.timestamp import request_timestamp

        token = request_timestamp(tsa_url, head, timeout=tsa_timeout).token
    return Anchor(seq=seq, head_sha256=head, at=at.isoformat(), tsa_url=tsa_url, token=token)


def append_anchor(path: Path, anchor: Anchor) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(
            json.dumps(anchor.record(), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
        )


def check_anchors(log: EvidenceLog, session: Session, anchors: Iterable[Anchor]) -> list[Finding]:
    """The log (file and database) against each anchor: still there, same hash, not rolled back."""
    lines = {line.seq: line for line in log.read() if line.seq is not None}
    rows = {row.seq: row.entry_sha256 for row in session.scalars(select(EvidenceLogEntry))}
    file_last = max(lines, default=0)
    db_last = max(rows, default=0)
    findings = []
    for anchor in anchors:
        subject = f"anchor entry {anchor.seq} ({anchor.source or 'anchor'}, {anchor.at or 'no time'})"
        if file_last < anchor.seq:
            findings.append(
                Finding(
                    subject, f"the log file ends at entry {file_last}: rolled back below an anchored head"
                )
            )
        elif lines[anchor.seq].sha256 != anchor.head_sha256:
            findings.append(
                Finding(
                    subject,
                    f"log file entry {anchor.seq} now hashes to {lines[anchor.seq].sha256}, "
                    f"the anchor recorded {anchor.head_sha256}: the log was rewritten",
                )
            )
        if db_last < anchor.seq:
            findings.append(
                Finding(
                    subject, f"the database copy ends at entry {db_last}: rolled back below an anchored head"
                )
            )
        elif rows.get(anchor.seq) != anchor.head_sha256:
            findings.append(
                Finding(
                    subject,
                    f"database entry {anchor.seq} records {rows.get(anchor.seq)}, "
                    f"the anchor recorded {anchor.head_sha256}: the database copy was rewritten",
                )
            )
        if anchor.token is not None:
            try:
                check_token(anchor.token, anchor.head_sha256)
            except TimestampError as exc:
                findings.append(Finding(f"{subject} timestamp", str(exc)))
    return findings
