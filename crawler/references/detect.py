"""Which format a file is in, told by its content (not its name), with the content already parsed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.references.result import UnknownFormatError
from crawler.references.tabular import ReadError, Sheet, csv_rows, decode_text, find_header, xlsx_sheets

FORMATS: dict[str, str] = {
    "eu_safety_gate_xml": "EU Safety Gate weekly report XML (<Safety-Gate><notifications>…)",
    "eu_safety_gate_csv": "EU Safety Gate notifications CSV (caseNumber, reference, category, product, …)",
    "health_canada_json": "Health Canada recalls open-data JSON (array of {NID, Title, Organization, …})",
    "cpsc_api_json": "CPSC saferproducts.gov Recalls API JSON (array of {RecallID, RecallNumber, Products, …})",
    "cpsc_curated_jsonl": "CPSC curated recalls JSON lines ({recall_id, recall_date, product_name, hazard_text, …})",
    "cpsc_search_jsonl": "CPSC search.usa.gov Recalls API JSON lines ({recall_number, recall_url, manufacturers, …})",
    "oecd_rss": "OECD GlobalRecalls RSS (<rss><channel><item> with dcterms:creator)",
    "oecd_jsonl": "OECD GlobalRecalls parsed JSON lines ({guid, country, native_id, title, …})",
    "kr_kats_jsonl": "Korea KATS recalls JSON lines ({id, id_scheme, product_name, model, company, …})",
    "spotcheck_csv": "Chinese spot-check result list CSV (产品名称/产品种类, 商标, 规格型号, 不合格项目 …)",
    "spotcheck_xlsx": "Chinese spot-check result list XLSX (产品名称/产品种类, 商标, 规格型号, 不合格项目 …)",
    "generic_csv": "generic list CSV (ref_id, list_type, product_name, brand, model, batch, barcode, …)",
    "generic_xlsx": "generic list XLSX (ref_id, list_type, product_name, brand, model, batch, barcode, …)",
}
EU_CSV_MARKERS = ("caseNumber", "riskType", "type_numberOfModel")
MAX_FILE_BYTES = 200_000_000


@dataclass
class Sniffed:
    format: str
    payload: Any


def expected() -> str:
    return "; ".join(f"{name}: {what}" for name, what in FORMATS.items())


def _unknown(name: str, why: str) -> UnknownFormatError:
    return UnknownFormatError(f"{name}: unknown format ({why}); expected one of: {expected()}")


def _json_kind(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    keys = set(item)
    if {"NID", "Organization"} <= keys or {"NID", "Title", "URL"} <= keys:
        return "health_canada_json"
    if {"RecallID", "RecallNumber"} & keys and ({"Products", "Title", "RecallDate"} & keys):
        return "cpsc_api_json"
    if "recall_id" in keys and ({"hazard_text", "record_type", "product_name"} & keys):
        return "cpsc_curated_jsonl"
    if {"recall_number", "recall_url"} <= keys:
        return "cpsc_search_jsonl"
    if {"guid", "native_id", "country"} <= keys:
        return "oecd_jsonl"
    if item.get("id_scheme") == "safetykorea_uid" or (item.get("jurisdiction") == "KR" and "model" in keys):
        return "kr_kats_jsonl"
    return None


def _sniff_json(name: str, text: str) -> Sniffed | None:
    error: json.JSONDecodeError | None = None
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        whole, error = None, exc
    if isinstance(whole, list):
        first = next((x for x in whole if isinstance(x, dict)), None)
        kind = _json_kind(first)
        if kind in ("health_canada_json", "cpsc_api_json"):
            return Sniffed(kind, whole)
        if kind:
            return Sniffed(kind, [json.dumps(x, ensure_ascii=False) for x in whole])
        raise _unknown(name, "a JSON array whose records have none of the known field sets")
    if isinstance(whole, dict):
        for key in ("recalls", "results", "items", "data"):
            if isinstance(whole.get(key), list):
                return _sniff_json(name, json.dumps(whole[key]))
    lines = text.splitlines()
    for line in lines[:20]:
        if not line.strip():
            continue
        try:
            first = json.loads(line)
        except json.JSONDecodeError:
            continue
        kind = _json_kind(first)
        if kind in ("health_canada_json", "cpsc_api_json"):
            return Sniffed(kind, [json.loads(x) for x in lines if x.strip()])
        if kind:
            return Sniffed(kind, lines)
        raise _unknown(name, "JSON lines whose records have none of the known field sets")
    if error is not None:
        raise ReadError(f"{name}: line {error.lineno}, column {error.colno}: not valid JSON: {error.msg}")
    return None


def _tabular_kind(sheets: list[Sheet], suffix: str) -> str | None:
    from crawler.references import generic, spotcheck

    for sheet in sheets:
        if find_header(sheet.rows, {m: (m,) for m in EU_CSV_MARKERS}, minimum=2) and suffix == "csv":
            return "eu_safety_gate_csv"
        if generic.looks_generic(sheet):
            return f"generic_{suffix}"
        if spotcheck.find_layout(sheet) is not None:
            return f"spotcheck_{suffix}"
    return None


def sniff(path: Path, data: bytes) -> Sniffed:
    """Parse enough of ``data`` to tell its format; UnknownFormatError says what was expected."""
    name = path.name
    if not data.strip():
        raise _unknown(name, "the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise _unknown(name, f"larger than {MAX_FILE_BYTES} bytes")
    if data[:4] == b"PK\x03\x04":
        sheets = xlsx_sheets(path)
        kind = _tabular_kind(sheets, "xlsx")
        if kind is None:
            raise _unknown(name, "a workbook with no sheet whose header names known columns")
        return Sniffed(kind, sheets)
    try:
        text, _encoding = decode_text(data, name)
    except ReadError as exc:
        raise _unknown(name, str(exc).split(": ", 1)[-1]) from exc
    head = text.lstrip()[:1]
    if head == "<":
        return _sniff_xml(name, data, text)
    if head in "[{":
        found = _sniff_json(name, text)
        if found:
            return found
    sheet = csv_rows(text, name)
    kind = _tabular_kind([sheet], "csv")
    if kind is None:
        raise _unknown(name, "no header row naming known columns")
    return Sniffed(kind, [sheet])


def _sniff_xml(name: str, data: bytes, text: str) -> Sniffed:
    from crawler.references.eu_safety_gate import parse_xml

    root = parse_xml(data, name)
    if root.tag == "Safety-Gate":
        return Sniffed("eu_safety_gate_xml", root)
    if root.tag == "rss":
        channel = root.find("channel")
        marker = " ".join(
            (channel.findtext(tag) or "") if channel is not None else "" for tag in ("link", "title", "docs")
        )
        if (
            "globalrecalls" in marker.lower()
            or "product recalls" in marker.lower()
            or "GlobalRecalls" in text
        ):
            return Sniffed("oecd_rss", root)
        raise _unknown(name, "an RSS feed that is not the OECD GlobalRecalls feed")
    raise _unknown(name, f"XML with root element <{root.tag}>")


def parse_as(path: Path, data: bytes, fmt: str) -> Sniffed:
    """Parse ``data`` as the named format (when the caller says which it is)."""
    if fmt not in FORMATS:
        raise UnknownFormatError(f"unknown format name {fmt!r}; known: auto, {', '.join(FORMATS)}")
    if fmt.endswith("_xlsx"):
        if data[:4] != b"PK\x03\x04":
            raise ReadError(f"{path.name}: not an XLSX workbook (no ZIP signature)")
        return Sniffed(fmt, xlsx_sheets(path))
    text, _encoding = decode_text(data, path.name)
    if fmt in ("eu_safety_gate_xml", "oecd_rss"):
        from crawler.references.eu_safety_gate import parse_xml

        return Sniffed(fmt, parse_xml(data, path.name))
    if fmt in ("health_canada_json", "cpsc_api_json"):
        try:
            return Sniffed(fmt, json.loads(text))
        except json.JSONDecodeError as exc:
            raise ReadError(
                f"{path.name}: line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}"
            ) from exc
    if fmt.endswith("_jsonl"):
        return Sniffed(fmt, text.splitlines())
    return Sniffed(fmt, [csv_rows(text, path.name)])
