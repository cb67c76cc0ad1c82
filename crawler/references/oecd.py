"""OECD GlobalRecalls: the 7-day RSS feed and the parsed JSON lines of its records."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from crawler.references.build import make_record
from crawler.references.jsonlines import objects
from crawler.references.normalise import clean_text
from crawler.references.records import ReferenceRecord
from crawler.references.result import ReadContext
from crawler.references.tabular import ReadError
from crawler.storage.models import ListType

DCTERMS = "{http://purl.org/dc/terms/}"


def read_rss(ctx: ReadContext, root: Element) -> list[ReferenceRecord]:
    channel = root.find("channel")
    if channel is None:
        raise ReadError(f"{ctx.name}: RSS without a <channel>")
    out: list[ReferenceRecord] = []
    for index, item in enumerate(channel.iter("item"), start=1):
        fields = {child.tag.replace(DCTERMS, "dcterms:"): (child.text or "") for child in item}
        location = f"item {index}"
        if any(not ctx.check_size(location, k, v) for k, v in fields.items()):
            continue
        guid = clean_text(fields.get("guid"))
        record = make_record(
            ctx,
            location,
            ref_id=guid,
            default_list_type=ListType.RECALL,
            raw=fields,
            product_name=fields.get("title"),
            category_hints=(fields.get("description"),),
            source_url=fields.get("link"),
            published_on=fields.get("dcterms:dateSubmitted") or fields.get("pubDate"),
            extra={
                "description": clean_text(fields.get("description")),
                "country_name": clean_text(fields.get("dcterms:creator")),
                "country": (guid or "").rstrip("/").split("/")[-2] if guid and guid.count("/") >= 2 else None,
                "native_id": (guid or "").rstrip("/").split("/")[-1] if guid else None,
            },
        )
        if record:
            out.append(record)
    return out


def read_jsonl(ctx: ReadContext, lines: list[str]) -> list[ReferenceRecord]:
    out: list[ReferenceRecord] = []
    for location, item in objects(ctx, lines):
        location = f"{location} ({item.get('country')}/{item.get('native_id')})"
        if any(not ctx.check_size(location, k, v) for k, v in item.items() if isinstance(v, str)):
            continue
        tags = [t for t in item.get("tags") or [] if isinstance(t, dict)]
        image = clean_text(item.get("image_url"))
        record = make_record(
            ctx,
            location,
            ref_id=item.get("guid"),
            default_list_type=ListType.RECALL,
            raw=item,
            product_name=item.get("title"),
            category_hints=(item.get("description"), *(str(t.get("value") or "") for t in tags)),
            source_url=item.get("ext_url") or item.get("portal_link"),
            photos=[image] if image else [],
            published_on=item.get("date_submitted"),
            extra={
                "description": clean_text(item.get("description")),
                "country": clean_text(item.get("country")),
                "country_name": clean_text(item.get("country_name")),
                "native_id": clean_text(item.get("native_id")),
                "portal_link": clean_text(item.get("portal_link")),
                "tags": [f"{t.get('code')}:{t.get('value')}" for t in tags],
                "made_in": [str(c) for c in item.get("made_in") or []],
                "language": clean_text(item.get("lang")),
            },
        )
        if record:
            out.append(record)
    return out
