"""The listing as it leaves a spider: plain data, validated by the pipelines, stored by repositories."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

#: The fields whose change makes a new snapshot: what an analyst cares about.
SNAPSHOT_FIELDS = ("title", "price", "price_masked", "seller_id", "seller_name", "available", "image_urls")


@dataclass
class ListingItem:
    platform: str
    item_id: str
    title: str
    url: str = ""
    category: str | None = None
    price: Decimal | None = None
    price_masked: bool = False
    currency: str = "CNY"
    seller_id: str | None = None
    seller_name: str | None = None
    brand: str | None = None
    model: str | None = None
    specs: dict[str, str] = field(default_factory=dict)
    barcodes: list[str] = field(default_factory=list)
    licence_no: str | None = None
    sales_count: int | None = None
    comment_count: int | None = None
    image_urls: list[str] = field(default_factory=list)
    available: bool = True
    detail_fetched: bool = False
    #: Read from a search row whose product page was not opened because only what the row carries
    #: itself changed: a stored listing takes from it only the price (when the row shows one), the
    #: currency and the sales and comment counts, and keeps everything else.
    search_only: bool = False

    def __post_init__(self) -> None:
        if self.price_masked:
            self.price = None
        elif self.price is not None and not isinstance(self.price, Decimal):
            self.price = Decimal(str(self.price))

    def content_hash(self) -> str:
        """Hash of the analyst-relevant fields: equal hashes mean no new snapshot is needed."""
        data = {name: getattr(self, name) for name in SNAPSHOT_FIELDS}
        data["price"] = None if self.price is None else f"{self.price:.2f}"
        blob = json.dumps(data, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["price"] = None if self.price is None else str(self.price)
        return data
