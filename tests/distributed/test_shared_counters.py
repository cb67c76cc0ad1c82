"""Coverage counters of one run written by two workers at once add up (SQL increments, no lost update)."""

from __future__ import annotations

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.storage.engine import make_engine, make_session_factory, transaction
from crawler.storage.models import CrawlStat
from crawler.storage.repositories import CategoryRepository, PlatformRepository, RunRepository


def test_interleaved_increments_add_up(empty_postgres, clock):
    engine = make_engine(empty_postgres)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        platform = PlatformRepository(session).sync(load_platforms())[0]
        CategoryRepository(session, clock).sync(load_categories().categories)
        category = CategoryRepository(session, clock).active()[0]
        runs = RunRepository(session, clock)
        run = runs.start(trigger="test")
        stat_id = runs.stat(run, platform, category).id
    first, second = sessions(), sessions()
    try:
        # Both workers read the row before either writes: a read-modify-write would keep only one.
        a, b = first.get(CrawlStat, stat_id), second.get(CrawlStat, stat_id)
        assert a.requests == 0 and b.requests == 0
        RunRepository(first, clock).add_counts(a, requests=3, listings_seen=10)
        first.commit()
        RunRepository(second, clock).add_counts(b, requests=4, listings_seen=5)
        RunRepository(second, clock).add_counts(b, requests=1)
        second.commit()
    finally:
        first.close()
        second.close()
    with sessions() as session:
        stat = session.get(CrawlStat, stat_id)
        assert (stat.requests, stat.listings_seen) == (8, 15)
    engine.dispose()
