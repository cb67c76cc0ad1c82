"""The one scheduler process: APScheduler 3 with its job store in the project's database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.engine import make_url

from crawler.config import Settings
from scheduler.jobs import ZONE, JobSpec

JOB_DEFAULTS: dict[str, Any] = {
    # A night missed while the scheduler was down runs once when it comes back (coalesced), however late.
    "coalesce": True,
    "misfire_grace_time": None,
    # The same job never overlaps in this process; the database lease covers other processes and hosts.
    "max_instances": 1,
}


def jobstore_url(settings: Settings) -> str:
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def build_scheduler(
    settings: Settings, scheduler_cls: type[BaseScheduler] = BlockingScheduler, workers: int = 2
) -> BaseScheduler:
    return scheduler_cls(
        jobstores={"default": SQLAlchemyJobStore(url=jobstore_url(settings), tablename="apscheduler_jobs")},
        executors={"default": ThreadPoolExecutor(workers)},
        job_defaults=JOB_DEFAULTS,
        timezone=ZONE,
    )


def job_kwargs(spec: JobSpec, config_file: str | None) -> dict[str, Any]:
    return {"job_id": spec.job_id, "task": spec.task, "params": dict(spec.params), "config_file": config_file}


def sync_jobs(
    scheduler: BaseScheduler, specs: list[JobSpec], config_file: str | None = None
) -> dict[str, str]:
    """Make the stored jobs equal ``specs`` without losing a stored job's pending (missed) run time:
    an unchanged job keeps its next run time; a changed trigger is rescheduled; unknown jobs are removed.
    Call on a started, paused scheduler."""
    report: dict[str, str] = {}
    wanted = {spec.job_id: spec for spec in specs}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            scheduler.remove_job(job.id)
            report[job.id] = "removed"
    for spec in specs:
        kwargs = job_kwargs(spec, config_file)
        job = scheduler.get_job(spec.job_id)
        if job is None:
            scheduler.add_job(
                "scheduler.tasks:execute",
                trigger=spec.trigger,
                id=spec.job_id,
                name=spec.description or spec.job_id,
                kwargs=kwargs,
            )
            report[spec.job_id] = "added"
        elif str(job.trigger) != str(spec.trigger) or job.kwargs != kwargs:
            scheduler.modify_job(spec.job_id, kwargs=kwargs, name=spec.description or spec.job_id)
            if str(job.trigger) != str(spec.trigger):
                scheduler.reschedule_job(spec.job_id, trigger=spec.trigger)
            report[spec.job_id] = "changed"
        else:
            report[spec.job_id] = "kept"
    return report


def due_at(specs: list[JobSpec], when: datetime) -> list[tuple[JobSpec, datetime]]:
    """The jobs whose trigger fires in the minute of ``when``, each with that fire time (its
    ``scheduled_for``, so a tick run twice for the same minute does each job once)."""
    minute = when.replace(second=0, microsecond=0)
    due = []
    for spec in specs:
        fire = spec.trigger.get_next_fire_time(None, minute)
        if fire is not None and fire == minute:
            due.append((spec, fire))
    return due
