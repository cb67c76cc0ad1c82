"""Brand, model, barcodes and licence numbers named in a listing's specification table."""

from __future__ import annotations

import re

from crawler.items import ListingItem

BRAND_KEYS = ("品牌", "Brand", "Brand Name", "Marca")
MODEL_KEYS = ("型号", "规格型号", "货号", "Item model number", "Model Number", "Model", "Modelo")
BARCODE_KEYS = ("条形码", "商品条码", "条码", "UPC", "EAN", "GTIN", "ISBN")
LICENCE_KEYS = ("生产许可证编号", "生产许可证", "工业产品生产许可证", "3C证书编号", "CCC证书编号", "CCC")
GTIN = re.compile(r"\b\d{8}(?:\d{4,6})?\b")


def spec_value(specs: dict[str, str], keys: tuple[str, ...]) -> str | None:
    lowered = {k.strip().lower(): v for k, v in specs.items()}
    for key in keys:
        value = lowered.get(key.lower())
        if value and value.strip():
            return value.strip()
    return None


def fill_from_specs(item: ListingItem) -> ListingItem:
    """Fill brand, model, barcodes and licence number from the specs where the page left them empty."""
    specs = item.specs or {}
    if not item.brand:
        item.brand = spec_value(specs, BRAND_KEYS)
    if not item.model:
        item.model = spec_value(specs, MODEL_KEYS)
    if not item.barcodes:
        raw = spec_value(specs, BARCODE_KEYS)
        if raw:
            item.barcodes = GTIN.findall(raw) or [raw]
    if not item.licence_no:
        item.licence_no = spec_value(specs, LICENCE_KEYS)
    return item
