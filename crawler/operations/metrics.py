"""What an operator watches, as Prometheus text: read from the database each time it is asked for.

A fresh :class:`CollectorRegistry` is built per request; nothing is kept between scrapes, so every web
process and the ``surveil metrics`` command give the same numbers for the same database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.storage.models import (
    CoverageStatus,
    CrawlRun,
    CrawlStat,
    EvidenceCapture,
    Flag,
    FlagStatus,
    JobRun,
    LoginAttempt,
    Match,
    Platform,
    RunStatus,
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LOGIN_WINDOW = timedelta(hours=24)
LISTING_COUNTS = ("listings_seen", "new", "changed", "gone")


class _Families(Collector):
    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


def _gauge(name: str, doc: str, labels: list[str], values: dict[tuple[str, ...], float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(list(key), value)
    return family


def _runs(session: Session) -> Iterator[Metric]:
    rows = session.execute(
        select(Platform.code, CrawlRun.status, func.count(func.distinct(CrawlRun.id)))
        .join(CrawlStat, CrawlStat.run_id == CrawlRun.id)
        .join(Platform, Platform.id == CrawlStat.platform_id)
        .group_by(Platform.code, CrawlRun.status)
    ).all()
    yield _gauge(
        "surveil_crawl_runs",
        "Crawl runs that covered a platform, by how the run ended.",
        ["platform", "status"],
        {(code, RunStatus(status).value): float(n) for code, status, n in rows},
    )
    latest = (
        select(CrawlStat.platform_id, func.max(CrawlStat.run_id).label("run_id"))
        .join(CrawlRun, CrawlRun.id == CrawlStat.run_id)
        .where(CrawlRun.status != RunStatus.RUNNING)
        .group_by(CrawlStat.platform_id)
        .subquery()
    )
    stats = session.execute(
        select(Platform.code, CrawlStat, CrawlRun)
        .join(latest, (latest.c.platform_id == CrawlStat.platform_id) & (latest.c.run_id == CrawlStat.run_id))
        .join(Platform, Platform.id == CrawlStat.platform_id)
        .join(CrawlRun, CrawlRun.id == CrawlStat.run_id)
    ).all()
    listings: dict[tuple[str, ...], float] = defaultdict(float)
    cells: dict[tuple[str, ...], float] = {}
    layout: dict[tuple[str, ...], float] = defaultdict(float)
    finished: dict[tuple[str, ...], float] = {}
    for code, stat, run in stats:
        for status in CoverageStatus:
            cells.setdefault((code, status.value), 0.0)
        cells[(code, stat.status.value)] += 1
        for name in LISTING_COUNTS:
            listings[(code, name.removeprefix("listings_"))] += getattr(stat, name) or 0
        layout[(code,)] += stat.layout_changed or 0
        if run.finished_at is not None:
            finished[(code,)] = run.finished_at.timestamp()
    yield _gauge(
        "surveil_last_run_listings",
        "Listings in each platform's latest finished run: seen, new, changed, gone.",
        ["platform", "kind"],
        listings,
    )
    yield _gauge(
        "surveil_last_run_cells",
        "Platform x category cells of each platform's latest finished run, by coverage status "
        "(blocked: captcha or login wall; layout_changed: pages no known layout reads).",
        ["platform", "status"],
        cells,
    )
    yield _gauge(
        "surveil_last_run_layout_changed_pages",
        "Pages of each platform's latest finished run that no known layout reads.",
        ["platform"],
        layout,
    )
    yield _gauge(
        "surveil_last_run_finished_timestamp_seconds",
        "When each platform's latest finished run ended (Unix time).",
        ["platform"],
        finished,
    )


def _review(session: Session) -> Iterator[Metric]:
    open_flags = session.scalar(select(func.count()).where(Flag.status == FlagStatus.OPEN)) or 0
    yield _gauge(
        "surveil_review_queue_depth", "Open flags waiting for an analyst.", [], {(): float(open_flags)}
    )
    flags = session.execute(
        select(Flag.kind, Flag.status, func.count()).group_by(Flag.kind, Flag.status)
    ).all()
    yield _gauge(
        "surveil_flags",
        "Flags raised, by kind and current status.",
        ["kind", "status"],
        {(kind, FlagStatus(status).value): float(n) for kind, status, n in flags},
    )
    matches = session.execute(select(Match.decision, func.count()).group_by(Match.decision)).all()
    yield _gauge(
        "surveil_matches",
        "List matches, by the matcher's decision.",
        ["decision"],
        {(str(getattr(d, "value", d)),): float(n) for d, n in matches},
    )
    captures = session.execute(
        select(EvidenceCapture.status, func.count()).group_by(EvidenceCapture.status)
    ).all()
    yield _gauge(
        "surveil_evidence_captures",
        "Evidence captures, by status (complete, partial, failed, unlogged).",
        ["status"],
        {(str(s),): float(n) for s, n in captures},
    )


def _jobs(session: Session) -> Iterator[Metric]:
    outcomes = session.execute(
        select(JobRun.job_id, JobRun.outcome, func.count()).group_by(JobRun.job_id, JobRun.outcome)
    ).all()
    yield _gauge(
        "surveil_job_runs",
        "Scheduler job runs, by job and outcome (ok, partial, failed, skipped, running).",
        ["job", "outcome"],
        {(job, outcome): float(n) for job, outcome, n in outcomes},
    )
    last_ids = select(func.max(JobRun.id)).where(JobRun.finished_at.is_not(None)).group_by(JobRun.job_id)
    durations = {
        (run.job_id,): max((run.finished_at - run.started_at).total_seconds(), 0.0)
        for run in session.scalars(select(JobRun).where(JobRun.id.in_(last_ids)))
        if run.finished_at is not None
    }
    yield _gauge(
        "surveil_job_last_duration_seconds",
        "How long each job's latest finished run took.",
        ["job"],
        durations,
    )
    ok_ids = (
        select(func.max(JobRun.id))
        .where(JobRun.outcome == "ok", JobRun.finished_at.is_not(None))
        .group_by(JobRun.job_id)
    )
    success = {
        (run.job_id,): run.finished_at.timestamp()
        for run in session.scalars(select(JobRun).where(JobRun.id.in_(ok_ids)))
        if run.finished_at is not None
    }
    yield _gauge(
        "surveil_job_last_success_timestamp_seconds",
        "When each job last finished ok (Unix time); alert when it is too long ago.",
        ["job"],
        success,
    )


def _logins(session: Session, now: datetime) -> Iterator[Metric]:
    attempts = session.execute(
        select(LoginAttempt.succeeded, func.count()).group_by(LoginAttempt.succeeded)
    ).all()
    by_outcome = {("succeeded",): 0.0, ("failed",): 0.0}
    for succeeded, n in attempts:
        by_outcome[("succeeded" if succeeded else "failed",)] += float(n)
    yield _gauge(
        "surveil_login_attempts",
        "Sign-in attempts kept in the database, by outcome.",
        ["outcome"],
        by_outcome,
    )
    recent = session.scalar(
        select(func.count()).where(LoginAttempt.succeeded.is_(False), LoginAttempt.at >= now - LOGIN_WINDOW)
    )
    yield _gauge(
        "surveil_login_failures_24h", "Failed sign-ins in the last 24 hours.", [], {(): float(recent or 0)}
    )


def build_registry(session: Session, now: datetime) -> CollectorRegistry:
    """Every series, read from the database as of ``now``."""
    families = [*_runs(session), *_review(session), *_jobs(session), *_logins(session, now)]
    registry = CollectorRegistry()
    registry.register(_Families(families))
    return registry


def exposition(session: Session, now: datetime) -> bytes:
    return generate_latest(build_registry(session, now))
