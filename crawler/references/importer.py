"""Store a read list as a new version of its reference list, with the diff against the previous one.

A file with errors is refused whole unless the caller accepts leaving the bad records out; storing runs
in one transaction, so a failure leaves the database as it was. Importing the same content again stores
nothing. Lists that arrive as increments (a weekly report, a 7-day feed) are merged into the previous
version instead of replacing it."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crawler.references.reader import read_records
from crawler.references.records import ImportProblem, ReferenceRecord
from crawler.references.result import ImportResult
from crawler.storage.engine import transaction
from crawler.storage.models import ListType, ReferenceEntry
from crawler.storage.repositories import AuditRepository, ReferenceRepository
from crawler.timeutil import Clock

INCREMENTAL_FORMATS = frozenset({"eu_safety_gate_xml", "oecd_rss"})
MAX_KEY = 200
DIFF_LIST_LIMIT = 5000


class ImportRefused(ValueError):
    """Nothing was stored; ``problems`` says why."""

    def __init__(self, message: str, problems: list[ImportProblem]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass
class ImportReport:
    list_code: str
    format: str
    file: str
    records: int
    stored: bool
    version: int | None
    previous_version: int | None
    diff: dict[str, Any] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "list": self.list_code,
            "format": self.format,
            "file": self.file,
            "records": self.records,
            "stored": self.stored,
            "version": self.version,
            "previous_version": self.previous_version,
            "reason": self.reason,
            "diff": self.diff,
            "problems": [p.__dict__ for p in self.problems],
        }


def ref_key(record: ReferenceRecord) -> str:
    """The entry's key within its list: the identifier, hashed when too long for the column."""
    if len(record.ref_id) <= MAX_KEY:
        return record.ref_id
    return "sha256:" + hashlib.sha256(record.ref_id.encode()).hexdigest()


_HASHED_FIELDS = tuple(f.name for f in fields(ReferenceRecord) if f.name != "raw")


def entry_hash(record: ReferenceRecord) -> str:
    """The same digest as ``ReferenceRecord.content_hash`` without copying the verbatim ``raw`` record."""
    data: dict[str, Any] = {name: getattr(record, name) for name in _HASHED_FIELDS}
    data["list_type"] = record.list_type.value
    data["published_on"] = record.published_on.isoformat() if record.published_on else None
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _entry_row(record: ReferenceRecord, category_ids: dict[str, int]) -> dict[str, Any]:
    extra = dict(record.extra)
    if record.production_dates:
        extra["production_dates"] = record.production_dates
    if record.invalid_barcodes:
        extra["invalid_barcodes"] = record.invalid_barcodes
    if record.category:
        extra["category_code"] = record.category
    extra["source"] = record.source
    return {
        "ref_key": ref_key(record),
        "entry_hash": entry_hash(record),
        "list_type": record.list_type,
        "product_name": record.product_name,
        "brand": record.brand[:300] if record.brand else None,
        "models": record.models,
        "batches": record.batches,
        "barcodes": record.barcodes,
        "manufacturer": record.manufacturer,
        "category_id": category_ids.get(record.category) if record.category else None,
        "category_text": record.category_text,
        "hazard": record.hazard,
        "source_url": record.source_url,
        "photos": record.photos,
        "published_on": record.published_on,
        "extra": extra,
        "raw": record.raw,
    }


def entry_for(record: ReferenceRecord, category_ids: dict[str, int]) -> ReferenceEntry:
    """A stored entry for one record (for callers that add a few entries through the ORM)."""
    return ReferenceEntry(**_entry_row(record, category_ids))


def copy_entry(entry: ReferenceEntry) -> ReferenceEntry:
    """An unsaved copy of a stored entry, to carry it into a new version."""
    columns = [c.name for c in ReferenceEntry.__table__.columns if c.name not in ("id", "version_id")]
    values = {name: getattr(entry, name) for name in columns}
    for name in ("models", "batches", "barcodes", "photos"):
        values[name] = list(values[name] or [])
    for name in ("extra", "raw"):
        values[name] = dict(values[name] or {})
    return ReferenceEntry(**values)


# names used by the lab-results list before entry_for/copy_entry were public
_entry = entry_for
_copy = copy_entry


def compute_diff(before: dict[str, str], after: dict[str, str]) -> dict[str, Any]:
    """Added, removed and changed keys between two ``ref_key -> entry_hash`` maps."""
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    changed = sorted(k for k in after.keys() & before.keys() if after[k] != before[k])
    return {
        "added": added[:DIFF_LIST_LIMIT],
        "removed": removed[:DIFF_LIST_LIMIT],
        "changed": changed[:DIFF_LIST_LIMIT],
        "counts": {
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
            "unchanged": len(after.keys() & before.keys()) - len(changed),
        },
    }


def _list_type(records: list[ReferenceRecord], given: ListType | None) -> ListType:
    if given:
        return given
    return Counter(r.list_type for r in records).most_common(1)[0][0]


def store(
    sessions: sessionmaker[Session],
    clock: Clock,
    result: ImportResult,
    *,
    list_type: ListType | None = None,
    merge: bool | None = None,
    skip_invalid: bool = False,
    imported_by: str = "",
) -> ImportReport:
    """Store ``result`` as the next version of its list (one transaction), or refuse it whole."""
    report = ImportReport(
        list_code=result.source,
        format=result.format,
        file=result.file,
        records=len(result.records),
        stored=False,
        version=None,
        previous_version=None,
        problems=result.problems,
    )
    if result.errors and not skip_invalid:
        raise ImportRefused(
            f"{Path(result.file).name}: refused, {len(result.errors)} error(s); nothing stored "
            "(fix the file, or accept leaving the bad records out)",
            result.errors,
        )
    if not result.records:
        raise ImportRefused(
            f"{Path(result.file).name}: refused, no records read; nothing stored", result.problems
        )
    incremental = result.format in INCREMENTAL_FORMATS if merge is None else merge
    kind = _list_type(result.records, list_type)
    with transaction(sessions) as session:
        repo = ReferenceRepository(session, clock)
        reference_list = repo.get_or_create_list(result.source, result.source, kind, source=result.source)
        previous = repo.latest_version(reference_list)
        before: dict[str, str] = repo.entry_hashes(previous) if previous else {}
        report.previous_version = previous.number if previous else None
        category_ids = repo.category_ids()
        new_rows = {ref_key(r): _entry_row(r, category_ids) for r in result.records}
        kept: list[dict[str, Any]] = []
        if incremental and previous is not None:
            kept = [row for row in repo.entry_rows(previous) if row["ref_key"] not in new_rows]
        after = {key: row["entry_hash"] for key, row in new_rows.items()}
        after.update({row["ref_key"]: row["entry_hash"] for row in kept})
        diff = compute_diff(before, after)
        report.diff = diff
        counts = diff["counts"]
        if previous is not None and not (counts["added"] or counts["removed"] or counts["changed"]):
            report.version = previous.number
            report.reason = "unchanged: the list already holds exactly these entries"
            return report
        version = repo.add_version_rows(
            reference_list,
            [*new_rows.values(), *kept],
            imported_by=imported_by,
            file_name=Path(result.file).name,
            file_sha256=result.file_sha256,
            format=result.format,
        )
        version.diff = diff
        AuditRepository(session, clock).record(
            "references.import",
            "reference_list",
            reference_list.code,
            actor=imported_by or None,
            details={
                "version": version.number,
                "file": Path(result.file).name,
                "sha256": result.file_sha256,
                "format": result.format,
                "counts": counts,
                "skipped_errors": len(result.errors),
            },
        )
        report.stored = True
        report.version = version.number
        report.reason = "merged into the previous version" if incremental and previous else "stored"
    return report


def import_file(
    sessions: sessionmaker[Session],
    clock: Clock,
    path: Path | str,
    *,
    list_type: ListType | str | None = None,
    fmt: str = "auto",
    source: str | None = None,
    merge: bool | None = None,
    skip_invalid: bool = False,
    imported_by: str = "",
) -> ImportReport:
    result = read_records(path, list_type=list_type, fmt=fmt, source=source)
    kind = ListType(list_type) if isinstance(list_type, str) else list_type
    return store(
        sessions,
        clock,
        result,
        list_type=kind,
        merge=merge,
        skip_invalid=skip_invalid,
        imported_by=imported_by,
    )
