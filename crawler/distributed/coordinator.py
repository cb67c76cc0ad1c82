"""The coordinator side: start a run and seed it (platform × category) for the workers, wait until the
shared queue drains, close the categories out and finish the run."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from crawler.context import AppContext
from crawler.crawling.runner import CrawlPlan
from crawler.distributed.keys import Keys
from crawler.distributed.queue import LeasedStore

#: Progress flags (:meth:`Keys.progress`) that keep a category's unseen listings from being marked gone.
INCOMPLETE = ("truncated", "errors", "blocked", "layout_changed")

log = logging.getLogger(__name__)


def connect(redis_url: str) -> Any:
    import redis

    return redis.Redis.from_url(redis_url)


def start_run(
    context: AppContext, plan: CrawlPlan, server: Any, keys: Keys, trigger: str = "distributed"
) -> int:
    """Create the run (and its coverage rows, so workers only ever increment them), push one seed per
    platform × category, then announce the run to the workers."""
    from crawler.catalogue.schema import load_categories, load_platforms
    from crawler.storage import migrate
    from crawler.storage.engine import transaction
    from crawler.storage.repositories import CategoryRepository, PlatformRepository, RunRepository

    if server.get(keys.run):
        raise RuntimeError(f"a distributed run is already announced under {keys.run!r}")
    migrate.upgrade(context.engine)
    with transaction(context.sessions) as session:
        platforms = PlatformRepository(session)
        platforms.sync(load_platforms())
        categories = CategoryRepository(session, context.clock)
        if not categories.all():
            categories.sync(load_categories().categories)
        active = [c for c in categories.active() if not plan.categories or c.code in plan.categories]
        unknown = set(plan.categories) - {c.code for c in active}
        if unknown:
            raise ValueError(f"unknown or inactive categories: {', '.join(sorted(unknown))}")
        runs = RunRepository(session, context.clock)
        run = runs.start(trigger=trigger, options={**asdict(plan), "distributed": True})
        for code in plan.platforms:
            platform = platforms.by_code(code)
            if platform is None:
                raise ValueError(f"no platform {code!r}")
            for category in active:
                runs.stat(run, platform, category)
        run_id = run.id
        seeds = {code: [c.code for c in active] for code in plan.platforms}
    for code, category_codes in seeds.items():
        seeds_store, requests = stores(server, keys, code)
        # A new run starts with its own tally of given-up and requeued entries.
        server.delete(
            requests.dead_key, requests.requeued_key, seeds_store.requeued_key, seeds_store.dead_key
        )
        seeds_store.clear()
        for position, category in enumerate(category_codes):
            seeds_store.add(json.dumps({"category": category}), position)
    server.set(keys.run, json.dumps({"run_id": run_id, "plan": asdict(plan)}))
    return run_id


def stores(server: Any, keys: Keys, platform: str) -> list[LeasedStore]:
    """The platform's seeds and its request queue."""
    return [LeasedStore(server, keys.seeds(platform)), LeasedStore(server, keys.queue(platform))]


def pending(server: Any, keys: Keys, platforms: list[str]) -> int:
    """Seeds and requests queued or leased, all platforms together."""
    return sum(store.pending() for p in platforms for store in stores(server, keys, p))


def wait_drained(
    server: Any,
    keys: Keys,
    platforms: list[str],
    timeout: float,
    poll: float = 1.0,
    settle: float = 2.0,
    on_tick: Callable[[int], None] | None = None,
) -> bool:
    """Wait until nothing is left for ``settle`` seconds (expired leases are requeued meanwhile);
    False on timeout."""
    deadline = time.monotonic() + timeout
    empty_since: float | None = None
    while time.monotonic() < deadline:
        for platform in platforms:
            for store in stores(server, keys, platform):
                store.reap()
        left = pending(server, keys, platforms)
        if on_tick is not None:
            on_tick(left)
        now = time.monotonic()
        if left:
            empty_since = None
        elif empty_since is None:
            empty_since = now
        elif now - empty_since >= settle:
            return True
        time.sleep(poll)
    return False


def finish_run(context: AppContext, run_id: int, server: Any, keys: Keys, platforms: list[str]) -> None:
    """Close the categories out (:func:`close_out`), record totals, finish the run, and retire its Redis
    keys (duplicate filters, seen sets, progress) and the announcement."""
    from crawler.crawling.report import totals
    from crawler.storage.engine import transaction
    from crawler.storage.models import RunStatus
    from crawler.storage.repositories import RunRepository

    with transaction(context.sessions) as session:
        runs = RunRepository(session, context.clock)
        run = runs.get(run_id)
        dead = close_out(context, session, run, server, keys, platforms)
        summary = dict(run.summary or {})
        summary["totals"] = totals(run)
        summary["distributed"] = True
        if dead:
            summary["dead"] = dead
        runs.finish(run, status=RunStatus.PARTIAL if dead else None, summary=summary)
    for platform in platforms:
        retired = list(server.scan_iter(match=keys.run_keys(run_id, platform), count=500))
        if retired:
            server.delete(*retired)
    server.delete(keys.run)


def close_out(
    context: AppContext, session: Any, run: Any, server: Any, keys: Keys, platforms: list[str]
) -> dict[str, int]:
    """After the queue drained: per platform × category, the exact number of listings seen (the shared
    set's size), and, where every search of the category reached its end without a cut, error or block
    on any worker, listings not seen in the run marked gone and the category recorded done. A platform
    with requests or seeds given up (``:dead``) is left open. Returns the dead entries per platform."""
    from crawler.storage.repositories import RunRepository
    from crawler.storage.repositories.crawling import CrawlStateRepository

    runs = RunRepository(session, context.clock)
    state = CrawlStateRepository(session)
    now = context.clock.now()
    dead: dict[str, int] = {}
    for platform in platforms:
        lost = sum(store.dead() for store in stores(server, keys, platform))
        if lost:
            dead[platform] = lost
            log.warning(
                "run %s: %s has %d requests or seeds given up; not closed out", run.id, platform, lost
            )
        flags = {
            k.decode() if isinstance(k, bytes) else k for k in server.hkeys(keys.progress(run.id, platform))
        }
        for stat in run.stats:
            if stat.platform.code != platform:
                continue
            category = stat.category.code
            seen = keys.seen(run.id, platform, category)
            if server.exists(seen):
                stat.listings_seen = int(server.scard(seen))
            if lost or stat.blocked or stat.layout_changed or f"{category}:blocked" in flags:
                continue
            if f"{category}:exhausted" not in flags and f"{category}:truncated" not in flags:
                continue  # not searched at all here
            complete = f"{category}:exhausted" in flags and not any(
                f"{category}:{flag}" in flags for flag in INCOMPLETE
            )
            if complete and not stat.errors:
                gone = state.mark_gone(stat.platform_id, category, run.id, now)
                if gone:
                    runs.add_counts(stat, gone=gone)
            state.mark_done(run, f"{platform}:{category}")
    session.flush()
    return dead


def crawl_distributed(
    context: AppContext,
    plan: CrawlPlan,
    redis_url: str,
    keys: Keys | None = None,
    timeout: float = 3 * 3600,
    on_tick: Callable[[int], None] | None = None,
) -> int:
    """Seed a run, wait for the workers to drain it, finish it; returns the run id."""
    keys = keys or Keys()
    server = connect(redis_url)
    run_id = start_run(context, plan, server, keys)
    if not wait_drained(server, keys, plan.platforms, timeout, on_tick=on_tick):
        raise TimeoutError(f"run {run_id}: the queue did not drain within {timeout:.0f} s")
    finish_run(context, run_id, server, keys, plan.platforms)
    return run_id
