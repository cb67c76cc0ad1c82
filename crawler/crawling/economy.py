"""Request economy: open a product page only when the listing is new, its search row changed, or its
last full read is older than the refresh period."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from crawler.pages.base import SearchRow
from crawler.storage.repositories.crawling import KnownListing


def search_sig(row: SearchRow) -> str:
    """Hash of what the search page says about a listing (what an analyst cares about, as shown there)."""
    data = {
        "title": row.title,
        "price": None if row.price is None else f"{row.price:.2f}",
        "masked": row.price_masked,
        "seller": row.seller_id or row.seller_name,
        "image": row.image_url,
        "available": row.available,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def needs_detail(
    known: KnownListing | None,
    sig: str,
    now: datetime,
    refresh: timedelta,
    mode: str = "auto",
    run_id: int | None = None,
    run_started: datetime | None = None,
) -> str | None:
    """Why the product page must be opened (``"new"``, ``"changed"``, ``"refresh"``, ``"back"``), or None."""
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
    if known.search_sig != sig:
        return "changed"
    if known.detail_fetched_at is None or now - known.detail_fetched_at >= refresh * (1 + spread(sig)):
        return "refresh"
    return None


def spread(key: str) -> float:
    """A fixed fraction in [0, 1) per listing, so that refreshes of listings first read on the same night
    fall on different nights."""
    return int(hashlib.sha256(f"refresh:{key}".encode()).hexdigest()[:8], 16) / 0x1_0000_0000
