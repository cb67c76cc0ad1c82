"""The coordinator side: start a run and seed it (platform × category) for the workers, wait until the
shared queue drains, finish the run."""

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
from crawler.distributed.queue import pending_key, reap_key

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
    pipe = server.pipeline(transaction=True)
    for code, category_codes in seeds.items():
        pipe.delete(keys.seeds(code))
        for category in category_codes:
            pipe.rpush(keys.seeds(code), json.dumps({"category": category}))
    pipe.set(keys.run, json.dumps({"run_id": run_id, "plan": asdict(plan)}))
    pipe.execute()
    return run_id


def pending(server: Any, keys: Keys, platforms: list[str]) -> int:
    """Seeds, queued and leased requests left, all platforms together."""
    return sum(pending_key(server, keys.queue(p)) + server.llen(keys.seeds(p)) for p in platforms)


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
            reap_key(server, keys.queue(platform))
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
    """Record totals, finish the run, retire its duplicate filter and the announcement."""
    from crawler.crawling.report import totals
    from crawler.storage.engine import transaction
    from crawler.storage.repositories import RunRepository

    with transaction(context.sessions) as session:
        runs = RunRepository(session, context.clock)
        run = runs.get(run_id)
        summary = dict(run.summary or {})
        summary["totals"] = totals(run)
        summary["distributed"] = True
        runs.finish(run, summary=summary)
    server.delete(keys.run, *(keys.dupefilter(run_id, p) for p in platforms))


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
