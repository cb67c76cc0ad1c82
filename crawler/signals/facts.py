"""What a stored listing shows, for the checks: its claims, maker, seller."""

from __future__ import annotations

import unicodedata

from crawler.storage.models import Listing
from matchers.risk_signals.checks import ListingFacts
from matchers.risk_signals.licences import claims_in_listing

MAKER_LABELS = (
    "生产厂家",
    "生产企业",
    "生产商",
    "制造商",
    "厂家",
    "厂名",
    "制造企业",
    "委托方",
    "manufacturer",
    "brand owner",
)


def manufacturer_of(specs: dict) -> str | None:
    for label, value in (specs or {}).items():
        key = unicodedata.normalize("NFKC", str(label)).strip().lower()
        if any(word in key for word in MAKER_LABELS) and str(value or "").strip():
            return str(value).strip()[:300]
    return None


def facts_of(listing: Listing) -> ListingFacts:
    specs = {str(k): v for k, v in (listing.specs or {}).items()}
    detail = listing.licence_no or ""
    return ListingFacts(
        listing_id=str(listing.id),
        title=listing.title or "",
        brand=listing.brand,
        seller=listing.seller.name if listing.seller is not None else None,
        manufacturer=manufacturer_of(specs),
        category=listing.category.code if listing.category is not None else None,
        claims=claims_in_listing(listing.title or "", specs, detail),
    )
