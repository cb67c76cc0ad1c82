"""Workers share one sandbox crawl through Redis into one PostgreSQL database, compared with a
single-process crawl of the same sandbox: one of three workers is killed with SIGKILL while it holds
leased requests, a seed is held by a worker that died before handing it over, and the stored listings,
the listings seen and the listings marked gone still equal the single-process crawl's."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.config import Settings
from crawler.context import AppContext
from crawler.crawling.runner import CrawlPlan
from crawler.distributed import coordinator
from crawler.distributed.keys import Keys
from crawler.distributed.queue import LeasedStore
from crawler.items import ListingItem
from crawler.storage import migrate
from crawler.storage.engine import make_engine, make_session_factory, transaction
from crawler.storage.models import Category, CrawlRun, CrawlStat, Listing, Platform, RunStatus
from crawler.storage.repositories import CategoryRepository, ListingRepository, PlatformRepository
from crawler.timeutil import FixedClock
from tests.distributed.helpers import (
    REDIS_URL,
    REPO,
    child_env,
    redis_reason,
    settings_args,
    start_workers,
)
from tests.resources import Resource, require, require_chromium

pytestmark = [pytest.mark.redis, pytest.mark.browser]

PLATFORMS = ["jd", "yhd"]
CATEGORIES = ["mask", "towel"]
NOW = "2026-11-20T18:00:00+00:00"
SETTINGS = {
    "LOG_LEVEL": "INFO",
    "SURVEIL_NOW": NOW,
    "SURVEIL_IMAGES_ENABLED": False,
    "SURVEIL_LEASE_SECONDS": 4,
    "SURVEIL_PLATFORM_INTERVAL": {"jd": 0.01, "yhd": 0.01},
    "DOWNLOAD_SLOTS": {"jd": {"concurrency": 2, "delay": 0.02}, "yhd": {"concurrency": 2, "delay": 0.02}},
}
#: Listings stored before the crawl that the sandbox does not offer: a complete crawl marks them gone.
STALE = [(p, c, f"stale-{p}-{c}") for p in PLATFORMS for c in CATEGORIES]


@dataclass
class Outcome:
    listings: list[tuple[str, str]]
    seen: dict[tuple[str, str], int]
    gone: set[tuple[str, str]]


@pytest.fixture(scope="module")
def sandbox() -> Iterator:
    from crawler.sandbox.testing import running_sandbox

    require(Resource.REDIS, redis_reason())
    require_chromium()  # JD requests are signed in a Chromium page
    with running_sandbox(size=600, in_process=False) as handle:
        yield handle


@pytest.fixture(scope="module")
def single(sandbox, tmp_path_factory) -> Outcome:
    """The single-process crawl of the same plan, stale listings planted first."""
    data = tmp_path_factory.mktemp("single")
    url = f"sqlite:///{data / 'surveil.db'}"
    plant_stale(url)
    args = [a for p in PLATFORMS for a in ("-p", p)] + [a for c in CATEGORIES for a in ("-c", c)]
    done = subprocess.run(
        [sys.executable, "-m", "crawler.crawling.runner", *args, "--depth", "2", "--max-terms", "1"]
        + settings_args({k: v for k, v in SETTINGS.items() if not k.startswith("SURVEIL_PLATFORM")}),
        cwd=REPO,
        env=child_env(url, data, sandbox.url),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = outcome_of(url)
    assert len(outcome.listings) >= 40 + len(STALE), "the sandbox should offer listings in both platforms"
    assert outcome.gone == {(p, i) for p, _, i in STALE}, "the single-process crawl closes every category out"
    return outcome


def wait_for(condition, victim: subprocess.Popen, what: str, timeout: float = 240) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert victim.poll() is None, f"the victim exited while waiting for {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _clock() -> FixedClock:
    return FixedClock(datetime.fromisoformat(NOW))


def plant_stale(url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    earlier = FixedClock(datetime.fromisoformat("2026-11-01T18:00:00+00:00"))
    with transaction(make_session_factory(engine)) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, earlier).sync(load_categories().categories)
        items = [ListingItem(platform=p, item_id=i, title=f"{c} 旧", category=c) for p, c, i in STALE]
        ListingRepository(session).upsert_batch(items, earlier.now())
    engine.dispose()


def outcome_of(url: str, run_id: int | None = None) -> Outcome:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            listings = [
                tuple(row)
                for row in session.execute(
                    select(Platform.code, Listing.platform_item_id).join(
                        Platform, Listing.platform_id == Platform.id
                    )
                ).all()
            ]
            gone = {
                tuple(row)
                for row in session.execute(
                    select(Platform.code, Listing.platform_item_id)
                    .join(Platform, Listing.platform_id == Platform.id)
                    .where(Listing.gone_at.is_not(None))
                ).all()
            }
            stats = select(Platform.code, Category.code, CrawlStat.listings_seen).join(
                Platform, CrawlStat.platform_id == Platform.id
            )
            stats = stats.join(Category, CrawlStat.category_id == Category.id)
            if run_id is not None:
                stats = stats.where(CrawlStat.run_id == run_id)
            seen = {(p, c): n for p, c, n in session.execute(stats).all()}
    finally:
        engine.dispose()
    return Outcome(listings, seen, gone)


def distributed_context(url: str, data: Path, sandbox_url: str) -> AppContext:
    return AppContext(
        settings=Settings(database_url=url, data_dir=data, sandbox_url=sandbox_url), clock=_clock()
    )


def check_equal(single: Outcome, url: str, run_id: int) -> None:
    got = outcome_of(url, run_id)
    assert len(got.listings) == len(set(got.listings)), "a listing was stored twice"
    missing = set(single.listings) - set(got.listings)
    extra = set(got.listings) - set(single.listings)
    assert not missing and not extra, f"missing {sorted(missing)[:10]}, extra {sorted(extra)[:10]}"
    assert got.seen == single.seen, "listings seen are counted once per platform × category"
    assert got.gone == single.gone


def start_run(tmp_path: Path, prefix: str, url: str, sandbox_url: str):  # noqa: ANN201
    """A distributed run over a database holding stale listings: its data folder, context, keys, Redis and id."""
    data = tmp_path / "distributed"
    data.mkdir()
    plant_stale(url)
    context = distributed_context(url, data, sandbox_url)
    keys = Keys(prefix)
    server = coordinator.connect(REDIS_URL)
    plan = CrawlPlan(platforms=PLATFORMS, categories=CATEGORIES, depth=2, max_terms=1)
    return data, context, keys, server, coordinator.start_run(context, plan, server, keys)


def test_killed_worker_loses_nothing(tmp_path, prefix, empty_postgres, sandbox, single):
    data, context, keys, server, run_id = start_run(tmp_path, prefix, empty_postgres, sandbox.url)
    env = child_env(empty_postgres, data, sandbox.url)
    # The victim is slow (a long per-platform delay): it takes requests from the queue and holds them
    # in its downloader. It starts alone, so it surely holds work when the other two join.
    slow = {
        **SETTINGS,
        "LOG_LEVEL": "DEBUG",
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_SLOTS": {
            "jd": {"concurrency": 1, "delay": 2.0},
            "yhd": {"concurrency": 1, "delay": 2.0},
        },
    }
    queues = {p: LeasedStore(server, keys.queue(p)) for p in PLATFORMS}
    workers = list(start_workers(1, prefix, env, slow, tmp_path))
    victim = workers[0]
    owner = f"{socket.gethostname()}:{victim.pid}"
    log = tmp_path / "worker0.log"
    held: dict[str, list[str]] = {}
    try:
        wait_for(
            lambda: (
                log.read_text(errors="replace").count("Crawled (") >= 2
                and any(q.held_by(owner) for q in queues.values())
            ),
            victim,
            "the victim to crawl and hold leased requests",
        )
        workers += list(start_workers(2, prefix, env, SETTINGS, tmp_path, first=1))
        logs = [tmp_path / f"worker{n}.log" for n in (1, 2)]
        wait_for(
            lambda: all(
                f.exists() and f.read_text(errors="replace").count("Spider opened") == 2 for f in logs
            ),
            victim,
            "the other workers to open their spiders",
        )
        # Frozen first, so what Redis says it holds is what it holds when it dies.
        victim.send_signal(signal.SIGSTOP)
        held = {p: q.held_by(owner) for p, q in queues.items()}
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        assert any(held.values()), "the victim should hold leased requests when it is killed"
        assert coordinator.wait_drained(server, keys, PLATFORMS, timeout=300, poll=0.5)
        for n, worker in enumerate(workers[1:], start=1):
            assert worker.wait(120) == 0, (tmp_path / f"worker{n}.log").read_text()[-3000:]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    for platform, leases in held.items():
        assert queues[platform].requeued() >= len(leases), f"{platform}: the victim's leases come back"
        assert queues[platform].held_by(owner) == []
    assert not any(q.dead() for q in queues.values())
    coordinator.finish_run(context, run_id, server, keys, PLATFORMS)
    check_equal(single, empty_postgres, run_id)
    engine = make_engine(empty_postgres)
    with make_session_factory(engine)() as session:
        run = session.get(CrawlRun, run_id)
        assert run.status == RunStatus.FINISHED, (run.status, run.summary)
        assert run.summary["totals"]["requests"] > 0
    engine.dispose()
    assert not server.exists(keys.run)
    assert not list(server.scan_iter(match=f"{prefix}:run{run_id}:*")), "the run's keys are retired"
    context.close()


def test_seed_held_by_a_dead_worker_is_crawled(tmp_path, prefix, empty_postgres, sandbox, single):
    data, context, keys, server, run_id = start_run(tmp_path, prefix, empty_postgres, sandbox.url)
    # What a worker killed between taking a seed and queueing its searches leaves behind.
    ghost = LeasedStore(server, keys.seeds("yhd"), lease_seconds=3, owner="crawl9:999")
    taken = ghost.pop()
    assert taken is not None and ghost.held_by("crawl9:999") == [taken[0]]
    env = child_env(empty_postgres, data, sandbox.url)
    workers = list(start_workers(1, prefix, env, SETTINGS, tmp_path))
    try:
        assert coordinator.wait_drained(server, keys, PLATFORMS, timeout=300, poll=0.5)
        assert workers[0].wait(120) == 0, (tmp_path / "worker0.log").read_text()[-3000:]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert ghost.requeued() == 1 and ghost.dead() == 0
    coordinator.finish_run(context, run_id, server, keys, PLATFORMS)
    check_equal(single, empty_postgres, run_id)
    engine = make_engine(empty_postgres)
    with make_session_factory(engine)() as session:
        run = session.get(CrawlRun, run_id)
        assert {f"{p}:{c}" for p in PLATFORMS for c in CATEGORIES} <= set(run.summary["done"])
        assert run.summary["totals"]["gone"] == len(STALE)
    engine.dispose()
    context.close()
