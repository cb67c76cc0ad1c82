"""Request economy: open a product page only when the listing is new, what its search row shows of the
product page changed (title, seller, image, availability), or its last full read is older than the
refresh period. A change only in what the search row carries itself (the price, sales and comment
counts) updates the stored listing from the row, without a request."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from crawler.pages.base import SearchRow
from crawler.storage.repositories.crawling import KnownListing

#: ``<page part>.<row part>``: 31 + 1 + 32 characters, the width of ``listing.search_sig``. A stored
#: signature without the separator (an older format) matches no new one: the listing counts as changed.
SEPARATOR = "."
PAGE_PART = 31
ROW_PART = 32


def _digest(data: dict[str, object], length: int) -> str:
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


def search_sig(row: SearchRow) -> str:
    """What the search page says about a listing, in two parts: what the product page tells in full
    (title, seller, image, availability) and what the row itself carries completely (price, whether it
    is masked, currency, sales and comment counts)."""
    page = {
        "title": row.title,
        "seller": row.seller_id or row.seller_name,
        "image": row.image_url,
        "available": row.available,
    }
    own = {
        "price": None if row.price is None else f"{row.price:.2f}",
        "masked": row.price_masked,
        "currency": row.currency,
        "sales": row.sales_count,
        "comments": row.comment_count,
    }
    return f"{_digest(page, PAGE_PART)}{SEPARATOR}{_digest(own, ROW_PART)}"


def sig_parts(sig: str | None) -> tuple[str, str] | None:
    """The (page, row) parts of a signature, or None for a missing or older-format one."""
    if not sig or SEPARATOR not in sig:
        return None
    page, own = sig.split(SEPARATOR, 1)
    return page, own


def row_has_price(row: SearchRow) -> bool:
    """The row shows a price (not masked, not missing): it can stand in for the product page's."""
    return row.price is not None and not row.price_masked


def needs_detail(
    known: KnownListing | None,
    sig: str,
    now: datetime,
    refresh: timedelta,
    mode: str = "auto",
    run_id: int | None = None,
    run_started: datetime | None = None,
    row_priced: bool = True,
) -> str | None:
    """Why the listing must be read again: ``"new"``, ``"changed"``, ``"refresh"``, ``"back"`` (open the
    product page) or ``"price"`` (only what the row carries changed: update the listing from the row);
    None when nothing changed. ``row_priced`` is False when the row's price is masked or missing, so
    the row cannot stand in for the product page's price."""
    if mode == "never":
        return None
    if known is None:
        return "new"
    if (
        run_id is not None
        and known.last_run_id == run_id
        and known.detail_fetched_at is not None
        and run_started is not None
        and known.detail_fetched_at >= run_started
    ):
        return None  # already read in this run (a resumed crawl)
    if mode == "always":
        return "always"
    if known.gone:
        return "back"
    if known.search_sig == sig:
        own_changed = False
    else:
        old, new = sig_parts(known.search_sig), sig_parts(sig)
        if old is None or new is None or old[0] != new[0] or not row_priced:
            return "changed"
        own_changed = True
    parts = sig_parts(sig)
    key = parts[0] if parts else sig
    if known.detail_fetched_at is None or now - known.detail_fetched_at >= refresh * (1 + spread(key)):
        return "refresh"
    return "price" if own_changed else None


def spread(key: str) -> float:
    """A fixed fraction in [0, 1) per listing, so that refreshes of listings first read on the same night
    fall on different nights."""
    return int(hashlib.sha256(f"refresh:{key}".encode()).hexdigest()[:8], 16) / 0x1_0000_0000
