"""The nightly pipeline end to end against the sandbox: crawl, match, flags, evidence, report."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.config import load_settings
from crawler.context import AppContext
from crawler.references.importer import import_file
from crawler.storage import migrate
from crawler.storage.models import EvidenceCapture, Flag, JobRun, Listing
from crawler.timeutil import FixedClock
from scheduler.pipeline import NightlyOptions, flags_without_evidence, run_nightly
from scheduler.tasks import run_task
from tests.resources import require_chromium


@pytest.fixture
def context(tmp_path: Path, sandbox) -> AppContext:
    settings = load_settings(
        data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 's.db'}", sandbox_url=sandbox.url
    )
    ctx = AppContext(settings=settings, clock=FixedClock(datetime(2026, 11, 24, 17, 0, tzinfo=UTC)))
    migrate.upgrade(ctx.engine)
    shipped = Path(str(resources.files("crawler.sandbox").joinpath("data/references.csv")))
    import_file(ctx.sessions, ctx.clock, shipped, imported_by="test")
    yield ctx
    ctx.close()


@pytest.mark.sandbox(size=300)
def test_one_night_crawls_flags_and_captures_evidence(context: AppContext) -> None:
    require_chromium()
    stages: list[tuple[str, str]] = []
    report = run_nightly(
        context,
        NightlyOptions(
            platforms=["jd", "amazon"], categories=["power_bank"], depth=1, max_terms=1, notify=False
        ),
        progress=lambda stage, state: stages.append((stage, state)),
    )
    assert report.ok, report.to_json()
    assert [s.name for s in report.stages] == ["crawl", "match", "signals", "evidence", "coverage", "digest"]
    assert [name for name, state in stages if state == "started"] == [
        "crawl",
        "match",
        "signals",
        "evidence",
        "coverage",
        "digest",
    ]
    crawl = report.stage("crawl").detail
    assert crawl["totals"]["listings_seen"] == 20 and crawl["totals"]["blocked"] == 0
    with context.sessions() as session:
        assert session.scalar(select(func.count(Listing.id))) == 20
        flags = session.scalar(select(func.count(Flag.id)).where(Flag.kind == "match"))
        captured = session.scalar(select(func.count(func.distinct(EvidenceCapture.listing_id))))
    assert flags == 1, "the sandbox plants one match in every 20 listings of a category"
    assert report.stage("match").detail["flags_created"] == flags
    assert flags_without_evidence(context) == [], "every flag has its evidence"
    assert captured == 1
    assert report.stage("coverage").detail["cells"] == 2
    # The planted match scores above the digest's threshold (0.6); nothing blocked or failed.
    assert report.stage("digest").detail["sections"] == {
        "high_risk_flags": 1,
        "blocked": 0,
        "layout_changed": 0,
        "field_alarms": 0,
        "failed_runs": 0,
        "overdue_purchases": 0,
    }


@pytest.mark.sandbox(size=300)
def test_a_failed_crawl_is_reported_and_the_rest_of_the_night_goes_on(context: AppContext) -> None:
    report = run_nightly(context, NightlyOptions(platforms=["nosuchplatform"], evidence=False, notify=False))
    assert not report.ok
    assert report.stage("crawl").ok is False and "crawl exited" in report.stage("crawl").detail["error"]
    assert report.stage("match").ok and report.stage("digest").ok


def test_scheduled_digest_task_is_recorded(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 's.db'}")
    ctx = AppContext(settings=settings, clock=FixedClock(datetime(2026, 11, 24, 23, 30, tzinfo=UTC)))
    migrate.upgrade(ctx.engine)
    outcome = run_task(ctx, "digest.morning", "digest")
    assert outcome.outcome == "ok"
    with ctx.sessions() as session:
        assert session.scalar(select(JobRun.outcome).where(JobRun.job_id == "digest.morning")) == "ok"
    ctx.close()
