"""``surveil crawl --distributed`` seeds the shared Redis queue, a ``surveil worker --once`` drains it, and
the command finishes the run and prints its coverage."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crawler.config import Settings
from crawler.context import AppContext
from crawler.storage.models import CrawlRun, CrawlStat, Listing
from tests.distributed.helpers import REDIS_URL

pytestmark = pytest.mark.redis


@pytest.mark.sandbox(size=100)
def test_distributed_crawl_with_one_worker(make_cli, sandbox, redis_prefix):
    cli = make_cli(
        SURVEIL_SANDBOX_URL=sandbox.url, SURVEIL_REDIS_URL=REDIS_URL, SURVEIL_REDIS_PREFIX=redis_prefix
    )
    worker = cli.popen("worker", "--once", "--wait", "5", "--set", "SURVEIL_IMAGES_ENABLED=false")
    try:
        done = cli(
            "crawl",
            "--distributed",
            *("-p", "jd", "-c", "power_bank", "--depth", "1", "--max-terms", "1"),
            timeout=400,
        )
        assert done.code == 0, done.explain()
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, out + err
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    match = re.search(rf"run (\d+): seeded jd for the workers at {re.escape(REDIS_URL)}", done.out)
    assert match, done.out
    run_id = int(match.group(1))
    assert f"run {run_id}: drained" in out

    context = AppContext(settings=Settings(data_dir=cli.data_dir, database_url=cli.database_url))
    with context.sessions() as session:
        run = session.get(CrawlRun, run_id)
        assert str(run.status) == "finished" and run.finished_at is not None
        assert (run.options or {}).get("distributed") is True
        (stat,) = session.scalars(select(CrawlStat).where(CrawlStat.run_id == run_id)).all()
        cell = (stat.platform.code, stat.blocked, stat.listings_seen)
        stored = session.scalar(select(func.count(Listing.id)))
    context.close()
    assert stored > 0 and cell == ("jd", False, stored)
    # the coverage table the command prints at the end names the cell and its count
    row = next(line for line in done.out.splitlines() if "power_bank" in line)
    assert "jd" in row and str(stored) in row
