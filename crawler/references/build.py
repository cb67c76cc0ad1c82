"""Turn the fields a reader pulled out of one record into a normalised ReferenceRecord."""

from __future__ import annotations

from datetime import date
from typing import Any

from crawler.references.normalise import (
    clean_text,
    parse_barcodes,
    parse_date,
    parse_production_dates,
    split_list,
    split_models,
)
from crawler.references.records import ReferenceRecord
from crawler.references.result import ReadContext
from crawler.storage.models import ListType


def make_record(
    ctx: ReadContext,
    location: str,
    *,
    ref_id: object,
    default_list_type: ListType,
    raw: dict[str, Any],
    product_name: object = None,
    brand: object = None,
    models: object = None,
    model_list: list[str] | None = None,
    batches: object = None,
    batch_list: list[str] | None = None,
    production_dates: object = None,
    production_date_list: list[str] | None = None,
    barcodes: object = None,
    manufacturer: object = None,
    category_text: object = None,
    hazard: object = None,
    source_url: object = None,
    photos: list[str] | None = None,
    published_on: object = None,
    extra: dict[str, Any] | None = None,
    category_hints: tuple[object, ...] = (),
    category_first: bool = False,
) -> ReferenceRecord | None:
    """A record, or None (with an error) when it has no identifier; barcodes with a wrong check digit
    are kept apart as invalid and noted as a warning."""
    key = clean_text(ref_id)
    if not key:
        ctx.problem(location, "no identifier: the record cannot be told apart from others", "ref_id")
        return None
    name = clean_text(product_name) or ""
    model_values = list(model_list) if model_list is not None else split_models(models)
    batch_values = list(batch_list) if batch_list is not None else split_list(batches)
    date_values = (
        list(production_date_list)
        if production_date_list is not None
        else parse_production_dates(production_dates)
    )
    codes = parse_barcodes(barcodes)
    if codes.invalid:
        ctx.warn(
            location,
            f"kept as invalid (not a GTIN with a valid check digit): {', '.join(codes.invalid)[:200]}",
            "barcode",
        )
    published: date | None = parse_date(published_on) if published_on is not None else None
    if published_on is not None and clean_text(published_on) and published is None:
        ctx.warn(location, f"not a date: {clean_text(published_on)!r}", "published_on")
    cat_text = clean_text(category_text)
    hints = [clean_text(h) for h in category_hints]
    if category_first:
        category = ctx.categories.code_for(cat_text, name, *hints)
    else:
        category = ctx.categories.code_for(name, *hints, cat_text)
    extra_values: dict[str, Any] = {}
    for key_name, value in (extra or {}).items():
        if isinstance(value, str):
            value = clean_text(value)
        if value not in (None, "", [], {}):
            extra_values[key_name] = value
    return ReferenceRecord(
        ref_id=key,
        list_type=ctx.list_type or default_list_type,
        product_name=name,
        brand=clean_text(brand),
        models=model_values,
        batches=batch_values,
        production_dates=date_values,
        barcodes=codes.valid,
        invalid_barcodes=codes.invalid,
        manufacturer=clean_text(manufacturer),
        category=category,
        category_text=cat_text,
        hazard=clean_text(hazard),
        source=ctx.source,
        source_url=clean_text(source_url),
        photos=[p for p in (photos or []) if p],
        published_on=published,
        extra=extra_values,
        raw=raw,
    )
