"""After the queue drains the coordinator closes categories out from what the workers recorded in Redis:
listings not seen marked gone only where every search of the category reached its end, listings seen
counted once, a platform with given-up requests left open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crawler.config import Settings
from crawler.context import AppContext
from crawler.crawling.runner import CrawlPlan
from crawler.distributed import coordinator
from crawler.distributed.keys import Keys
from crawler.items import ListingItem
from crawler.storage.engine import transaction
from crawler.storage.models import Category, CrawlRun, CrawlStat, Listing, Platform
from crawler.storage.repositories import ListingRepository
from crawler.timeutil import FixedClock
from tests.distributed.helpers import REDIS_URL

NOW = datetime.fromisoformat("2026-11-20T18:00:00+00:00")
EARLIER = datetime.fromisoformat("2026-11-01T18:00:00+00:00")
CATEGORIES = ["mask", "towel", "toys"]


def test_categories_closed_out_from_the_workers_progress(tmp_path, prefix):
    context = AppContext(
        settings=Settings(database_url=f"sqlite:///{tmp_path / 's.db'}", data_dir=tmp_path),
        clock=FixedClock(NOW),
    )
    keys = Keys(prefix)
    server = coordinator.connect(REDIS_URL)
    plan = CrawlPlan(platforms=["jd", "yhd"], categories=CATEGORIES, depth=2)
    run_id = coordinator.start_run(context, plan, server, keys)
    with transaction(context.sessions) as session:
        stale = [
            ListingItem(platform=p, item_id=f"old-{p}-{c}", title="旧", category=c)
            for p in ("jd", "yhd")
            for c in CATEGORIES
        ]
        fresh = [ListingItem(platform="jd", item_id="seen-mask", title="新", category="mask")]
        ListingRepository(session).upsert_batch(stale, EARLIER)
        ListingRepository(session).upsert_batch(fresh, NOW, run_id)
    # what the workers recorded: jd mask searched to its end on one worker, cut by the depth on
    # another for towel, toys never searched; yhd had a request given up after its last delivery
    server.hset(
        keys.progress(run_id, "jd"), mapping={"mask:exhausted": 1, "towel:exhausted": 1, "towel:truncated": 1}
    )
    server.hset(keys.progress(run_id, "yhd"), mapping={"mask:exhausted": 1})
    server.sadd(keys.seen(run_id, "jd", "mask"), "seen-mask", "a", "b")
    server.rpush(f"{keys.queue('yhd')}:dead", b"a request")
    for platform in ("jd", "yhd"):
        coordinator.stores(server, keys, platform)[0].clear()  # the seeds, all taken
    assert coordinator.pending(server, keys, ["jd", "yhd"]) == 0
    coordinator.finish_run(context, run_id, server, keys, ["jd", "yhd"])

    with context.sessions() as session:
        gone = set(
            session.scalars(select(Listing.platform_item_id).where(Listing.gone_at.is_not(None))).all()
        )
        assert gone == {"old-jd-mask"}
        stats = {
            (p, c): (seen, n_gone)
            for p, c, seen, n_gone in session.execute(
                select(Platform.code, Category.code, CrawlStat.listings_seen, CrawlStat.gone)
                .join(Platform, CrawlStat.platform_id == Platform.id)
                .join(Category, CrawlStat.category_id == Category.id)
                .where(CrawlStat.run_id == run_id)
            ).all()
        }
        assert stats[("jd", "mask")] == (3, 1)
        assert stats[("jd", "towel")] == (0, 0)
        run = session.get(CrawlRun, run_id)
        assert set(run.summary["done"]) == {"jd:mask", "jd:towel"}
        assert run.summary["dead"] == {"yhd": 1}
        assert str(run.status) == "partial"
        assert run.summary["totals"]["gone"] == 1 and run.summary["totals"]["listings_seen"] == 3
    assert not list(server.scan_iter(match=f"{prefix}:run{run_id}:*"))
    context.close()


def test_a_new_run_starts_with_no_dead_entries(tmp_path, prefix):
    context = AppContext(
        settings=Settings(database_url=f"sqlite:///{tmp_path / 's.db'}", data_dir=tmp_path),
        clock=FixedClock(NOW),
    )
    keys = Keys(prefix)
    server = coordinator.connect(REDIS_URL)
    server.rpush(f"{keys.queue('jd')}:dead", b"from last night")
    server.set(f"{keys.queue('jd')}:requeued", 5)
    coordinator.start_run(context, CrawlPlan(platforms=["jd"], categories=["mask"]), server, keys)
    seeds, requests = coordinator.stores(server, keys, "jd")
    assert (requests.dead(), requests.requeued(), seeds.pending()) == (0, 0, 1)
    context.close()
