"""Health Canada Recalls and Safety Alerts open data (HCRSAMOpenData.json): one array of records."""

from __future__ import annotations

import html
from typing import Any

from crawler.references.build import make_record
from crawler.references.records import ReferenceRecord
from crawler.references.result import ReadContext
from crawler.references.tabular import ReadError
from crawler.storage.models import ListType

REQUIRED = ("NID", "Title", "Organization")


def _text(value: object) -> str | None:
    if value is None:
        return None
    return html.unescape(str(value)).replace("\xa0", " ")


def read(ctx: ReadContext, data: Any) -> list[ReferenceRecord]:
    if not isinstance(data, list):
        raise ReadError(f"{ctx.name}: expected a JSON array of Health Canada records")
    out: list[ReferenceRecord] = []
    for index, item in enumerate(data, start=1):
        location = f"record {index}"
        if not isinstance(item, dict):
            ctx.problem(location, f"expected an object, found {type(item).__name__}")
            continue
        location = f"record {index} (NID {item.get('NID')})"
        if any(not ctx.check_size(location, k, v) for k, v in item.items()):
            continue
        missing = [k for k in REQUIRED if k not in item]
        if missing:
            ctx.problem(location, f"missing field(s) {', '.join(missing)}", missing[0])
            continue
        record = make_record(
            ctx,
            location,
            ref_id=item.get("NID"),
            default_list_type=ListType.RECALL,
            raw=item,
            product_name=_text(item.get("Product")) or _text(item.get("Title")),
            hazard=_text(item.get("Issue")),
            category_text=_text(item.get("Category")),
            category_hints=(_text(item.get("Title")),),
            source_url=item.get("URL"),
            published_on=item.get("Last updated"),
            extra={
                "title": _text(item.get("Title")),
                "organization": _text(item.get("Organization")),
                "recall_class": _text(item.get("Recall class")),
                "what_to_do": _text(item.get("What you should do")),
                "archived": str(item.get("Archived", "")) == "1",
            },
        )
        if record:
            out.append(record)
    return out
