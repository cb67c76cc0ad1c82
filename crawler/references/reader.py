"""Read any supported reference list into normalised records; never touches the database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.references import (
    cpsc,
    eu_safety_gate,
    generic,
    health_canada,
    korea_kats,
    oecd,
    spotcheck,
)
from crawler.references.categorise import CategoryMapper
from crawler.references.detect import Sniffed, parse_as, sniff
from crawler.references.normalise import clean_text
from crawler.references.records import ImportProblem, ReferenceRecord
from crawler.references.result import ImportResult, ReadContext, UnknownFormatError
from crawler.references.tabular import ReadError
from crawler.storage.models import ListType

DEFAULT_SOURCES = {
    "eu_safety_gate_xml": "eu-safety-gate",
    "eu_safety_gate_csv": "eu-safety-gate",
    "health_canada_json": "health-canada",
    "cpsc_api_json": "cpsc",
    "cpsc_curated_jsonl": "cpsc",
    "cpsc_search_jsonl": "cpsc",
    "oecd_rss": "oecd",
    "oecd_jsonl": "oecd",
    "kr_kats_jsonl": "kr-kats",
}
Reader = Callable[[ReadContext, Any], list[ReferenceRecord]]
READERS: dict[str, Reader] = {
    "eu_safety_gate_xml": eu_safety_gate.read_xml,
    "eu_safety_gate_csv": lambda ctx, sheets: eu_safety_gate.read_csv(ctx, sheets[0]),
    "health_canada_json": health_canada.read,
    "cpsc_api_json": cpsc.read_api,
    "cpsc_curated_jsonl": cpsc.read_curated,
    "cpsc_search_jsonl": cpsc.read_search,
    "oecd_rss": oecd.read_rss,
    "oecd_jsonl": oecd.read_jsonl,
    "kr_kats_jsonl": korea_kats.read,
    "spotcheck_csv": spotcheck.read,
    "spotcheck_xlsx": spotcheck.read,
    "generic_csv": generic.read,
    "generic_xlsx": generic.read,
}


def _list_type(value: ListType | str | None) -> ListType | None:
    if value is None or isinstance(value, ListType):
        return value
    try:
        return ListType(str(value).lower())
    except ValueError:
        raise ValueError(
            f"unknown list type {value!r}; expected one of {', '.join(t.value for t in ListType)}"
        ) from None


def default_source(fmt: str, path: Path, records: list[ReferenceRecord]) -> str:
    if fmt in DEFAULT_SOURCES:
        return DEFAULT_SOURCES[fmt]
    if fmt.startswith("spotcheck"):
        return "spotcheck-" + path.stem.lower().replace(" ", "-")
    return generic.source_name(records, path)


def _dedupe(ctx: ReadContext, records: list[ReferenceRecord]) -> list[ReferenceRecord]:
    """One record per identifier: an exact repeat is dropped quietly, a conflicting one is an error."""
    seen: dict[str, ReferenceRecord] = {}
    out: list[ReferenceRecord] = []
    for record in records:
        first = seen.get(record.ref_id)
        if first is None:
            seen[record.ref_id] = record
            out.append(record)
        elif first.content_hash() != record.content_hash():
            ctx.problem(
                f"record {record.ref_id}", "the identifier appears again with other content", "ref_id"
            )
        else:
            ctx.warn(f"record {record.ref_id}", "repeated record; kept once", "ref_id")
    return out


def read_records(
    path: Path | str,
    list_type: ListType | str | None = None,
    fmt: str = "auto",
    source: str | None = None,
    categories: CategoryMapper | None = None,
) -> ImportResult:
    """Read ``path`` in format ``fmt`` ("auto" detects it). Problems never raise: they are returned,
    each naming the file, the row or record, the field and the reason. A file that cannot be read at
    all gives no records and one problem saying what was expected."""
    path = Path(path)
    result = ImportResult(file=str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        result.problems.append(ImportProblem(path.name, "file", f"cannot be read: {exc.strerror or exc}"))
        return result
    result.file_sha256 = hashlib.sha256(data).hexdigest()
    ctx = ReadContext(
        path=path,
        list_type=_list_type(list_type),
        source=clean_text(source) or "",
        categories=categories or CategoryMapper.shipped(),
    )
    try:
        sniffed: Sniffed = sniff(path, data) if fmt in ("auto", "", None) else parse_as(path, data, fmt)
        result.format = sniffed.format
        records = READERS[sniffed.format](ctx, sniffed.payload)
    except (UnknownFormatError, ReadError) as exc:
        ctx.problems.append(ImportProblem(path.name, "file", str(exc).removeprefix(f"{path.name}: ")))
        result.problems = ctx.problems
        return result
    except (RecursionError, MemoryError, json.JSONDecodeError) as exc:
        ctx.problems.append(
            ImportProblem(path.name, "file", f"cannot be read: {exc.__class__.__name__}: {exc}")
        )
        result.problems = ctx.problems
        return result
    records = _dedupe(ctx, records)
    result.source = ctx.source or default_source(result.format, path, records)
    for record in records:
        record.source = result.source
    result.records = records
    result.problems = ctx.problems
    return result
