"""US CPSC recalls: the saferproducts.gov Recalls API JSON, the curated JSON lines export, and the old
search.usa.gov Recalls API JSON lines."""

from __future__ import annotations

from typing import Any

from crawler.references.build import make_record
from crawler.references.jsonlines import objects
from crawler.references.normalise import clean_text, split_models
from crawler.references.records import ReferenceRecord
from crawler.references.result import ReadContext
from crawler.references.tabular import ReadError
from crawler.storage.models import ListType


def _names(items: object, key: str = "Name") -> list[str]:
    """The ``key`` of every object of a list (or the strings of a list of strings), cleaned, once each."""
    out: list[str] = []
    if not isinstance(items, list):
        return out
    for item in items:
        value = item.get(key) if isinstance(item, dict) else item
        text = clean_text(value) if isinstance(value, str | int | float) else None
        if text and text not in out:
            out.append(text)
    return out


def _too_big(ctx: ReadContext, location: str, item: dict[str, Any]) -> bool:
    return any(not ctx.check_size(location, k, v) for k, v in item.items() if isinstance(v, str))


def read_api(ctx: ReadContext, data: Any) -> list[ReferenceRecord]:
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ReadError(f"{ctx.name}: expected a JSON array of CPSC recalls")
    out: list[ReferenceRecord] = []
    for index, item in enumerate(data, start=1):
        location = f"record {index}"
        if not isinstance(item, dict):
            ctx.problem(location, f"expected an object, found {type(item).__name__}")
            continue
        location = f"record {index} (RecallNumber {item.get('RecallNumber')})"
        if _too_big(ctx, location, item):
            continue
        products = [p for p in item.get("Products") or [] if isinstance(p, dict)]
        models: list[str] = []
        for product in products:
            for model in split_models(product.get("Model")):
                if model not in models:
                    models.append(model)
        upcs = _names(item.get("ProductUPCs"), "UPC")
        record = make_record(
            ctx,
            location,
            ref_id=item.get("RecallNumber") or item.get("RecallID"),
            default_list_type=ListType.RECALL,
            raw=item,
            product_name="; ".join(_names(products)) or item.get("Title"),
            model_list=models,
            barcodes=", ".join(upcs),
            manufacturer="; ".join(_names(item.get("Manufacturers"))) or None,
            category_text="; ".join(_names(products, "Type")) or None,
            category_hints=(item.get("Title"),),
            hazard="; ".join(_names(item.get("Hazards"))) or None,
            source_url=item.get("URL"),
            photos=_names(item.get("Images"), "URL"),
            published_on=clean_text(str(item.get("RecallDate") or ""))[:10]
            if item.get("RecallDate")
            else None,
            extra={
                "recall_id": item.get("RecallID"),
                "title": clean_text(item.get("Title")),
                "description": clean_text(item.get("Description")),
                "product_descriptions": _names(products, "Description"),
                "units": _names(products, "NumberOfUnits"),
                "retailers": _names(item.get("Retailers")),
                "importers": _names(item.get("Importers")),
                "distributors": _names(item.get("Distributors")),
                "remedies": _names(item.get("Remedies")),
                "injuries": _names(item.get("Injuries")),
                "manufacturer_countries": _names(item.get("ManufacturerCountries"), "Country"),
                "consumer_contact": clean_text(item.get("ConsumerContact")),
            },
        )
        if record:
            out.append(record)
    return out


def read_curated(ctx: ReadContext, lines: list[str]) -> list[ReferenceRecord]:
    out: list[ReferenceRecord] = []
    for location, item in objects(ctx, lines):
        location = f"{location} (recall_id {item.get('recall_id')})"
        if _too_big(ctx, location, item):
            continue
        brands = _names(item.get("brands"))
        record = make_record(
            ctx,
            location,
            ref_id=item.get("recall_id"),
            default_list_type=ListType.RECALL,
            raw=item,
            product_name=item.get("product_name"),
            brand=item.get("brand") or (brands[0] if brands else None),
            models=item.get("models") if isinstance(item.get("models"), str) else None,
            model_list=_names(item.get("models")) if isinstance(item.get("models"), list) else None,
            category_text=item.get("category_label") or item.get("category"),
            category_hints=(item.get("heading"),),
            hazard=item.get("hazard_text") or item.get("hazard"),
            source_url=item.get("url"),
            published_on=item.get("recall_date"),
            extra={
                "heading": clean_text(item.get("heading")),
                "brands": brands,
                "hazards": _names(item.get("hazards")),
                "record_type": clean_text(item.get("record_type")),
                "status": clean_text(item.get("status")),
                "action": clean_text(item.get("action")),
                "remedy_type": clean_text(item.get("remedy_type")),
                "units": clean_text(item.get("units")),
                "sold_at": clean_text(item.get("sold_at")),
                "incidents": clean_text(item.get("incidents_text")),
                "category_family": clean_text(item.get("category_family")),
            },
        )
        if record:
            out.append(record)
    return out


def read_search(ctx: ReadContext, lines: list[str]) -> list[ReferenceRecord]:
    out: list[ReferenceRecord] = []
    for location, item in objects(ctx, lines):
        location = f"{location} (recall_number {item.get('recall_number')})"
        if _too_big(ctx, location, item):
            continue
        descriptions = _names(item.get("descriptions"))
        types = _names(item.get("product_types"))
        upcs = _names(item.get("upcs"))
        record = make_record(
            ctx,
            location,
            ref_id=item.get("recall_number"),
            default_list_type=ListType.RECALL,
            raw=item,
            product_name=descriptions[0] if descriptions else "; ".join(types),
            barcodes=", ".join(upcs),
            manufacturer="; ".join(_names(item.get("manufacturers"))) or None,
            category_text="; ".join(types) or None,
            hazard="; ".join(_names(item.get("hazards"))) or None,
            source_url=item.get("recall_url"),
            published_on=item.get("recall_date"),
            extra={
                "descriptions": descriptions,
                "manufacturers": _names(item.get("manufacturers")),
                "product_types": types,
                "countries": _names(item.get("countries")),
                "organization": clean_text(item.get("organization")),
            },
        )
        if record:
            out.append(record)
    return out
