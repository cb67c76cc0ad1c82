"""Job bodies. APScheduler stores ``scheduler.tasks:execute`` with plain keyword arguments, so jobs
survive restarts and every host can run them; each body runs under the job's database lease."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.config import load_settings
from crawler.context import AppContext
from crawler.storage.engine import transaction
from crawler.timeutil import SystemClock
from scheduler.leases import JobOutcome, LeasedJobRunner

Task = Callable[..., dict[str, Any] | None]


def digest_task(context: AppContext) -> dict[str, Any]:
    from scheduler.digest import build_digest
    from scheduler.notify import deliver

    with transaction(context.sessions) as session:
        digest = build_digest(session, context.clock.now(), context.settings.digest_min_risk)
    delivery = deliver(context.settings, digest)
    return {
        "sections": {k: len(v) for k, v in digest.sections.items()},
        "sent": delivery.sent,
        "failed": delivery.failed,
        "partial": bool(delivery.failed),
    }


def unfinished_crawl(
    context: AppContext, platform: str, within: timedelta = timedelta(hours=20)
) -> int | None:
    """A run of this platform that a killed process left running: the job resumes it, not a new one."""
    from sqlalchemy import select

    from crawler.storage.models import CrawlRun, RunStatus

    since = context.clock.now() - within
    with context.sessions() as session:
        runs = session.scalars(
            select(CrawlRun)
            .where(CrawlRun.status == RunStatus.RUNNING, CrawlRun.started_at >= since)
            .order_by(CrawlRun.id.desc())
        )
        for run in runs:
            if list((run.options or {}).get("platforms") or []) == [platform]:
                return run.id
    return None


def crawl_task(context: AppContext, platform: str) -> dict[str, Any]:
    from scheduler.pipeline import NightlyOptions, crawl_stage

    settings = context.settings
    options = NightlyOptions(
        platforms=[platform],
        categories=list(settings.crawl_categories),
        depth=settings.crawl_depth,
        max_terms=settings.crawl_max_terms,
    )
    resume = unfinished_crawl(context, platform)
    detail = crawl_stage(context, options, resume=resume)
    detail["resumed"] = resume
    return detail


def after_crawl_task(context: AppContext) -> dict[str, Any]:
    from sqlalchemy import select

    from crawler.storage.models import CrawlRun
    from scheduler.pipeline import coverage_stage, evidence_stage, match_stage

    detail: dict[str, Any] = {"match": match_stage(context), "evidence": evidence_stage(context)}
    since = context.clock.now() - timedelta(hours=12)
    with context.sessions() as session:
        run_ids = list(session.scalars(select(CrawlRun.id).where(CrawlRun.started_at >= since)))
    detail["coverage"] = [coverage_stage(context, run_id) for run_id in run_ids]
    detail["partial"] = bool(detail["evidence"].get("partial"))
    return detail


def takedown_task(context: AppContext, after_days: int | None = None) -> dict[str, Any]:
    from scheduler.followups import takedown_recheck

    return takedown_recheck(context, after_days or context.settings.takedown_recheck_days).to_json()


def relisting_task(context: AppContext) -> dict[str, Any]:
    from scheduler.followups import relisting_search

    return relisting_search(context)


def purchase_plan_task(context: AppContext, budget: str = "20000") -> dict[str, Any]:
    from decimal import Decimal

    from crawler.purchases.plans import create_plan
    from crawler.timeutil import to_local

    period = f"{to_local(context.clock.now()):%Y-%m}"
    with transaction(context.sessions) as session:
        result = create_plan(session, context.clock, "scheduler", period, Decimal(budget))
        return {"plan_id": result.plan.id, "period": period, "purchases": len(result.plan.purchases)}


def check_task(context: AppContext) -> dict[str, Any]:
    """The scheduler's own liveness check: proves a stored job runs and is recorded."""
    with context.engine.connect():
        pass
    return {"checked_at": context.clock.now().isoformat()}


def task_table() -> dict[str, Task]:
    return {
        "crawl": crawl_task,
        "after_crawl": after_crawl_task,
        "takedown_recheck": takedown_task,
        "relisting_search": relisting_task,
        "purchase_plan": purchase_plan_task,
        "digest": digest_task,
        "check": check_task,
    }


def run_task(
    context: AppContext,
    job_id: str,
    task: str,
    params: dict[str, Any] | None = None,
    scheduled_for: datetime | None = None,
    lease_ttl: timedelta | None = None,
) -> JobOutcome:
    table = task_table()
    if task not in table:
        raise KeyError(f"unknown task {task!r}; known: {', '.join(sorted(table))}")
    body = table[task]
    ttl = lease_ttl or timedelta(seconds=context.settings.scheduler_lease_seconds)
    runner = LeasedJobRunner(context.sessions, context.clock, ttl=ttl, lease_clock=SystemClock())
    return runner.run(job_id, lambda: body(context, **(params or {})), scheduled_for)


def execute(
    job_id: str,
    task: str,
    params: dict[str, Any] | None = None,
    config_file: str | None = None,
    scheduled_for: str | None = None,
) -> str:
    """Entry point stored in the job store: builds its own context from the settings."""
    context = AppContext(load_settings(Path(config_file) if config_file else None))
    try:
        when = datetime.fromisoformat(scheduled_for) if scheduled_for else None
        return run_task(context, job_id, task, params, when).outcome
    finally:
        context.close()
