"""EU Safety Gate: the weekly report XML (2005 to today's layout) and its one-row-per-notification CSV."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

from crawler.references.build import make_record
from crawler.references.normalise import clean_text
from crawler.references.records import ReferenceRecord
from crawler.references.result import ReadContext
from crawler.references.tabular import ReadError, Sheet, data_rows, find_header
from crawler.storage.models import ListType

FIELDS = (
    "caseNumber", "reference", "category", "product", "brand", "name", "type_numberOfModel", "batchNumber",
    "barcode", "riskType", "danger", "measures", "URLrecall", "description", "notifyingCountry",
    "countryOfOrigin", "type", "level", "onlineTrader", "companyRecallCode", "productionDates",
)  # fmt: skip
CSV_COLUMNS = ("report_id", "report_date", "report_year", "report_week", "order", *FIELDS, "pictures")
NO_BRAND = frozenset({"unknown", "no brand", "not known", "no name", "none", "brand unknown", "n.a."})


def parse_xml(data: bytes, file_name: str) -> Element:
    """The document root; DTDs and entities are refused (no external or expanding entities)."""
    try:
        return fromstring(data, forbid_dtd=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise ReadError(
            f"{file_name}: XML with a DTD or entities is refused ({exc.__class__.__name__})"
        ) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ReadError(f"{file_name}: line {line}, column {column}: not well-formed XML: {exc}") from exc


def _brand(value: object) -> str | None:
    text = clean_text(value)
    return None if text is None or text.lower() in NO_BRAND else text


def _record(ctx: ReadContext, location: str, fields: dict[str, str], pictures: list[str], published: str | None,
            raw: dict[str, Any]) -> ReferenceRecord | None:  # fmt: skip
    for name, value in fields.items():
        if not ctx.check_size(location, name, value):
            return None
    product_type = clean_text(fields.get("product"))
    return make_record(
        ctx,
        location,
        ref_id=fields.get("caseNumber"),
        default_list_type=ListType.RECALL,
        raw=raw,
        product_name=clean_text(fields.get("name")) or product_type,
        brand=_brand(fields.get("brand")),
        models=fields.get("type_numberOfModel"),
        batches=fields.get("batchNumber"),
        production_dates=fields.get("productionDates"),
        barcodes=fields.get("barcode"),
        category_text=fields.get("category"),
        category_hints=(product_type,),
        hazard=fields.get("riskType"),
        source_url=fields.get("reference"),
        photos=pictures,
        published_on=published,
        extra={
            "product_type": product_type,
            "danger": clean_text(fields.get("danger")),
            "measures": clean_text(fields.get("measures")),
            "description": clean_text(fields.get("description")),
            "recall_url": clean_text(fields.get("URLrecall")),
            "notifying_country": clean_text(fields.get("notifyingCountry")),
            "country_of_origin": clean_text(fields.get("countryOfOrigin")),
            "risk_level": clean_text(fields.get("level")),
            "online_trader": clean_text(fields.get("onlineTrader")),
            "company_recall_code": clean_text(fields.get("companyRecallCode")),
            "production_dates_text": clean_text(fields.get("productionDates")),
        },
    )


def read_xml(ctx: ReadContext, root: Element) -> list[ReferenceRecord]:
    if root.tag != "Safety-Gate":
        raise ReadError(f"{ctx.name}: root element <{root.tag}>, expected <Safety-Gate>")
    report_date = clean_text(root.findtext("report_date"))
    header = {tag: clean_text(root.findtext(tag)) for tag in ("report_date", "report_year", "report_week")}
    out: list[ReferenceRecord] = []
    for index, node in enumerate(root.iter("notifications"), start=1):
        fields = {tag: (node.findtext(tag) or "") for tag in FIELDS}
        pictures = [p.text.strip() for p in node.iter("picture") if p.text and p.text.strip()]
        location = f"notification {index} ({clean_text(fields['caseNumber']) or 'no caseNumber'})"
        raw = {**header, "order": node.findtext("order"), **fields, "pictures": pictures}
        record = _record(ctx, location, fields, pictures, report_date, raw)
        if record:
            out.append(record)
    if not out and not ctx.problems:
        ctx.warn("document", "the report holds no notifications")
    return out


def read_csv(ctx: ReadContext, sheet: Sheet) -> list[ReferenceRecord]:
    header = find_header(sheet.rows, {c: (c,) for c in CSV_COLUMNS}, minimum=5)
    if header is None or "caseNumber" not in header.columns:
        raise ReadError(f"{ctx.name}: no header row naming caseNumber and the Safety Gate columns")
    missing = [c for c in ("caseNumber", "report_date") if c not in header.columns]
    if missing:
        raise ReadError(
            f"{ctx.name}: missing column(s) {', '.join(missing)}; expected {', '.join(CSV_COLUMNS)}"
        )
    out: list[ReferenceRecord] = []
    for line, cells in data_rows(sheet, header):
        row = {name: (cells[i] if i < len(cells) else "") for name, i in header.columns.items()}
        fields = {name: row.get(name, "") for name in FIELDS}
        pictures = [p.strip() for p in (row.get("pictures") or "").split(" | ") if p.strip()]
        location = f"row {line}"
        record = _record(ctx, location, fields, pictures, row.get("report_date"), row)
        if record:
            out.append(record)
    return out
