"""Run a job body under a database lease, renewed by a heartbeat while it runs, and record the run."""

from __future__ import annotations

import json
import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crawler.storage.engine import transaction
from crawler.storage.models import JobRun
from crawler.storage.repositories.scheduling import JobRunRepository, LeaseRepository
from crawler.timeutil import Clock


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@dataclass
class JobOutcome:
    job_id: str
    outcome: str
    run_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class LeasedJobRunner:
    """Runs ``body`` only if this holder gets the job's lease; otherwise records that it was skipped.

    The lease is renewed every ``ttl / 3`` while the body runs, so a long crawl keeps it, and a process
    killed outright loses it after ``ttl``.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        ttl: timedelta = timedelta(minutes=2),
        holder: str | None = None,
        lease_clock: Clock | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        # Leases measure liveness in wall-clock time, also when a job runs "as of" another time.
        self.lease_clock = lease_clock or clock
        self.ttl = ttl
        self.holder = holder or default_holder()
        self.leases = LeaseRepository(sessions)

    def run(
        self, job_id: str, body: Callable[[], dict[str, Any] | None], scheduled_for: datetime | None = None
    ) -> JobOutcome:
        now = self.clock.now()
        lease_now = self.lease_clock.now()
        if not self.leases.acquire(job_id, self.holder, lease_now, self.ttl):
            held_by = self.leases.holder_of(job_id, lease_now) or "another process"
            with transaction(self.sessions) as session:
                repo = JobRunRepository(session)
                run = repo.start(job_id, self.holder, now, scheduled_for)
                repo.finish(run, now, "skipped", {"reason": f"already running on {held_by}"})
                return JobOutcome(job_id, "skipped", run.id, run.detail)
        with transaction(self.sessions) as session:
            repo = JobRunRepository(session)
            if scheduled_for is not None and repo.completed(job_id, scheduled_for):
                run = repo.start(job_id, self.holder, now, scheduled_for)
                detail = {
                    "reason": f"already completed for {scheduled_for.isoformat()}",
                    "already_done": True,
                }
                repo.finish(run, now, "skipped", detail)
                skipped = JobOutcome(job_id, "skipped", run.id, detail)
            else:
                skipped = None
                run_id = repo.start(job_id, self.holder, now, scheduled_for).id
        if skipped is not None:
            self.leases.release(job_id, self.holder)
            return skipped
        stop = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat, args=(job_id, stop), daemon=True, name=f"lease-{job_id}"
        )
        beat.start()
        outcome, detail = "ok", {}
        try:
            detail = body() or {}
            if detail.get("partial"):
                outcome = "partial"
        except Exception as exc:  # noqa: BLE001 - recorded as the run's outcome, then re-raised
            outcome = "failed"
            detail = {
                "error": f"{exc.__class__.__name__}: {exc}",
                "traceback": traceback.format_exc()[-4000:],
            }
            raise
        finally:
            stop.set()
            beat.join()
            with transaction(self.sessions) as session:
                run = session.get(JobRun, run_id)
                JobRunRepository(session).finish(run, self.clock.now(), outcome, _jsonable(detail))
            self.leases.release(job_id, self.holder)
        return JobOutcome(job_id, outcome, run_id, detail)

    def _heartbeat(self, job_id: str, stop: threading.Event) -> None:
        interval = max(self.ttl.total_seconds() / 3, 0.05)
        while not stop.wait(interval):
            self.leases.renew(job_id, self.holder, self.lease_clock.now(), self.ttl)


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(detail, default=str))
