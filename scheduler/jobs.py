"""The scheduled jobs, under stable ids, with their triggers (Asia/Shanghai wall-clock times)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

ZONE = "Asia/Shanghai"
NIGHTLY_PLATFORMS = ("jd", "taobao", "pdd", "yhd", "aliexpress", "amazon")


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    task: str
    trigger: BaseTrigger
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def job_specs(
    platforms: tuple[str, ...] = NIGHTLY_PLATFORMS,
    crawl_start_hour: int = 1,
    stagger_minutes: int = 15,
    takedown_days: int = 7,
) -> list[JobSpec]:
    """Crawls start at 01:00 staggered per platform; the pipeline after them at 04:30; the digest at
    07:30; the purchase plan on Monday mornings; takedown re-checks and relisting searches daily."""
    specs = []
    for index, platform in enumerate(platforms):
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
            {"after_days": takedown_days},
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
