"""APScheduler with the database job store: stable ids, no lost misfires, coalesced catch-up."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.config import load_settings
from crawler.storage.engine import make_engine, make_session_factory
from crawler.storage.repositories.scheduling import JobRunRepository
from scheduler.jobs import JobSpec, job_specs
from scheduler.runner import build_scheduler, sync_jobs


def test_job_ids_are_stable_and_crawls_are_staggered():
    specs = job_specs()
    ids = [s.job_id for s in specs]
    assert len(ids) == len(set(ids))
    assert {
        "crawl.jd",
        "crawl.amazon",
        "pipeline.after-crawl",
        "digest.morning",
        "purchases.weekly-plan",
        "takedown.recheck",
        "relisting.search",
    } <= set(ids)
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    fires = {s.job_id: s.trigger.get_next_fire_time(None, now) for s in specs}
    assert fires["crawl.jd"] == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # 01:00 Asia/Shanghai
    assert fires["crawl.taobao"] - fires["crawl.jd"] == timedelta(minutes=15)
    assert fires["pipeline.after-crawl"] > max(v for k, v in fires.items() if k.startswith("crawl."))


def _settings(db_url: str):
    return load_settings(database_url=db_url)


def test_a_missed_night_runs_once_when_the_scheduler_comes_back(db_url, monkeypatch):
    monkeypatch.setenv("SURVEIL_DATABASE_URL", db_url)
    settings = _settings(db_url)
    spec = JobSpec("check.nightly", "check", job_specs()[0].trigger)
    first = build_scheduler(settings, BackgroundScheduler)
    first.start(paused=True)
    assert sync_jobs(first, [spec]) == {"check.nightly": "added"}
    # The stored next run time lies three nights back: the scheduler was down since then.
    first.modify_job("check.nightly", next_run_time=datetime.now(UTC) - timedelta(days=3))
    # Detach the store before stopping: a stopping scheduler would otherwise process the due job itself.
    first.remove_jobstore("default")
    first.shutdown(wait=True)

    again = build_scheduler(settings, BackgroundScheduler)
    done = threading.Event()
    events: list[int] = []

    def listen(event) -> None:
        events.append(event.code)
        done.set()

    again.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    again.start(paused=True)
    assert sync_jobs(again, [spec]) == {"check.nightly": "kept"}
    again.resume()
    assert done.wait(30), "the missed run did not happen"
    next_run = again.get_job("check.nightly").next_run_time
    again.shutdown(wait=True)
    assert events == [EVENT_JOB_EXECUTED]
    assert next_run > datetime.now(UTC)
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        runs = JobRunRepository(session).for_job("check.nightly")
    engine.dispose()
    assert [r.outcome for r in runs] == ["ok"]


def test_sync_removes_unknown_and_reschedules_changed(db_url):
    settings = _settings(db_url)
    sched = build_scheduler(settings, BackgroundScheduler)
    sched.start(paused=True)
    specs = job_specs()
    sync_jobs(sched, specs)
    changed = [
        JobSpec(s.job_id, s.task, job_specs(crawl_start_hour=2)[i].trigger, s.params)
        if s.job_id == "crawl.jd"
        else s
        for i, s in enumerate(specs)
        if s.job_id != "relisting.search"
    ]
    report = sync_jobs(sched, changed)
    sched.shutdown(wait=False)
    assert report["relisting.search"] == "removed"
    assert report["crawl.jd"] == "changed"
    assert report["digest.morning"] == "kept"
