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


def test_a_search_only_update_keeps_what_the_product_page_gave(sessions, clock) -> None:
    detail = _item("1", images=3)
    detail.title = "【官方正品】口罩 KN95 LF-2000 独立包装"
    detail.brand, detail.model, detail.licence_no = "LittleFox", "LF-2000", "XK16-205-12345"
    detail.specs = {"品牌": "LittleFox", "型号": "LF-2000", "条形码": "6901234567892"}
    detail.barcodes = ["6901234567892"]
    detail.sales_count, detail.comment_count = 100, 20
    with transaction(sessions) as s:
        PlatformRepository(s).sync(load_platforms())
        CategoryRepository(s, clock).sync(load_categories().categories)
        run1 = RunRepository(s, clock).start()
        ListingRepository(s).upsert_batch([detail], clock.now(), run1.id)
    read_at = clock.now()
    clock.advance(timedelta(days=1))
    # what a search row carries: a shorter title, one thumbnail, no specs, a new price and sales count
    row = ListingItem(
        platform="jd",
        item_id="1",
        title="口罩 KN95",
        url="https://so.m.jd.com/1",
        category="mask",
        price=Decimal("7.50"),
        seller_id="s1",
        seller_name="店",
        brand="LF",
        sales_count=130,
        image_urls=["https://img14.360buyimg.com/n1/thumb.jpg"],
        search_only=True,
    )
    with transaction(sessions) as s:
        run2 = RunRepository(s, clock).start()
        result = ListingRepository(s).upsert_batch([row], clock.now(), run2.id)
        assert len(result.changed) == 1
    with transaction(sessions) as s:
        stored = ListingRepository(s).get("jd", "1")
        assert stored.price == Decimal("7.50") and not stored.price_masked
        assert stored.sales_count == 130 and stored.comment_count == 20
        assert stored.title == detail.title and stored.url == detail.url
        assert (stored.brand, stored.model, stored.licence_no) == ("LittleFox", "LF-2000", "XK16-205-12345")
        assert stored.specs == detail.specs and stored.barcodes == detail.barcodes
        assert [img.source_url for img in stored.images] == detail.image_urls
        assert stored.seller.name == "店"
        assert stored.detail_fetched_at == read_at, "no product page was read"
        snapshots = sorted(stored.snapshots, key=lambda snap: snap.captured_at)
        assert len(snapshots) == 2
        assert snapshots[-1].price == Decimal("7.50") and snapshots[-1].title == detail.title
        assert snapshots[-1].data["image_urls"] == detail.image_urls
        assert snapshots[-1].data["specs"] == detail.specs
    # the same row again changes nothing: no further snapshot
    with transaction(sessions) as s:
        result = ListingRepository(s).upsert_batch([row], clock.now(), None)
        assert len(result.unchanged) == 1
    # a row that hides its price keeps the known one
    masked = ListingItem(platform="jd", item_id="1", title="口罩", price_masked=True, search_only=True)
    with transaction(sessions) as s:
        ListingRepository(s).upsert_batch([masked], clock.now(), None)
    with transaction(sessions) as s:
        stored = ListingRepository(s).get("jd", "1")
        assert stored.price == Decimal("7.50") and not stored.price_masked


def test_field_counts_layout_changed_coverage_and_the_digest_line(sessions, clock) -> None:
    from crawler.storage.models import CoverageStatus
    from scheduler.digest import build_digest

    with transaction(sessions) as s:
        PlatformRepository(s).sync(load_platforms())
        categories = CategoryRepository(s, clock)
        categories.sync(load_categories().categories)
        runs = RunRepository(s, clock)
        run = runs.start()
        no_price = _item("2", images=0)
        no_price.price = None
        ListingRepository(s).upsert_batch([_item("1"), no_price, _item("3")], clock.now(), run.id)
        state = CrawlStateRepository(s)
        platform = state.platform("jd")
        assert state.field_counts(platform.id, run.id) == {
            "rows": 3,
            "id": 3,
            "title": 3,
            "price": 2,
            "shop": 3,
            "image": 2,
        }
        assert state.field_counts(platform.id, run.id + 1)["rows"] == 0
        stat = runs.stat(run, platform, categories.by_code("mask"))
        runs.add_counts(stat, pages_fetched=2, layout_changed=1)
        runs.add_counts(stat, layout_changed=1)
        runs.note_layout(stat, "search jd-x: no rows")
        runs.note_layout(stat, "search jd-y: later")
        run_id = run.id
    with transaction(sessions) as s:
        run = RunRepository(s, clock).get(run_id)
        (stat,) = run.stats
        assert stat.layout_changed == 2 and stat.layout_note == "search jd-x: no rows"
        assert stat.status is CoverageStatus.LAYOUT_CHANGED
        RunRepository(s, clock).finish(run)
        assert run.status == "partial"
        digest = build_digest(s, clock.now(), min_risk=0.5)
        (line,) = digest.sections["layout_changed"]
        assert (line["platform"], line["category"], line["pages"]) == ("jd", "mask", 2)
        assert f"surveil pages replay {run_id}" in line["text"]
