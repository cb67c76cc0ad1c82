"""The operator's metrics: the series are read from the database, and /metrics wants its own token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from typer.testing import CliRunner

from crawler.config import Settings
from crawler.context import AppContext
from crawler.operations.metrics import exposition
from crawler.storage.engine import transaction
from crawler.storage.models import (
    Category,
    EvidenceCapture,
    FlagStatus,
    JobRun,
    Listing,
    LoginAttempt,
    Platform,
    RunStatus,
)
from crawler.storage.repositories.runs import RunRepository
from crawler.timeutil import FixedClock
from crawler.web import WebConfig, create_app
from tests.evidence.conftest import add_listing
from tests.web.seeding import add_flag, add_reference_entries, load_catalogue

TOKEN = "scrape-token-0123456789"


@pytest.fixture
def context(db_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[AppContext]:
    made = AppContext(
        settings=Settings(data_dir=tmp_path / "data", database_url=db_url, metrics_token=TOKEN), clock=clock
    )
    yield made
    made.close()


def seed_operations(context: AppContext) -> None:
    """Two finished JD runs (the latest with a blocked and a layout-changed cell), flags, captures,
    scheduler runs and sign-ins."""
    clock = context.clock
    now = clock.now()
    load_catalogue(context.sessions, clock)  # type: ignore[arg-type]
    listing_id, _ = add_listing(context)
    other_id, _ = add_listing(context, "100099999999", flagged=False)
    entries = add_reference_entries(context.sessions, clock, [{"ref_key": "a"}, {"ref_key": "b"}])  # type: ignore[arg-type]
    with transaction(context.sessions) as session:
        jd = session.scalar(select(Platform).where(Platform.code == "jd"))
        taobao = session.scalar(select(Platform).where(Platform.code == "taobao"))
        cats = list(session.scalars(select(Category).order_by(Category.code)))[:3]
        runs = RunRepository(session, clock)
        old = runs.start("nightly")
        runs.add_counts(runs.stat(old, jd, cats[0]), requests=2, pages_fetched=2, listings_seen=99, new=99)
        runs.finish(old)
        latest = runs.start("nightly")
        runs.add_counts(
            runs.stat(latest, jd, cats[0]), requests=5, pages_fetched=4, listings_seen=40, new=7, gone=3
        )
        blocked = runs.stat(latest, jd, cats[1])
        runs.mark_blocked(blocked, "slider captcha")
        runs.add_counts(blocked, requests=1)
        changed = runs.stat(latest, jd, cats[2])
        runs.add_counts(changed, requests=3, pages_fetched=3, layout_changed=2)
        runs.finish(latest, RunStatus.PARTIAL)
        running = runs.start("nightly")  # still running: not the latest finished run
        runs.add_counts(runs.stat(running, jd, cats[0]), requests=1, pages_fetched=1, listings_seen=500)
        runs.add_counts(runs.stat(running, taobao, cats[0]), requests=1, pages_fetched=1, listings_seen=5)
        listing = session.get(Listing, listing_id)
        add_flag(session, other_id, entries[0], 0.9, now, [{"field": "model"}])
        add_flag(session, other_id, entries[1], 0.8, now, [{"field": "brand"}], status=FlagStatus.CONFIRMED)
        for status in ("complete", "complete", "partial"):
            session.add(
                EvidenceCapture(
                    listing_id=listing.id, captured_at=now, requested_url=listing.url, status=status
                )
            )
        hour = timedelta(hours=1)
        session.add_all(
            [
                JobRun(
                    job_id="crawl.jd", started_at=now - 5 * hour, finished_at=now - 4 * hour, outcome="ok"
                ),
                JobRun(
                    job_id="crawl.jd",
                    started_at=now - 2 * hour,
                    finished_at=now - 2 * hour + timedelta(seconds=90),
                    outcome="failed",
                ),
                JobRun(
                    job_id="pipeline.after-crawl",
                    started_at=now - hour,
                    finished_at=now - hour + timedelta(seconds=30),
                    outcome="ok",
                ),
            ]
        )
        session.add_all(
            [
                LoginAttempt(at=now - hour, username="analyst", client="10.0.0.2", succeeded=False),
                LoginAttempt(at=now - 2 * hour, username="analyst", client="10.0.0.2", succeeded=False),
                LoginAttempt(at=now - 50 * hour, username="analyst", client="10.0.0.2", succeeded=False),
                LoginAttempt(at=now - hour, username="analyst", client="10.0.0.2", succeeded=True),
            ]
        )


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


def test_series_agree_with_the_database(context: AppContext) -> None:
    seed_operations(context)
    now = context.clock.now()
    with context.sessions() as session:
        found = samples(exposition(session, now).decode())
    assert value(found, "surveil_crawl_runs", platform="jd", status="finished") == 1
    assert value(found, "surveil_crawl_runs", platform="jd", status="partial") == 1
    assert value(found, "surveil_crawl_runs", platform="jd", status="running") == 1
    assert value(found, "surveil_last_run_listings", platform="jd", kind="seen") == 40
    assert value(found, "surveil_last_run_listings", platform="jd", kind="new") == 7
    assert value(found, "surveil_last_run_listings", platform="jd", kind="gone") == 3
    assert value(found, "surveil_last_run_cells", platform="jd", status="blocked") == 1
    assert value(found, "surveil_last_run_cells", platform="jd", status="layout_changed") == 1
    assert value(found, "surveil_last_run_cells", platform="jd", status="ok") == 1
    assert value(found, "surveil_last_run_cells", platform="jd", status="empty") == 0
    assert value(found, "surveil_last_run_layout_changed_pages", platform="jd") == 2
    assert ("surveil_last_run_listings", frozenset({("platform", "taobao"), ("kind", "seen")})) not in found
    assert value(found, "surveil_review_queue_depth") == 2  # the evidence listing's flag and one match flag
    assert value(found, "surveil_flags", kind="match", status="confirmed") == 1
    assert value(found, "surveil_matches", decision="match") == 2
    assert value(found, "surveil_evidence_captures", status="complete") == 2
    assert value(found, "surveil_evidence_captures", status="partial") == 1
    assert value(found, "surveil_job_runs", job="crawl.jd", outcome="failed") == 1
    assert value(found, "surveil_job_last_duration_seconds", job="crawl.jd") == 90
    assert (
        value(found, "surveil_job_last_success_timestamp_seconds", job="crawl.jd")
        == (now - timedelta(hours=4)).timestamp()
    )
    assert value(found, "surveil_login_failures_24h") == 2
    assert value(found, "surveil_login_attempts", outcome="failed") == 3


def test_metrics_route_wants_its_own_token(context: AppContext) -> None:
    seed_operations(context)
    with TestClient(create_app(context, WebConfig()), follow_redirects=False) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert value(samples(response.text), "surveil_review_queue_depth") == 2


def test_no_token_set_means_no_metrics_route(context: AppContext) -> None:
    unset = AppContext(
        settings=context.settings.model_copy(update={"metrics_token": None}), clock=context.clock
    )
    try:
        with TestClient(create_app(unset, WebConfig()), follow_redirects=False) as client:
            assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    finally:
        unset.close()


def test_metrics_command_prints_the_same_text(context: AppContext, db_url: str) -> None:
    from crawler.cli import app

    seed_operations(context)
    result = CliRunner().invoke(app, ["--database-url", db_url, "metrics"])
    assert result.exit_code == 0, result.output
    assert value(samples(result.output), "surveil_last_run_layout_changed_pages", platform="jd") == 2
