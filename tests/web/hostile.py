"""Listings, shops, specs and reference records carrying the payload corpus.

The listings come from a :data:`~tests.web.seeding.ListingSource`; here a direct one, but a sandbox crawl
that yields the same items can take its place without changing how they are loaded or checked."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.items import ListingItem
from crawler.sandbox.hostile import PAYLOADS
from crawler.storage.engine import transaction
from crawler.storage.models import Listing, ListType
from crawler.timeutil import FixedClock
from tests.web.seeding import ListingSource, add_flag, add_reference_entries, store_listings

PLATFORMS = ("jd", "taobao", "pdd", "yhd", "aliexpress", "amazon")
CATEGORIES = ("power_bank", "children_clothing", "space_heater", "school_uniform")


def direct_hostile_listings(payloads: list[str] = PAYLOADS) -> ListingSource:
    def source() -> list[ListingItem]:
        return [
            ListingItem(
                platform=PLATFORMS[i % len(PLATFORMS)],
                item_id=f"hostile-{i}",
                title=f"儿童玩具 {payload}",
                url=payload if ":" in payload else f"javascript:__xss({100 + i})",
                category=CATEGORIES[i % len(CATEGORIES)],
                price=None if i % 3 == 0 else Decimal("19.90"),
                price_masked=i % 3 == 0,
                seller_id=f"shop-{i % 7}",
                seller_name=payload,
                brand=payload,
                model=payload,
                specs={payload: payload, "材质": payload},
                barcodes=[payload],
                licence_no=payload,
                image_urls=[payload, f"javascript:__xss({200 + i})"],
            )
            for i, payload in enumerate(payloads)
        ]

    return source


def load_hostile(
    sessions: sessionmaker[Session], clock: FixedClock, source: ListingSource, payloads: list[str] = PAYLOADS
) -> dict[str, list[int]]:
    """Store the listings from ``source`` and, for each, a reference record and a flag made of payloads."""
    listing_ids = store_listings(sessions, source, clock.now())
    entries = add_reference_entries(
        sessions,
        clock,
        [
            {
                "ref_key": f"x-{i}",
                "product_name": payload,
                "brand": payload,
                "models": [payload],
                "batches": [payload],
                "barcodes": [payload],
                "manufacturer": payload,
                "hazard": payload,
                "source_url": payload
                if ":" in payload
                else f'javascript:__xss({300 + i})" onclick="__xss({i})',
                "photos": [payload, f"javascript:__xss({400 + i})"],
            }
            for i, payload in enumerate(payloads)
        ],
        code="hostile-list",
    )
    flags, sellers = [], set()
    with transaction(sessions) as session:
        rows = list(session.scalars(select(Listing).where(Listing.id.in_(listing_ids)).order_by(Listing.id)))
        for i, (listing, entry_id) in enumerate(zip(rows, entries, strict=False)):
            payload = payloads[i % len(payloads)]
            reasons = [payload, {"field": payload, "listing": payload, "reference": payload, "score": 0.9}]
            flag = add_flag(
                session,
                listing.id,
                entry_id,
                0.5 + (i % 40) / 100,
                clock.now() - timedelta(hours=i),
                reasons,
                list_type=ListType.RECALL,
            )
            flag.explanation = [payload, f"model {payload}"]
            flags.append(flag.id)
            if listing.seller_id:
                sellers.add(listing.seller_id)
    return {"flags": flags, "listings": listing_ids, "sellers": sorted(sellers)}
