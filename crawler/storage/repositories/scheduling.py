"""Job leases and job runs: the queries behind 'the same job never runs twice at once'."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crawler.storage.models import JobLease, JobRun


class LeaseRepository:
    """Leases live in their own short transactions so that a lease is visible to other hosts at once."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def _ensure_row(self, job_id: str) -> None:
        with self.sessions() as session:
            if session.get(JobLease, job_id) is not None:
                return
            session.add(JobLease(job_id=job_id, holder=""))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()

    def acquire(self, job_id: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take the lease if it is free, expired, or already ours; True when we hold it."""
        self._ensure_row(job_id)
        with self.sessions() as session, session.begin():
            result = session.execute(
                update(JobLease)
                .where(
                    JobLease.job_id == job_id,
                    or_(JobLease.expires_at.is_(None), JobLease.expires_at < now, JobLease.holder == holder),
                )
                .values(holder=holder, acquired_at=now, expires_at=now + ttl)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    def renew(self, job_id: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        with self.sessions() as session, session.begin():
            result = session.execute(
                update(JobLease)
                .where(JobLease.job_id == job_id, JobLease.holder == holder)
                .values(expires_at=now + ttl)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    def release(self, job_id: str, holder: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(
                update(JobLease)
                .where(JobLease.job_id == job_id, JobLease.holder == holder)
                .values(holder="", expires_at=None)
                .execution_options(synchronize_session=False)
            )

    def holder_of(self, job_id: str, now: datetime) -> str | None:
        with self.sessions() as session:
            lease = session.get(JobLease, job_id)
            if lease is None or lease.expires_at is None or lease.expires_at < now:
                return None
            return lease.holder


class JobRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def start(self, job_id: str, holder: str, now: datetime, scheduled_for: datetime | None) -> JobRun:
        run = JobRun(
            job_id=job_id,
            holder=holder,
            started_at=now,
            scheduled_for=scheduled_for,
            outcome="running",
            detail={},
        )
        self.session.add(run)
        self.session.flush()
        return run

    def finish(self, run: JobRun, now: datetime, outcome: str, detail: dict[str, Any] | None = None) -> None:
        run.finished_at = now
        run.outcome = outcome
        run.detail = detail or {}
        self.session.flush()

    def recent(self, limit: int = 50, job_id: str | None = None) -> list[JobRun]:
        stmt = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
        if job_id:
            stmt = stmt.where(JobRun.job_id == job_id)
        return list(self.session.scalars(stmt))

    def completed(self, job_id: str, scheduled_for: datetime) -> bool:
        """Whether the job already finished (ok or partial) for this scheduled time."""
        stmt = select(JobRun.id).where(
            JobRun.job_id == job_id,
            JobRun.scheduled_for == scheduled_for,
            JobRun.outcome.in_(["ok", "partial"]),
        )
        return self.session.scalar(stmt.limit(1)) is not None

    def for_job(self, job_id: str) -> list[JobRun]:
        stmt = select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.started_at, JobRun.id)
        return list(self.session.scalars(stmt))
