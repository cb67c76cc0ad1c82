"""The hash-chained evidence log: one canonical JSON line per event, each naming its predecessor's hash.

An entry's hash is the SHA-256 of its line's bytes (without the newline), so anyone can check a link
with standard tools (``sed -n 3p log.jsonl | tr -d '\\n' | sha256sum`` equals line 4's ``prev``).
Removing, reordering or editing any line breaks a link. Every line is also kept in the database table
``evidence_log``, which catches what the file alone cannot: a removed or edited last line.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from crawler.evidence.findings import Finding
from crawler.evidence.hashing import canonical_json, sha256_bytes
from crawler.storage.engine import transaction
from crawler.storage.models import EvidenceLogEntry

GENESIS = "0" * 64
LOG_FORMAT = "surveil-evidence-log/1"


class EvidenceLogError(RuntimeError):
    """The log cannot be appended to safely (its file and database copy disagree)."""


@dataclass(frozen=True)
class LogLine:
    """One line of the log file as read: its position, bytes, hash and parsed entry (or why not)."""

    lineno: int
    raw: bytes
    entry: dict[str, Any] | None
    error: str | None = None

    @property
    def sha256(self) -> str:
        return sha256_bytes(self.raw)

    @property
    def seq(self) -> int | None:
        value = (self.entry or {}).get("seq")
        return value if isinstance(value, int) else None


def parse_lines(data: bytes) -> list[LogLine]:
    lines = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw:
            continue
        try:
            entry = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            lines.append(LogLine(number, raw, None, f"not a JSON line: {exc}"))
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int):
            lines.append(LogLine(number, raw, None, "not a log entry (no integer 'seq')"))
            continue
        lines.append(LogLine(number, raw, entry))
    return lines


def _entry_name(line: LogLine) -> str:
    return f"log entry {line.seq} (line {line.lineno})" if line.seq is not None else f"log line {line.lineno}"


def check_chain(lines: list[LogLine], *, first_prev: str | None = GENESIS) -> list[Finding]:
    """Check a run of log lines by themselves: sequence, links, format.

    ``first_prev`` is what the first line must name as its predecessor (the genesis hash for a whole
    log; ``None`` for an excerpt whose first link is checked elsewhere).
    """
    findings: list[Finding] = []
    good = [line for line in lines if line.entry is not None]
    findings += [
        Finding(f"log line {line.lineno}", line.error or "unreadable") for line in lines if line.entry is None
    ]
    if not good:
        return findings
    seen: dict[int, LogLine] = {}
    for line in good:
        if line.seq in seen:
            findings.append(
                Finding(
                    _entry_name(line), f"entry {line.seq} appears twice (also line {seen[line.seq].lineno})"
                )
            )
        else:
            seen[line.seq] = line  # type: ignore[index]
    start = good[0].seq if first_prev is None else 1
    assert start is not None
    last = max(seen)
    for seq in range(start, last + 1):
        if seq not in seen:
            after = next((line for line in good if line.seq is not None and line.seq > seq), None)
            where = f" (line {after.lineno} holds entry {after.seq})" if after else ""
            findings.append(Finding(f"log entry {seq}", f"missing: removed from the log{where}"))
    # Position: entries must appear in increasing order of seq.
    previous: LogLine | None = None
    for line in good:
        if (
            previous is not None
            and previous.seq is not None
            and line.seq is not None
            and line.seq < previous.seq
        ):
            findings.append(
                Finding(
                    _entry_name(line),
                    f"out of order: comes after entry {previous.seq} (line {previous.lineno})",
                )
            )
        previous = line
    # Links: each entry names the hash of the entry before it.
    for seq, line in sorted(seen.items()):
        prev = line.entry.get("prev") if line.entry else None
        if seq == start:
            if first_prev is not None and prev != first_prev:
                findings.append(
                    Finding(_entry_name(line), f"first entry must name {first_prev} as prev, names {prev}")
                )
            continue
        before = seen.get(seq - 1)
        if before is None:
            continue
        if prev != before.sha256:
            findings.append(
                Finding(
                    _entry_name(before),
                    f"changed: its SHA-256 is {before.sha256} but entry {seq} recorded {prev}",
                )
            )
    return findings


class EvidenceLog:
    """The log file ``<data_dir>/evidence/log.jsonl`` with its database copy."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    def read(self) -> list[LogLine]:
        if not self.path.exists():
            return []
        return parse_lines(self.path.read_bytes())

    @contextmanager
    def locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock_path.open("a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _last_line(self) -> LogLine | None:
        if not self.path.exists():
            return None
        with self.path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            end = fh.tell()
            block, data = 4096, b""
            pos = end
            while pos > 0:
                step = min(block, pos)
                pos -= step
                fh.seek(pos)
                data = fh.read(step) + data
                if data.rstrip(b"\n").count(b"\n") >= 1:
                    break
        lines = parse_lines(data.rstrip(b"\n").rsplit(b"\n", 1)[-1])
        return lines[-1] if lines else None

    def append(
        self,
        sessions: sessionmaker[Session],
        kind: str,
        at: datetime,
        body: dict[str, Any],
        also: Callable[[Session, EvidenceLogEntry], None] | None = None,
    ) -> EvidenceLogEntry:
        """Append one entry to the file and the database, whole or not at all.

        ``also`` runs in the same transaction (e.g. to record the entry's number on a capture).
        """
        with self.locked():
            last = self._last_line()
            size = self.path.stat().st_size if self.path.exists() else 0
            try:
                with transaction(sessions) as session:
                    row = self._append_row(session, last, kind, at, body, also)
                    with self.path.open("ab") as fh:
                        fh.write(row.line.encode("utf-8") + b"\n")
                        fh.flush()
                        os.fsync(fh.fileno())
            except BaseException:
                if self.path.exists() and self.path.stat().st_size > size:
                    self._truncate(size)
                raise
            return row

    def _append_row(
        self,
        session: Session,
        last: LogLine | None,
        kind: str,
        at: datetime,
        body: dict[str, Any],
        also: Callable[[Session, EvidenceLogEntry], None] | None,
    ) -> EvidenceLogEntry:
        head = session.scalar(select(EvidenceLogEntry).order_by(EvidenceLogEntry.seq.desc()).limit(1))
        file_head = (last.seq, last.sha256) if last and last.entry else None
        db_head = (head.seq, head.entry_sha256) if head else None
        if file_head != db_head:
            raise EvidenceLogError(
                f"{self.path} ends at entry {file_head and file_head[0]} but its database copy ends at "
                f"entry {db_head and db_head[0]}; run 'surveil evidence verify --all'"
            )
        seq = (head.seq + 1) if head else 1
        prev = head.entry_sha256 if head else GENESIS
        entry = {**body, "format": LOG_FORMAT, "seq": seq, "prev": prev, "at": at.isoformat(), "kind": kind}
        raw = canonical_json(entry)
        row = EvidenceLogEntry(
            seq=seq,
            at=at,
            kind=kind,
            capture_id=body.get("capture_id"),
            prev_sha256=prev,
            entry_sha256=sha256_bytes(raw),
            line=raw.decode("utf-8"),
        )
        session.add(row)
        session.flush()
        if also is not None:
            also(session, row)
            session.flush()
        return row

    def _truncate(self, size: int) -> None:
        with self.path.open("r+b") as fh:
            fh.truncate(size)

    def check(self, session: Session) -> list[Finding]:
        """Check the file by itself, then against its database copy, line by line and byte for byte.

        Where a file line and its database copy differ, the side that changed is named: the one whose
        bytes no longer hash to what the chain (the next entry's ``prev``) and the row's own
        ``entry_sha256`` recorded. A database row whose ``line`` no longer hashes to its ``entry_sha256``
        was edited in the database even when the file agrees with neither.
        """
        lines = self.read()
        findings = check_chain(lines)
        rows = {row.seq: row for row in session.scalars(select(EvidenceLogEntry))}
        by_seq = {line.seq: line for line in lines if line.seq is not None}
        for seq, row in sorted(rows.items()):
            line = by_seq.get(seq)
            db_raw = (row.line or "").encode("utf-8")
            db_self = sha256_bytes(db_raw) == row.entry_sha256 and _prev_of(db_raw) == row.prev_sha256
            if line is None:
                if not any(f.subject == f"log entry {seq}" for f in findings):
                    findings.append(
                        Finding(f"log entry {seq}", "missing from the log file (the database has it)")
                    )
                if not db_self:
                    findings.append(Finding(f"log entry {seq}", _DB_ROW_EDITED))
                continue
            if line.raw == db_raw:
                if not db_self:
                    findings.append(Finding(_entry_name(line), _DB_ROW_EDITED))
                continue
            # Which side still hashes to what was recorded when the entry was written? The next entry's
            # prev (in the file and in the database) was written later and elsewhere than this row, so
            # it outweighs the row's own entry_sha256, which an editor of the row can recompute.
            recorded: set[str] = set()
            following = by_seq.get(seq + 1)
            if following is not None and following.entry:
                recorded.add(str(following.entry.get("prev")))
            if seq + 1 in rows:
                recorded.add(rows[seq + 1].prev_sha256)
            recorded = recorded or {row.entry_sha256}
            file_holds = line.sha256 in recorded
            db_holds = sha256_bytes(db_raw) in recorded and (db_self or bool(following))
            if file_holds and not db_holds:
                side = "the database copy was edited; the file line still has its recorded hash"
            elif db_holds and not file_holds:
                side = "the log file was edited; the database copy still has its recorded hash"
            else:
                side = "neither side has the recorded hash any more: both were edited"
            findings.append(
                Finding(_entry_name(line), f"differs from the database copy of the same entry ({side})")
            )
        for seq, line in sorted(by_seq.items()):
            if seq not in rows:
                findings.append(Finding(_entry_name(line), "not in the database copy of the log (added)"))
        findings += check_triggers(session)
        return _dedupe(findings)


_DB_ROW_EDITED = (
    "the database copy was edited: its line no longer hashes to its recorded entry_sha256 or prev"
)

#: The triggers that keep ``evidence_log`` append-only (migration 0003), per database dialect.
APPEND_ONLY_TRIGGERS = {
    "sqlite": ("evidence_log_no_update", "evidence_log_no_delete"),
    "postgresql": ("evidence_log_no_change",),
}


def _prev_of(raw: bytes) -> str | None:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value.get("prev") if isinstance(value, dict) else None


def check_triggers(session: Session) -> list[Finding]:
    """Name every append-only trigger of ``evidence_log`` that is missing or disabled."""
    dialect = session.get_bind().dialect.name
    expected = APPEND_ONLY_TRIGGERS.get(dialect)
    if expected is None:
        return [Finding("database table evidence_log", f"append-only triggers not checked on {dialect}")]
    if dialect == "sqlite":
        found = {
            name: "O"
            for (name,) in session.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'evidence_log'")
            )
        }
    else:
        found = {
            name: str(enabled)
            for name, enabled in session.execute(
                text(
                    "SELECT tgname, tgenabled FROM pg_trigger "
                    "WHERE tgrelid = to_regclass('evidence_log') AND NOT tgisinternal"
                )
            )
        }
    findings = []
    for name in expected:
        if name not in found:
            findings.append(
                Finding(
                    f"database table evidence_log trigger {name}",
                    "missing: the append-only protection was dropped, rows can be edited or deleted",
                )
            )
        elif found[name] == "D":
            findings.append(
                Finding(
                    f"database table evidence_log trigger {name}", "disabled: rows can be edited or deleted"
                )
            )
    return findings


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[Finding] = set()
    out = []
    for finding in findings:
        if finding not in seen:
            seen.add(finding)
            out.append(finding)
    return out
