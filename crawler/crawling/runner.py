"""Run one crawl (several platform spiders, one run id) in this process, with a progress callback.

Scrapy's reactor can start once per process: callers that crawl repeatedly (tests, benchmarks) run
``surveil crawl`` or ``scrapy crawl`` in a subprocess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler.context import AppContext

PROFILE_SPIDER = "profile"


@dataclass
class CrawlPlan:
    platforms: list[str]
    categories: list[str] = field(default_factory=list)
    depth: int = 3
    limit: int | None = None
    details: str = "auto"
    refresh_days: float | None = None
    max_terms: int | None = None

    def spider_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"depth": str(self.depth), "details": self.details}
        if self.categories:
            args["category"] = ",".join(self.categories)
        if self.limit:
            args["limit"] = str(self.limit)
        if self.refresh_days is not None:
            args["refresh_days"] = str(self.refresh_days)
        if self.max_terms:
            args["max_terms"] = str(self.max_terms)
        return args


def scrapy_settings(context: AppContext, extra: dict[str, Any] | None = None) -> Settings:
    from crawler import settings as project_settings

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    cfg = context.settings
    settings.set("SURVEIL_DATABASE_URL", cfg.resolved_database_url, priority="cmdline")
    settings.set("SURVEIL_DATA_DIR", str(cfg.data_dir), priority="cmdline")
    if cfg.sandbox_url:
        settings.set("SURVEIL_SANDBOX_URL", cfg.sandbox_url, priority="cmdline")
    if cfg.browser_executable:
        settings.set("SURVEIL_BROWSER_EXECUTABLE", cfg.browser_executable, priority="cmdline")
    for key, value in (extra or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def spider_names(settings: Settings) -> list[str]:
    return sorted(n for n in SpiderLoader.from_settings(settings).list() if n != PROFILE_SPIDER)


def run_crawl(
    context: AppContext,
    plan: CrawlPlan,
    run_id: int,
    settings_extra: dict[str, Any] | None = None,
    on_tick: Callable[[list[Any]], None] | None = None,
    tick_seconds: float = 0.5,
) -> list[Any]:
    """Crawl every platform of ``plan`` into ``run_id``; returns the spiders (their coverage books)."""
    from crawler.crawling.profiles.loader import profile_names

    settings = scrapy_settings(context, {"SURVEIL_FINISH_RUN": False, **(settings_extra or {})})
    process = CrawlerProcess(settings)
    known = set(spider_names(settings))
    profiles = set(profile_names())
    crawlers = []
    for platform in plan.platforms:
        args = {**plan.spider_args(), "run_id": str(run_id)}
        if platform in known:
            crawler = process.create_crawler(platform)
        elif platform in profiles:
            crawler = process.create_crawler(PROFILE_SPIDER)
            args["profile"] = platform
        else:
            raise ValueError(f"no spider or profile for platform {platform!r}")
        crawlers.append(crawler)
        process.crawl(crawler, **args)
    if on_tick is not None:
        from twisted.internet import task

        loop = task.LoopingCall(lambda: on_tick([c.spider for c in crawlers if c.spider is not None]))
        loop.start(tick_seconds, now=False)
    process.start()
    spiders = [c.spider for c in crawlers if c.spider is not None]
    if on_tick is not None:
        on_tick(spiders)
    return spiders
