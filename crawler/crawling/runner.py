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


def crawl_run(
    context: AppContext,
    plan: CrawlPlan,
    resume: int | None = None,
    settings_extra: dict[str, Any] | None = None,
    on_tick: Callable[[list[Any]], None] | None = None,
) -> int:
    """Start (or resume) a run, crawl it, finish it with its totals; returns the run id."""
    from crawler.catalogue.schema import load_categories, load_platforms
    from crawler.crawling.report import totals
    from crawler.storage import migrate
    from crawler.storage.engine import transaction
    from crawler.storage.models import CrawlRun, RunStatus
    from crawler.storage.repositories import CategoryRepository, PlatformRepository, RunRepository

    migrate.upgrade(context.engine)
    with transaction(context.sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        categories = CategoryRepository(session, context.clock)
        if not categories.all():
            categories.sync(load_categories().categories)
        runs = RunRepository(session, context.clock)
        if resume is not None:
            run = session.get(CrawlRun, resume)
            if run is None:
                raise ValueError(f"run {resume} does not exist")
            run.status = RunStatus.RUNNING
            run_id = run.id
        else:
            run_id = runs.start(trigger="manual", options=dict(plan.__dict__)).id
    run_crawl(context, plan, run_id, settings_extra, on_tick=on_tick)
    with transaction(context.sessions) as session:
        runs = RunRepository(session, context.clock)
        run = runs.get(run_id)
        summary = dict(run.summary or {})
        summary["totals"] = totals(run)
        runs.finish(run, summary=summary)
    return run_id


def plan_of_run(context: AppContext, run_id: int) -> CrawlPlan:
    from crawler.storage.engine import transaction
    from crawler.storage.models import CrawlRun

    with transaction(context.sessions) as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise ValueError(f"run {run_id} does not exist")
        options = dict(run.options or {})
    return CrawlPlan(**{k: v for k, v in options.items() if k in CrawlPlan.__dataclass_fields__})


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.crawling.runner``: the crawl without the rest of the CLI (tests, benchmarks)."""
    import argparse
    import json

    from crawler.config import load_settings
    from crawler.crawling.context import clock_from

    parser = argparse.ArgumentParser(prog="python -m crawler.crawling.runner")
    parser.add_argument("--platform", "-p", action="append", default=[])
    parser.add_argument("--category", "-c", action="append", default=[])
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--details", default="auto")
    parser.add_argument("--refresh-days", type=float)
    parser.add_argument("--max-terms", type=int)
    parser.add_argument("--resume", type=int)
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
    if args.resume:
        plan = plan_of_run(context, args.resume)
    else:
        from crawler.catalogue.schema import load_platforms

        plan = CrawlPlan(
            platforms=args.platform or [p.code for p in load_platforms()],
            categories=args.category,
            depth=args.depth,
            limit=args.limit,
            details=args.details,
            refresh_days=args.refresh_days,
            max_terms=args.max_terms,
        )
    run_id = crawl_run(context, plan, resume=args.resume, settings_extra=extra)
    print(json.dumps({"run_id": run_id}))  # noqa: T201 - the machine-readable result
    context.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
