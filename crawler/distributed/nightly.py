"""The nightly pipeline's crawl stage, distributed: seed the run for the workers, wait until the shared
queue drains, finish the run; matching then starts on a complete crawl."""

from __future__ import annotations

from typing import Any

from crawler.context import AppContext
from crawler.crawling.runner import CrawlPlan
from crawler.distributed.coordinator import crawl_distributed
from crawler.distributed.keys import Keys


def distributed_crawl_stage(context: AppContext, options: Any) -> dict[str, Any]:
    from crawler.catalogue.schema import load_platforms
    from scheduler.pipeline import run_outcome

    redis_url = context.settings.redis_url
    if not redis_url:
        raise RuntimeError("distributed crawl needs the redis_url setting (SURVEIL_REDIS_URL)")
    plan = CrawlPlan(
        platforms=list(options.platforms) or [p.code for p in load_platforms()],
        categories=list(options.categories),
        depth=options.depth,
        limit=options.limit,
        details=options.details,
        max_terms=options.max_terms,
    )
    run_id = crawl_distributed(
        context, plan, redis_url, Keys(context.settings.redis_prefix), timeout=options.crawl_timeout
    )
    return {**run_outcome(context, run_id), "distributed": True}
