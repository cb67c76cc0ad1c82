"""Seven nights under the combined fault profile, with the scheduler and the crawler killed at random.

Each night runs the scheduled jobs through ``surveil scheduler run-job`` in their own process groups; some
are killed with SIGKILL part-way (the job process and its crawler child together) and run again once the
lease has expired, as the scheduler would on its next wake-up. Afterwards nothing is lost or duplicated
compared with the sandbox's truth, every flag has its evidence, and every job ran once per night.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.config import load_settings
from crawler.context import AppContext
from crawler.references.importer import import_file
from crawler.sandbox.testing import running_sandbox
from crawler.storage import migrate
from crawler.storage.models import JobRun, Listing, Platform
from scheduler.pipeline import flags_without_evidence
from tests.resources import require_chromium

pytestmark = pytest.mark.slow

NIGHTS = 7
PLATFORMS = ("jd", "amazon")
CATEGORY = "power_bank"
JOBS = [f"crawl.{p}" for p in PLATFORMS] + ["pipeline.after-crawl"]
LEASE_SECONDS = 2.0
FIRST_NIGHT = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)  # 01:00 in Asia/Shanghai


def _run_job(job: str, at: datetime, env: dict[str, str], kill_after: float | None) -> str:
    argv = [sys.executable, "-m", "crawler", "scheduler", "run-job", job, "--at", at.isoformat()]
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return "killed"
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, f"{job}: {out[-1500:]} {err[-3000:]}"
    return "ran"


def test_seven_nights_with_faults_and_kills(tmp_path: Path) -> None:
    require_chromium()
    db_url = f"sqlite:///{tmp_path / 'surveil.db'}"
    settings = load_settings(data_dir=tmp_path / "var", database_url=db_url)
    context = AppContext(settings=settings)
    migrate.upgrade(context.engine)
    shipped = Path(str(resources.files("crawler.sandbox").joinpath("data/references.csv")))
    import_file(context.sessions, context.clock, shipped, imported_by="soak")
    rng = random.Random(20261101)
    env = {
        **os.environ,
        "SURVEIL_DATABASE_URL": db_url,
        "SURVEIL_DATA_DIR": str(tmp_path / "var"),
        "SURVEIL_CRAWL_DEPTH": "2",
        "SURVEIL_CRAWL_MAX_TERMS": "1",
        "SURVEIL_CRAWL_CATEGORIES": f'["{CATEGORY}"]',
        "SURVEIL_SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    expected: dict[str, set[str]] = {p: set() for p in PLATFORMS}
    kills = Counter()
    for night in range(NIGHTS):
        at = FIRST_NIGHT + timedelta(days=night)
        with running_sandbox(seed=5, size=200, night=night, faults="all", in_process=False) as sandbox:
            env["SURVEIL_SANDBOX_URL"] = sandbox.url
            for job in JOBS:
                kill_after = rng.uniform(1.0, 6.0) if rng.random() < 0.5 else None
                if _run_job(job, at, env, kill_after) == "killed":
                    kills[job] += 1
                    time.sleep(LEASE_SECONDS + 0.5)
                    _run_job(job, at, env, None)
            for platform in PLATFORMS:
                expected[platform] |= {
                    r["item_id"]
                    for r in sandbox.truth(platform)
                    if r.get("type") == "listing" and r["category"] == CATEGORY and r["status"] == "live"
                }
        with context.sessions() as session:
            for platform in PLATFORMS:
                stored = list(
                    session.scalars(
                        select(Listing.platform_item_id).join(Platform).where(Platform.code == platform)
                    )
                )
                assert len(stored) == len(set(stored)), f"night {night}: duplicated {platform} listings"
                assert set(stored) == expected[platform], (
                    f"night {night}: {platform} lost {sorted(expected[platform] - set(stored))[:5]}, "
                    f"extra {sorted(set(stored) - expected[platform])[:5]}"
                )
        assert flags_without_evidence(context) == [], f"night {night}: flags without evidence"
    assert sum(kills.values()) >= 3, f"the random kills should hit running jobs: {kills}"
    with context.sessions() as session:
        runs = session.execute(select(JobRun.job_id, JobRun.outcome)).all()
    completed = Counter(job for job, outcome in runs if outcome in ("ok", "partial"))
    assert completed == dict.fromkeys(JOBS, NIGHTS), completed
    context.close()
