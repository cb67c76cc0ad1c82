"""Korea KATS (SafetyKorea) recalls as JSON lines: product name, model, company, date, enforcement."""

from __future__ import annotations

import re

from crawler.references.build import make_record
from crawler.references.jsonlines import objects
from crawler.references.normalise import clean_text, split_models
from crawler.references.records import ReferenceRecord
from crawler.references.result import ReadContext
from crawler.storage.models import ListType

ONLINE = "(온라인)"
LABEL = re.compile(r"^\((?:제품명|품명|모델명)\)\s*")


def read(ctx: ReadContext, lines: list[str]) -> list[ReferenceRecord]:
    out: list[ReferenceRecord] = []
    for location, item in objects(ctx, lines):
        location = f"{location} ({item.get('id')})"
        if any(not ctx.check_size(location, k, v) for k, v in item.items() if isinstance(v, str)):
            continue
        model_text = clean_text(item.get("model")) or ""
        sold_online = model_text.startswith(ONLINE) or ONLINE in (clean_text(item.get("product_name")) or "")
        model_text = LABEL.sub("", model_text.removeprefix(ONLINE).strip())
        record = make_record(
            ctx,
            location,
            ref_id=item.get("id"),
            default_list_type=ListType.RECALL,
            raw=item,
            product_name=(clean_text(item.get("product_name")) or "").removeprefix(ONLINE).strip(),
            model_list=split_models(model_text) if model_text else [],
            manufacturer=item.get("company"),
            category_text=item.get("category_source"),
            source_url=item.get("source_url"),
            published_on=item.get("date_published"),
            extra={
                "sold_online": sold_online,
                "enforcement": clean_text(item.get("enforcement")),
                "recall_kind": clean_text(item.get("recall_kind_source")),
                "agency": clean_text(item.get("agency")),
                "list_kind": clean_text(item.get("list_kind")),
                "title": clean_text(item.get("title")),
            },
        )
        if record:
            out.append(record)
    return out
