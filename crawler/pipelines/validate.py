"""Scraped text is untrusted: bound its size, drop what cannot be a listing, keep a masked price unknown."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem

from crawler.items import ListingItem

log = logging.getLogger(__name__)
LIMITS = {"title": 1000, "url": 2000, "seller_name": 300, "brand": 200, "model": 200, "licence_no": 100}


class ValidatePipeline:
    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        item.item_id = (item.item_id or "").strip()[:128]
        item.title = " ".join((item.title or "").split())
        if not item.item_id:
            raise DropItem(f"{item.platform}: listing without an item id ({item.url})")
        if not item.title:
            raise DropItem(f"{item.platform} {item.item_id}: listing without a title")
        for name, limit in LIMITS.items():
            value = getattr(item, name)
            if isinstance(value, str):
                setattr(item, name, value.strip()[:limit] or (None if name != "url" else ""))
        if item.price_masked:
            item.price = None
        if item.price is not None and (item.price < 0 or item.price >= 10**12):
            log.warning(
                "%s %s: implausible price %s stored as unknown", item.platform, item.item_id, item.price
            )
            item.price = None
        item.specs = {str(k)[:200]: str(v)[:1000] for k, v in list(item.specs.items())[:200]}
        item.barcodes = [b.strip()[:64] for b in item.barcodes if b and b.strip()][:50]
        item.image_urls = [
            u for u in dict.fromkeys(item.image_urls) if u.startswith(("http://", "https://"))
        ][:30]
        return item
