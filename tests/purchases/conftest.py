"""Demo-like data for the purchase tests, made with the repositories on each storage backend."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.items import ListingItem
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, FlagStatus, ListType, ReferenceEntry
from crawler.storage.repositories import (
    CategoryRepository,
    ListingRepository,
    PlatformRepository,
    ReferenceRepository,
)
from crawler.timeutil import FixedClock

PLATFORMS = ("jd", "taobao", "pdd")
CATEGORIES = ("toys", "children_clothing", "power_bank")


@dataclass
class Demo:
    listing_ids: dict[str, int]
    flag_ids: dict[str, int]
    entry_id: int


def demo_items() -> list[ListingItem]:
    items = []
    for cat in CATEGORIES:
        for p_index, platform in enumerate(PLATFORMS):
            for k in range(4):
                n = len(items) + 1
                items.append(
                    ListingItem(
                        platform=platform,
                        item_id=f"{cat}-{platform}-{k}",
                        title=f"{cat} 商品 {platform} {k}",
                        url=f"https://item.example/{platform}/{cat}/{k}",
                        category=cat,
                        price=None if (cat == "toys" and k == 3) else Decimal("20.00") + n,
                        price_masked=cat == "toys" and k == 3,
                        seller_id=f"{cat}-shop{p_index}{k % 3}",
                        seller_name=f"{platform}店铺{k % 3}",
                        brand=f"品牌{k}",
                        model=f"MX-{n:03d}",
                        specs={"生产企业": f"某某制造厂{k}", "批号": f"B2026{n:03d}"},
                        image_urls=[f"https://img.example/{platform}/{cat}/{k}.jpg"],
                    )
                )
    return items


def make_demo(sessions: sessionmaker[Session], clock: FixedClock) -> Demo:
    with transaction(sessions) as session:
        CategoryRepository(session, clock).sync(load_categories().categories)
        PlatformRepository(session).sync(load_platforms())
        ListingRepository(session).upsert_batch(demo_items(), clock.now())
        listings = ListingRepository(session)
        ids = {
            f"{i.platform}:{i.item_id}": listings.get(i.platform, i.item_id).id  # type: ignore[union-attr]
            for i in demo_items()
        }
        refs = ReferenceRepository(session, clock)
        rlist = refs.get_or_create_list("eu-safety-gate", "EU Safety Gate", ListType.RECALL, "test")
        entry = ReferenceEntry(
            ref_key="A12/0001/26",
            entry_hash="0" * 64,
            list_type=ListType.RECALL,
            product_name="磁力积木 magnetic blocks",
            brand="品牌0",
            models=["MX-001"],
            hazard="小磁铁脱落，儿童误吞 (small magnets may be swallowed)",
        )
        refs.add_version(rlist, [entry])
        now = clock.now()
        flags = {}
        for key, status, risk in (
            ("jd:toys-jd-0", FlagStatus.CONFIRMED, 0.95),
            ("taobao:toys-taobao-1", FlagStatus.CONFIRMED, 0.7),
            ("pdd:power_bank-pdd-2", FlagStatus.OPEN, 0.8),
        ):
            flag = Flag(
                listing_id=ids[key],
                kind="match",
                subject=f"entry:{entry.id}",
                entry_id=entry.id,
                list_type=ListType.RECALL,
                risk_score=risk,
                status=status,
                explanation=["model number MX-001 agreed"],
                created_at=now,
                updated_at=now,
            )
            session.add(flag)
            session.flush()
            flags[key] = flag.id
        return Demo(ids, flags, entry.id)


@pytest.fixture
def demo(sessions: sessionmaker[Session], clock: FixedClock) -> Demo:
    return make_demo(sessions, clock)
