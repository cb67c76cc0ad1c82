"""The crawl's own queries on every storage backend (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.items import ListingItem
from crawler.storage.engine import transaction
from crawler.storage.repositories import (
    CategoryRepository,
    ListingRepository,
    PlatformRepository,
    RunRepository,
)
from crawler.storage.repositories.crawling import CrawlStateRepository


def _item(item_id: str, price: str = "9.90", images: int = 2) -> ListingItem:
    return ListingItem(
        platform="jd",
        item_id=item_id,
        title=f"口罩 {item_id}",
        category="mask",
        price=Decimal(price),
        seller_id="s1",
        seller_name="店",
        image_urls=[f"https://img14.360buyimg.com/n1/{item_id}-{n}.jpg" for n in range(images)],
        detail_fetched=True,
    )


def test_known_touch_gone_images_and_done(sessions, clock) -> None:
    with transaction(sessions) as s:
        PlatformRepository(s).sync(load_platforms())
        CategoryRepository(s, clock).sync(load_categories().categories)
        run1 = RunRepository(s, clock).start()
        ListingRepository(s).upsert_batch([_item("1"), _item("2"), _item("3")], clock.now(), run1.id)
        state = CrawlStateRepository(s)
        platform = state.platform("jd")
        state.set_search_sigs(platform.id, {"1": "sig-1", "2": "sig-2"})
        run1_id = run1.id
    with transaction(sessions) as s:
        state = CrawlStateRepository(s)
        known = state.known("jd")
        assert set(known) == {"1", "2", "3"}
        assert known["1"].search_sig == "sig-1" and known["3"].search_sig is None
        assert known["1"].detail_fetched_at is not None and known["1"].last_run_id == run1_id
        assert not known["1"].gone
        missing = state.images_missing(state.platform("jd").id, ["1", "2"])
        assert missing == {
            "1": ["https://img14.360buyimg.com/n1/1-0.jpg", "https://img14.360buyimg.com/n1/1-1.jpg"],
            "2": ["https://img14.360buyimg.com/n1/2-0.jpg", "https://img14.360buyimg.com/n1/2-1.jpg"],
        }
    clock.advance(timedelta(days=1))
    with transaction(sessions) as s:
        state = CrawlStateRepository(s)
        platform_id = state.platform("jd").id
        run2 = RunRepository(s, clock).start()
        assert state.touch(platform_id, ["1", "2"], clock.now(), run2.id) == 0
        assert state.mark_gone(platform_id, "mask", run2.id, clock.now()) == 1
        state.mark_done(run2, "jd:mask")
        run2_id = run2.id
    with transaction(sessions) as s:
        state = CrawlStateRepository(s)
        known = state.known("jd")
        assert known["3"].gone and not known["1"].gone
        assert known["1"].last_run_id == run2_id
        assert state.done(run2_id) == {"jd:mask"}
        # a listing that was gone and is seen again is back, and counts as changed
        assert state.touch(state.platform("jd").id, ["3"], clock.now(), run2_id) == 1
    with transaction(sessions) as s:
        assert not CrawlStateRepository(s).known("jd")["3"].gone
