"""What page objects return: search rows, a search page, an item page, a recognised block."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from crawler.items import ListingItem
from crawler.pages.markup import display_text


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
    #: A paid placement (ad) rather than an organic result.
    sponsored: bool = False

    @property
    def title(self) -> str:
        return display_text(self.marked_title)

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
    #: For a page without rows: the page's own word that there are none (its result count, its
    #: no-results marker). A page object never returns a page with no rows and no such evidence; it
    #: raises :class:`LayoutChanged` instead.
    empty_evidence: str = ""

    @property
    def status(self) -> str:
        """``ok`` (rows) or ``empty`` (a recognised no-results page); see :class:`PageOutcome`."""
        return PageOutcome.OK if self.rows else PageOutcome.EMPTY


@dataclass
class ItemPage:
    item: ListingItem
    #: The item no longer exists on the platform (delisted, taken down).
    gone: bool = False
    #: The page asks for a logged-in session to show something (e.g. the price).
    login_required: bool = False
    #: Which page generation was read (e.g. "taobao-h5-detail-2019"), for logs and tests.
    layout: str = ""


@dataclass(frozen=True)
class Block:
    """A page that is not content: captcha, risk check, rate limit or login wall; or a request that
    could not be signed (the platform's signing script missing, failing or refused: ``signing``)."""

    kind: str  # captcha | risk | rate_limit | login | token | robots | signing
    reason: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason}"


class PageOutcome(StrEnum):
    """How every search or item page ends: exactly one of these, never "0 rows" without a word."""

    OK = "ok"  # rows (or an item)
    EMPTY = "empty"  # a recognised no-results page, with the page's own evidence
    BLOCKED = "blocked"  # captcha, risk check, rate limit, login wall, signing failure
    LAYOUT_CHANGED = "layout_changed"  # a response none of the platform's known layouts reads


class PageError(ValueError):
    """A response that is neither content nor a recognised block (wrong shape, truncated, not JSON)."""


class LayoutChanged(PageError):
    """A well-formed response that none of the platform's known layouts reads, a known layout that gives
    no rows while the page claims results, or rows without the fields that layout always gives.

    ``layout`` names the layout that was closest (or ``""`` when none was recognised); ``problems`` lists
    what was missing, for the run's report and ``surveil pages parse``.
    """

    def __init__(self, message: str, *, layout: str = "", problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.layout = layout
        self.problems = list(problems or [message])
