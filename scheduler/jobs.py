"""The scheduled jobs, under stable ids, with their triggers (Asia/Shanghai wall-clock times)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

ZONE = "Asia/Shanghai"


def nightly_platforms() -> tuple[str, ...]:
    """Every platform of the shipped platform list, in its order: a platform added there (东方CJ 'ocj'
    was once left out of a hard-coded copy of the list) is crawled nightly without touching this file."""
    from crawler.catalogue.schema import load_platforms

    return tuple(platform.code for platform in load_platforms())


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    task: str
    trigger: BaseTrigger
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def job_specs(
    platforms: tuple[str, ...] | None = None,
    crawl_start_hour: int = 1,
    stagger_minutes: int = 15,
    takedown_days: int | None = None,
) -> list[JobSpec]:
    """Crawls start at 01:00 staggered per platform; the pipeline after them at 04:30; the digest at
    07:30; the purchase plan on Monday mornings; takedown re-checks and relisting searches daily."""
    specs = []
    for index, platform in enumerate(nightly_platforms() if platforms is None else platforms):
        minutes = crawl_start_hour * 60 + index * stagger_minutes
        specs.append(
            JobSpec(
                f"crawl.{platform}",
                "crawl",
                CronTrigger(hour=minutes // 60, minute=minutes % 60, timezone=ZONE),
                {"platform": platform},
                f"nightly crawl of {platform}",
            )
        )
    specs += [
        JobSpec(
            "pipeline.after-crawl",
            "after_crawl",
            CronTrigger(hour=4, minute=30, timezone=ZONE),
            {},
            "match new and changed listings, raise flags, capture evidence, coverage report",
        ),
        JobSpec(
            "takedown.recheck",
            "takedown_recheck",
            CronTrigger(hour=5, minute=30, timezone=ZONE),
            # None: the job reads SURVEIL_TAKEDOWN_RECHECK_DAYS when it runs, so the setting takes effect.
            {"after_days": takedown_days} if takedown_days else {},
            "re-check reported listings for takedown",
        ),
        JobSpec(
            "relisting.search",
            "relisting_search",
            CronTrigger(hour=6, minute=0, timezone=ZONE),
            {},
            "search relisted copies of taken-down products (photo and seller signals)",
        ),
        JobSpec(
            "digest.morning",
            "digest",
            CronTrigger(hour=7, minute=30, timezone=ZONE),
            {},
            "morning digest by e-mail and webhook",
        ),
        JobSpec(
            "purchases.weekly-plan",
            "purchase_plan",
            CronTrigger(day_of_week="mon", hour=8, minute=0, timezone=ZONE),
            {},
            "propose test purchases for the current month",
        ),
    ]
    return specs
