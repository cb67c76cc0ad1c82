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


def check_task(context: AppContext) -> dict[str, Any]:
    """The scheduler's own liveness check: proves a stored job runs and is recorded."""
    with context.engine.connect():
        pass
    return {"checked_at": context.clock.now().isoformat()}


def task_table() -> dict[str, Task]:
    return {"digest": digest_task, "check": check_task}


def run_task(
    context: AppContext,
    job_id: str,
    task: str,
    params: dict[str, Any] | None = None,
    scheduled_for: datetime | None = None,
    lease_ttl: timedelta = timedelta(minutes=2),
) -> JobOutcome:
    table = task_table()
    if task not in table:
        raise KeyError(f"unknown task {task!r}; known: {', '.join(sorted(table))}")
    body = table[task]
    runner = LeasedJobRunner(context.sessions, context.clock, ttl=lease_ttl)
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
