"""A worker: crawls the run announced in Redis, taking requests from the shared queue, until the queue
and every lease of every platform is empty.

Each platform spider runs as a subclass (:func:`distributed_class`) that starts from seeds (platform ×
category, pushed by the coordinator) instead of its own plan, marks a leased request done when its
callback finished, and leaves closing categories out to the coordinator (a category's searches are spread
over workers, so no single worker knows it finished): what the coordinator needs for that (a category's
searches reached their end, were cut short, met errors or a block) goes to Redis before the request that
showed it is acknowledged. Listings seen on search pages are counted once per run in a shared set, so a
page crawled twice (a redelivered request) or by two workers does not count twice.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider

from crawler.context import AppContext
from crawler.crawling.base import PlatformSpider, SearchTask, Sighting
from crawler.crawling.coverage import CoverageBook
from crawler.crawling.economy import search_sig
from crawler.distributed.keys import Keys
from crawler.distributed.queue import LEASE_META, LeasedStore, worker_id
from crawler.items import ListingItem
from crawler.pipelines.storage import StoragePipeline

log = logging.getLogger(__name__)


class SharedCoverage(CoverageBook):
    """The spider's coverage book, counting ``listings_seen`` once per run across workers."""

    def share(self, server: Any, keys: Keys, run_id: int) -> None:
        self.server = server
        self.keys = keys
        self.run_id = run_id
        self.flags_shared: set[str] = set()

    def saw(self, category: str | None, item_id: str) -> bool:
        if not category or item_id in self.seen[category]:
            return False
        self.seen[category].add(item_id)
        if self.server.sadd(self.keys.seen(self.run_id, self.platform, category), item_id):
            self.add(category, listings_seen=1)
        return True

    def flags(self, category: str) -> set[str]:
        """The category's progress flags raised here (see :meth:`Keys.progress`)."""
        progress = self.progress[category]
        raised = {
            "exhausted": progress.exhausted,
            "truncated": progress.truncated,
            "errors": self.totals[category]["errors"] > 0,
            "blocked": self.is_blocked(category),
            "layout_changed": self.has_changed_layout(category),
        }
        return {f"{category}:{flag}" for flag, up in raised.items() if up}

    def share_flags(self, categories: Any = None) -> None:
        """Write flags raised since last time (they never go down within a run)."""
        fresh: set[str] = set()
        for category in categories if categories is not None else list(self.progress):
            if category:
                fresh |= self.flags(category) - self.flags_shared
        if fresh:
            self.server.hset(self.keys.progress(self.run_id, self.platform), mapping=dict.fromkeys(fresh, 1))
            self.flags_shared |= fresh


class DistributedMixin:
    """Mixed in before a :class:`PlatformSpider` subclass."""

    leases: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        from scrapy_redis.connection import get_redis_from_settings

        spider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[misc]
        settings = crawler.settings
        spider.keys = Keys(settings.get("SURVEIL_REDIS_PREFIX") or "surveil")
        spider.worker_id = settings.get("SURVEIL_WORKER_ID") or worker_id()
        spider.server = get_redis_from_settings(settings)
        spider.seeds = LeasedStore(
            spider.server,
            spider.keys.seeds(spider.name),
            settings.getfloat("SURVEIL_LEASE_SECONDS", 30.0),
            settings.getint("SURVEIL_MAX_DELIVERIES", 4),
            spider.worker_id,
        )
        spider.seed_leases = set()
        coverage = SharedCoverage(spider.name)
        coverage.share(spider.server, spider.keys, spider.run_id)
        spider.coverage = coverage
        spider.storage = None
        spider.renewal = None
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_item_gone, signal=signals.item_dropped)
        crawler.signals.connect(spider.on_item_gone, signal=signals.item_error)
        return spider

    # --- starting from seeds --------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for _ in ():
            yield _

    def start_requests(self) -> Iterator[Any]:
        return iter(())

    def seed_requests(self, category: str) -> list[Any]:
        """The first search pages of one category (one per planned search term)."""
        requests = []
        for task in self.plan:
            if task.category == category:
                request = self._search(SearchTask(task.category, task.term), 1, {})
                request.meta["extra_term"] = bool(requests)
                requests.append(request)
        return requests

    def feed_seeds(self) -> int:
        """Take seeds one at a time, each leased until its first search pages are in the shared queue:
        a worker that dies in between leaves the seed to be given to another once the lease lapses."""
        fed = 0
        while True:
            popped = self.seeds.pop()
            if popped is None:
                return fed
            lease, data = popped
            self.seed_leases.add(lease)
            try:
                category = json.loads(data)["category"] if data else None
                requests = self.seed_requests(category) if category else []
                if category and not requests:
                    log.warning("%s: seed %s has no search terms planned here", self.name, category)
                for request in requests:
                    self.crawler.engine.crawl(request)
                self.seeds.ack([lease])
                fed += len(requests)
            finally:
                self.seed_leases.discard(lease)

    def on_opened(self, spider: Any) -> None:
        from twisted.internet import task

        every = max(0.5, self.leases.queue.lease_seconds / 3)
        self.renewal = task.LoopingCall(self.keep_leases)
        self.renewal.start(every, now=False)
        self.feed_seeds()

    def keep_leases(self) -> None:
        try:
            self.leases.renew()
            self.seeds.renew(sorted(self.seed_leases))
            self.leases.queue.reap()
            self.seeds.reap()
        except Exception:  # a Redis hiccup must not stop the crawl; the next tick tries again
            log.exception("%s: lease renewal failed", self.name)

    def on_idle(self, spider: Any) -> None:
        """Write what is left to write, take seeds, and stay open while any worker has work left on
        this platform (its leases may lapse and come back here)."""
        if self.storage is not None:
            try:
                self.storage.spider_idle()
            except Exception:  # kept for the next idle round; the leases stay held meanwhile
                log.exception("%s: writing the last batch failed; trying again", self.name)
                raise DontCloseSpider from None
        self.leases.queue.reap()
        self.seeds.reap()
        if self.feed_seeds() or self.leases.queue.pending() or self.seeds.pending():
            raise DontCloseSpider

    def on_closed(self, spider: Any, reason: str) -> None:
        if self.renewal is not None and self.renewal.running:
            self.renewal.stop()
        try:
            if self.leases is not None:
                self.leases.release()
        except Exception:  # the leases then lapse on their own
            log.exception("%s: could not give leases back", self.name)
        super().on_closed(spider, reason)  # type: ignore[misc]

    def on_item_gone(self, item: Any, *args: Any, **kwargs: Any) -> None:
        """A dropped or failed item is done, except one a failed batch write kept to write again."""
        if self.leases is None:
            return
        if self.storage is not None and any(
            i is item for i in (*self.storage.items, *self.storage.sightings)
        ):
            return
        self.leases.item_done(item)

    # --- callbacks: a leased request is done when its callback is --------------------------------

    def _leased(self, request: Any, output: Any) -> Iterator[Any]:
        lease = request.meta.get(LEASE_META) if request is not None else None
        try:
            for out in output or ():
                if lease and isinstance(out, ListingItem | Sighting):
                    self.leases.item_out(lease, out)
                yield out
        finally:
            category = request.meta.get("category") if request is not None else None
            try:
                self.coverage.share_flags([category] if category else None)
            except Exception:  # not acknowledged then: the lease lapses and the request is done again
                log.exception("%s: could not share the progress of %s", self.name, category)
                if lease:
                    self.leases.drop(lease)
            else:
                if lease:
                    self.leases.complete(lease)

    def parse_search(self, response: Any) -> Iterator[Any]:
        return self._leased(response.request, super().parse_search(response))  # type: ignore[misc]

    def parse_item(self, response: Any) -> Iterator[Any]:
        row = response.meta.get("row")
        if row is not None and row.item_id:
            self.search_sigs[row.item_id] = search_sig(row)
        return self._leased(response.request, super().parse_item(response))  # type: ignore[misc]

    def parse_follow_up(self, response: Any) -> Iterator[Any]:
        return self._leased(response.request, super().parse_follow_up(response))  # type: ignore[misc]

    def failed(self, failure: Any) -> Iterator[Any]:
        return self._leased(failure.request, super().failed(failure))  # type: ignore[misc]

    def finished_categories(self) -> list[str]:
        return []


_classes: dict[type, type] = {}


def distributed_class(spider_cls: type[PlatformSpider]) -> type:
    if spider_cls not in _classes:
        _classes[spider_cls] = type(f"Distributed{spider_cls.__name__}", (DistributedMixin, spider_cls), {})
    return _classes[spider_cls]


class LeasedStoragePipeline(StoragePipeline):
    """The storage pipeline that acknowledges leased requests once their listings are committed. Its
    idle write is the spider's to call (:meth:`DistributedMixin.on_idle`), so a failed write keeps the
    spider open instead of closing it with work left."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasedStoragePipeline:
        return cls(crawler, crawler.settings.getint("SURVEIL_BATCH_SIZE", 200))

    def open_spider(self, spider: Any = None) -> None:
        super().open_spider(spider)
        if self.spider is not None:
            self.spider.storage = self

    def flush(self, close_out: bool = False) -> None:
        batch = [*self.items, *self.sightings]
        super().flush(close_out)
        leases = getattr(self.spider, "leases", None)
        if leases is not None:
            for item in batch:
                leases.item_done(item)


def worker_settings(redis_url: str, keys: Keys, run_id: int, extra: dict[str, Any] | None = None) -> dict:
    from crawler import settings as project

    pipelines = dict(project.ITEM_PIPELINES)
    order = pipelines.pop("crawler.pipelines.storage.StoragePipeline", 300)
    pipelines["crawler.distributed.worker.LeasedStoragePipeline"] = order
    middlewares = dict(project.DOWNLOADER_MIDDLEWARES)
    middlewares["crawler.distributed.limiter.PlatformRateLimitMiddleware"] = 540
    return {
        "SCHEDULER": "crawler.distributed.queue.LeasedScheduler",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.queue.ReliableQueue",
        "SCHEDULER_QUEUE_KEY": keys.queue_template(),
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter_template(run_id),
        "REDIS_URL": redis_url,
        "SURVEIL_REDIS_PREFIX": keys.prefix,
        "SURVEIL_FINISH_RUN": False,
        "ITEM_PIPELINES": pipelines,
        "DOWNLOADER_MIDDLEWARES": middlewares,
        **(extra or {}),
    }


def wait_for_run(server: Any, keys: Keys, timeout: float, poll: float = 0.5) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while True:
        raw = server.get(keys.run)
        if raw:
            return json.loads(raw)
        if time.monotonic() >= deadline:
            return None
        time.sleep(poll)


def run_worker(
    context: AppContext, redis_url: str, keys: Keys, wait: float = 60.0, extra: dict[str, Any] | None = None
) -> int | None:
    """Crawl the announced run in this process until it drains; returns its id (None: no run came)."""
    import redis
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import SpiderLoader

    from crawler.crawling.runner import PROFILE_SPIDER, CrawlPlan, scrapy_settings

    server = redis.Redis.from_url(redis_url)
    announced = wait_for_run(server, keys, wait)
    if announced is None:
        return None
    run_id = int(announced["run_id"])
    plan = CrawlPlan(**announced["plan"])
    settings = scrapy_settings(context, worker_settings(redis_url, keys, run_id, extra))
    loader = SpiderLoader.from_settings(settings)
    process = CrawlerProcess(settings)
    known = set(loader.list())
    for platform in plan.platforms:
        args = {**plan.spider_args(), "run_id": str(run_id)}
        if platform not in known:  # a platform described by a YAML profile alone
            args["profile"] = platform
            platform = PROFILE_SPIDER
        crawler = process.create_crawler(distributed_class(loader.load(platform)))
        process.crawl(crawler, **args)
    process.start()
    return run_id


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.distributed.worker --redis URL [--prefix P]``: crawl one run, then exit."""
    import argparse

    from crawler.config import load_settings
    from crawler.crawling.context import clock_from

    parser = argparse.ArgumentParser(prog="python -m crawler.distributed.worker")
    parser.add_argument("--redis", required=True)
    parser.add_argument("--prefix", default="surveil")
    parser.add_argument("--wait", type=float, default=60.0)
    parser.add_argument("--set", action="append", default=[], help="Scrapy setting NAME=VALUE (JSON values)")
    args = parser.parse_args(argv)
    extra: dict[str, Any] = {"LOG_LEVEL": "INFO"}
    for pair in args.set:
        name, _, value = pair.partition("=")
        try:
            extra[name] = json.loads(value)
        except ValueError:
            extra[name] = value
    context = AppContext(settings=load_settings(), clock=clock_from(extra))
    run_id = run_worker(context, args.redis, Keys(args.prefix), args.wait, extra)
    print(json.dumps({"run_id": run_id}))  # noqa: T201 - the machine-readable result
    context.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
