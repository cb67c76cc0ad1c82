"""The nightly pipeline crawls through the shared queue and matches only once it has drained."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from crawler.config import Settings
from crawler.context import AppContext
from crawler.distributed import coordinator
from crawler.distributed.keys import Keys
from crawler.storage.models import CrawlRun, Listing, RunStatus
from crawler.timeutil import FixedClock
from scheduler.pipeline import NightlyOptions, crawl_stage, run_nightly
from tests.distributed.helpers import (
    REDIS_URL,
    child_env,
    start_workers,
)

NOW = "2026-11-20T18:00:00+00:00"


def test_distributed_crawl_stage_needs_redis_url(tmp_path):
    context = AppContext(
        settings=Settings(database_url=f"sqlite:///{tmp_path / 's.db'}", data_dir=tmp_path),
        clock=FixedClock(datetime.fromisoformat(NOW)),
    )
    with pytest.raises(RuntimeError, match="redis_url"):
        crawl_stage(context, NightlyOptions(platforms=["jd"], distributed=True))
    context.close()


def test_nightly_waits_for_the_queue_before_matching(tmp_path, prefix, empty_postgres):
    from crawler.sandbox.testing import running_sandbox

    with running_sandbox(size=300, in_process=False) as sandbox:
        settings = Settings(
            database_url=empty_postgres,
            data_dir=tmp_path,
            sandbox_url=sandbox.url,
            redis_url=REDIS_URL,
            redis_prefix=prefix,
        )
        context = AppContext(settings=settings, clock=FixedClock(datetime.fromisoformat(NOW)))
        keys = Keys(prefix)
        server = coordinator.connect(REDIS_URL)
        seen_at_match: dict[str, object] = {}

        def progress(stage: str, state: str) -> None:
            if stage == "match" and "match" not in seen_at_match:
                seen_at_match["match"] = coordinator.pending(server, keys, ["jd"])
                with context.sessions() as session:
                    seen_at_match["listings"] = session.scalar(select(func.count(Listing.id)))

        env = child_env(empty_postgres, tmp_path, sandbox.url)
        worker_settings = {"SURVEIL_NOW": NOW, "SURVEIL_IMAGES_ENABLED": False, "SURVEIL_LEASE_SECONDS": 5}
        workers = list(start_workers(1, prefix, env, worker_settings, tmp_path))
        try:
            options = NightlyOptions(
                platforms=["jd"],
                categories=["mask"],
                depth=1,
                max_terms=1,
                evidence=False,
                notify=False,
                distributed=True,
                crawl_timeout=80,
            )
            report = run_nightly(context, options, progress=progress)
            assert workers[0].wait(30) == 0, (tmp_path / "worker0.log").read_text()[-3000:]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()
        crawl = report.stage("crawl")
        assert crawl.ok, crawl.detail
        assert crawl.detail["distributed"] is True
        assert seen_at_match["match"] == 0, "matching started before the queue drained"
        assert seen_at_match["listings"] > 0
        with context.sessions() as session:
            run = session.get(CrawlRun, crawl.detail["run_id"])
            assert run.status == RunStatus.FINISHED, (run.status, run.summary)
            assert run.finished_at is not None
        assert report.stage("match") is not None
        context.close()
