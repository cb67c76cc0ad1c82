"""What page objects return: search rows, a search page, an item page, a recognised block."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from crawler.items import ListingItem
from crawler.pages.markup import plain_text


@dataclass
class SearchRow:
    """One result on a search page, in page order. ``marked_title`` keeps the page's highlights."""

    rank: int
    item_id: str
    marked_title: str
    url: str
    price: Decimal | None = None
    price_masked: bool = False
    currency: str = "CNY"
    seller_id: str | None = None
    seller_name: str | None = None
    brand: str | None = None
    image_url: str | None = None
    sales_count: int | None = None
    comment_count: int | None = None
    available: bool = True

    @property
    def title(self) -> str:
        return plain_text(self.marked_title)

    def to_item(self, platform: str, category: str | None = None) -> ListingItem:
        return ListingItem(
            platform=platform,
            item_id=self.item_id,
            title=self.title,
            url=self.url,
            category=category,
            price=self.price,
            price_masked=self.price_masked,
            currency=self.currency,
            seller_id=self.seller_id,
            seller_name=self.seller_name,
            brand=self.brand,
            sales_count=self.sales_count,
            comment_count=self.comment_count,
            image_urls=[self.image_url] if self.image_url else [],
            available=self.available,
        )


@dataclass
class SearchPage:
    rows: list[SearchRow] = field(default_factory=list)
    total: int | None = None
    has_next: bool = False
    #: Which markup generation was read (e.g. "jd-desktop-2017"), for logs and tests.
    layout: str = ""
    #: Values the next page request needs (PDD ``flip``, cursors).
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class ItemPage:
    item: ListingItem
    #: The item no longer exists on the platform (delisted, taken down).
    gone: bool = False
    #: The page asks for a logged-in session to show something (e.g. the price).
    login_required: bool = False


@dataclass(frozen=True)
class Block:
    """A page that is not content: captcha, risk check, rate limit or login wall."""

    kind: str  # captcha | risk | rate_limit | login | token
    reason: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason}"


class PageError(ValueError):
    """A response that is neither content nor a recognised block (wrong shape, truncated, not JSON)."""
