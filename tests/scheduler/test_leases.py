"""Job leases on both backends: one holder at a time, expiry, and runs recorded with outcomes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from crawler.storage.models import JobRun
from crawler.storage.repositories.scheduling import JobRunRepository, LeaseRepository
from scheduler.leases import LeasedJobRunner


def test_only_one_holder_until_release_or_expiry(sessions, clock):
    leases = LeaseRepository(sessions)
    ttl = timedelta(minutes=2)
    assert leases.acquire("crawl.jd", "host-a", clock.now(), ttl)
    assert not leases.acquire("crawl.jd", "host-b", clock.now(), ttl)
    assert leases.acquire("crawl.jd", "host-a", clock.now(), ttl), "the holder may re-take its own lease"
    assert leases.holder_of("crawl.jd", clock.now()) == "host-a"
    clock.advance(timedelta(minutes=3))
    assert leases.acquire("crawl.jd", "host-b", clock.now(), ttl), "an expired lease is free"
    leases.release("crawl.jd", "host-a")
    assert leases.holder_of("crawl.jd", clock.now()) == "host-b", "release by a non-holder changes nothing"
    leases.release("crawl.jd", "host-b")
    assert leases.acquire("crawl.jd", "host-c", clock.now(), ttl)


def test_concurrent_acquirers_get_exactly_one_lease(sessions, clock):
    leases = LeaseRepository(sessions)
    winners: list[str] = []
    barrier = threading.Barrier(6)

    def contend(name: str) -> None:
        barrier.wait()
        if leases.acquire("pipeline", name, clock.now(), timedelta(minutes=5)):
            winners.append(name)

    threads = [threading.Thread(target=contend, args=(f"h{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_runner_skips_a_held_job_and_records_every_outcome(sessions, clock):
    other = LeaseRepository(sessions)
    assert other.acquire("digest.morning", "elsewhere", clock.now(), timedelta(minutes=5))
    runner = LeasedJobRunner(sessions, clock, holder="here")
    skipped = runner.run("digest.morning", lambda: {"sent": 1})
    assert skipped.outcome == "skipped" and "elsewhere" in skipped.detail["reason"]
    other.release("digest.morning", "elsewhere")
    done = runner.run("digest.morning", lambda: {"sent": 1})
    assert done.outcome == "ok"

    def boom() -> dict:
        raise RuntimeError("SMTP down")

    with pytest.raises(RuntimeError):
        runner.run("digest.morning", boom)
    with sessions() as session:
        runs = JobRunRepository(session).for_job("digest.morning")
        assert [r.outcome for r in runs] == ["skipped", "ok", "failed"]
        assert "SMTP down" in runs[-1].detail["error"]
        assert all(isinstance(r, JobRun) and r.finished_at is not None for r in runs)
    assert LeaseRepository(sessions).holder_of("digest.morning", clock.now()) is None


def test_a_job_completed_for_its_scheduled_time_is_not_run_again(sessions, clock):
    runner = LeasedJobRunner(sessions, clock, holder="here")
    night = clock.now()
    calls: list[int] = []
    assert runner.run("crawl.jd", lambda: calls.append(1) or {}, scheduled_for=night).outcome == "ok"
    again = runner.run("crawl.jd", lambda: calls.append(2) or {}, scheduled_for=night)
    assert again.outcome == "skipped" and again.detail["already_done"] is True
    assert (
        runner.run("crawl.jd", lambda: calls.append(3) or {}, scheduled_for=night + timedelta(days=1)).outcome
        == "ok"
    )
    assert calls == [1, 3]
