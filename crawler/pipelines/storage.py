"""Listings and coverage stored together, in batches: one transaction per batch, never per item.

A batch holds the listings (``ListingRepository.upsert_batch``: a snapshot only when something an
analyst cares about changed), the unchanged sightings (only ``last_seen_at`` moves), and the coverage
counters and blocks that describe them. When the crawl goes idle the last batch is written and each
platform × category is closed: searched to the end without a block, an error or a page no known layout
reads means listings not seen are marked gone. At the close the share of tonight's rows that have each
monitored field is written to the run's summary (``crawling.monitors``).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlalchemy import select

from crawler.crawling.base import Sighting
from crawler.crawling.monitors import WINDOW, field_alarms
from crawler.items import ListingItem
from crawler.storage.engine import transaction
from crawler.storage.models import Listing, Platform, RunStatus
from crawler.storage.repositories import CategoryRepository, ListingRepository, RunRepository
from crawler.storage.repositories.crawling import CrawlStateRepository

log = logging.getLogger(__name__)

#: Sent after each stored batch: ``platform`` and ``item_ids`` of listings new or changed.
listings_stored = object()


class StoragePipeline:
    def __init__(self, crawler: Crawler, batch_size: int) -> None:
        self.crawler = crawler
        self.batch_size = batch_size
        self.items: list[ListingItem] = []
        self.sightings: list[Sighting] = []
        self.closed_out = False
        self.spider: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        pipeline = cls(crawler, crawler.settings.getint("SURVEIL_BATCH_SIZE", 200))
        crawler.signals.connect(pipeline.spider_idle, signal=signals.spider_idle)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        self.spider = spider or self.crawler.spider

    def _active(self) -> bool:
        return getattr(self.spider, "context", None) is not None and getattr(self.spider, "run_id", None)

    def process_item(self, item: Any) -> Any:
        if not self._active():
            return item
        if isinstance(item, ListingItem):
            self.items.append(item)
        elif isinstance(item, Sighting):
            self.sightings.append(item)
        else:
            return item
        if len(self.items) + len(self.sightings) >= self.batch_size:
            self.flush()
        return item

    def spider_idle(self) -> None:
        """Nothing left to crawl: write the last batch and close each platform × category out. Photos
        that batch asks for keep the spider open (the images pipeline says so)."""
        if not self._active():
            return
        if self.items or self.sightings or not self.closed_out:
            self.flush(close_out=not self.closed_out)
            self.closed_out = True

    def close_spider(self, spider: Spider | None = None) -> None:
        if not self._active():
            return
        self.flush(close_out=not self.closed_out)
        self.closed_out = True
        spider = self.spider
        if getattr(spider, "owns_run", False):
            context = spider.context
            with transaction(context.sessions) as session:
                runs = RunRepository(session, context.clock)
                run = runs.get(spider.run_id)
                if run is not None:
                    summary = dict(run.summary or {})
                    summary.setdefault("platforms", {})[spider.name] = {
                        **self.platform_summary(spider),
                        **self.field_report(session, runs, spider),
                    }
                    runs.finish(run, summary=summary)
        elif getattr(spider, "run_id", None):
            self.record_platform_summary(spider)

    @staticmethod
    def platform_summary(spider: Any) -> dict[str, Any]:
        requests = spider.coverage.requests_total()
        seen = spider.coverage.seen_total()
        return {
            "requests": requests,
            "listings_seen": seen,
            "requests_per_listing": round(requests / seen, 4) if seen else None,
            "reads": dict(getattr(spider, "reads", {})),
            "obey_robots": spider.obey_robots,
            "session": spider.session.describe() if spider.session else "",
            "blocked": dict(spider.coverage.blocked),
            "layout_changed": dict(spider.coverage.layouts),
            "terms": dict(spider.term_yield),
            "terms_skipped": list(spider.skipped_terms),
            "robots_refused": spider.robots_refused,
        }

    @staticmethod
    def field_report(session: Any, runs: RunRepository, spider: Any) -> dict[str, Any]:
        """Tonight's field counts and the alarms they raise against the platform's previous nights."""
        platform = session.scalar(select(Platform).where(Platform.code == spider.name))
        if platform is None:
            return {}
        counts = CrawlStateRepository(session).field_counts(platform.id, spider.run_id)
        history = [
            fields
            for run in runs.recent(WINDOW * 4)
            if run.id != spider.run_id
            and (fields := ((run.summary or {}).get("platforms") or {}).get(spider.name, {}).get("fields"))
        ]
        alarms = field_alarms(spider.name, counts, history)
        for alarm in alarms:
            log.error("field coverage alarm: %s", alarm)
        return {"fields": counts, "field_alarms": [a.as_dict() for a in alarms]}

    def record_platform_summary(self, spider: Any) -> None:
        context = spider.context
        with transaction(context.sessions) as session:
            runs = RunRepository(session, context.clock)
            run = runs.get(spider.run_id)
            if run is not None:
                summary = dict(run.summary or {})
                platforms = dict(summary.get("platforms", {}))
                platforms[spider.name] = {
                    **self.platform_summary(spider),
                    **self.field_report(session, runs, spider),
                }
                summary["platforms"] = platforms
                run.summary = summary

    def flush(self, close_out: bool = False) -> None:
        spider = self.spider
        context = spider.context
        items, self.items = self.items, []
        sightings, self.sightings = self.sightings, []
        unsaved = spider.coverage.take()
        deltas = unsaved.deltas
        if not (items or sightings or unsaved or close_out):
            return
        now = context.clock.now()
        changed_ids: list[str] = []
        try:
            with transaction(context.sessions) as session:
                platform = session.scalar(select(Platform).where(Platform.code == spider.name))
                state = CrawlStateRepository(session)
                counts: dict[str, Counter[str]] = {}
                if items:
                    result = ListingRepository(session).upsert_batch(items, now, spider.run_id)
                    ids = result.new + result.changed
                    by_id = (
                        dict(
                            session.execute(
                                select(Listing.id, Listing.platform_item_id).where(Listing.id.in_(ids))
                            ).all()
                        )
                        if ids
                        else {}
                    )
                    category_of = {i.item_id: i.category for i in items}
                    for state_name, listing_ids in (("new", result.new), ("changed", result.changed)):
                        for listing_id in listing_ids:
                            item_id = by_id.get(listing_id)
                            changed_ids.append(item_id)
                            counts.setdefault(category_of.get(item_id) or "", Counter())[state_name] += 1
                    sigs = {
                        i.item_id: spider.search_sigs[i.item_id]
                        for i in items
                        if i.item_id in spider.search_sigs
                    }
                    state.set_search_sigs(platform.id, sigs)
                if sightings:
                    back = state.touch(platform.id, [s.item_id for s in sightings], now, spider.run_id)
                    if back:
                        counts.setdefault(sightings[0].category or "", Counter())["changed"] += back
                for category, counter in counts.items():
                    if category:
                        deltas.setdefault(category, {})
                        for name, value in counter.items():
                            deltas[category][name] = deltas[category].get(name, 0) + value
                gone = self._close_out(session, state, platform, spider, now) if close_out else {}
                for category, value in gone.items():
                    deltas.setdefault(category, {})["gone"] = deltas.get(category, {}).get("gone", 0) + value
                self._write_coverage(session, spider, platform, deltas, unsaved.blocks, unsaved.layouts)
        except Exception:
            self.items = items + self.items
            self.sightings = sightings + self.sightings
            spider.coverage.give_back(unsaved)
            raise
        spider.stored += len(items)
        if changed_ids:
            categories = {i.item_id: i.category for i in items}
            self.crawler.signals.send_catch_log(
                listings_stored,
                platform=spider.name,
                item_ids=[i for i in changed_ids if i],
                categories=categories,
            )

    def _close_out(self, session, state, platform, spider, now) -> dict[str, int]:  # noqa: ANN001
        """Categories whose searches all finished: record them done and mark unseen listings gone."""
        gone: dict[str, int] = {}
        run = RunRepository(session, spider.context.clock).get(spider.run_id)
        for category in spider.finished_categories():
            if spider.coverage.is_blocked(category) or spider.coverage.has_changed_layout(category):
                continue
            if spider.coverage.complete(category) and not spider.args.term:
                gone[category] = state.mark_gone(platform.id, category, spider.run_id, now)
            state.mark_done(run, f"{spider.name}:{category}")
        return gone

    def _write_coverage(self, session, spider, platform, deltas, blocks, layouts) -> None:  # noqa: ANN001
        if not deltas and not blocks and not layouts:
            return
        context = spider.context
        runs = RunRepository(session, context.clock)
        run = runs.get(spider.run_id)
        categories = CategoryRepository(session, context.clock)
        for code in set(deltas) | set(blocks) | set(layouts):
            category = categories.by_code(code)
            if category is None:
                continue
            stat = runs.stat(run, platform, category)
            values = {k: v for k, v in deltas.get(code, {}).items() if v}
            if values:
                runs.add_counts(stat, **values)
            if code in blocks:
                runs.mark_blocked(stat, blocks[code])
            if code in layouts:
                runs.note_layout(stat, layouts[code])
        if run is not None and run.status != RunStatus.RUNNING and not spider.owns_run:
            run.status = RunStatus.RUNNING
