"""``surveil scheduler jobs | run | history`` through the real entry point, on a SQLite file."""

from __future__ import annotations

import json
import signal

from sqlalchemy import func, select, text

from crawler.catalogue.schema import load_platforms
from crawler.storage.engine import make_engine, make_session_factory
from crawler.storage.models import JobRun

#: 07:30 in Shanghai: the morning digest is the one job due then (no crawl, no browser).
DIGEST_TICK = "2026-11-21T07:30:00+08:00"


def test_jobs_schedule_a_crawl_for_every_platform_of_the_platform_list(cli):
    done = cli.inline("scheduler", "jobs", "--json")
    assert done.code == 0, done.explain()
    jobs = {row["job_id"]: row for row in json.loads(done.out)}
    codes = [p.code for p in load_platforms()]
    assert "ocj" in codes, "the platform list names 东方CJ"
    assert {f"crawl.{code}" for code in codes} <= set(jobs), sorted(jobs)
    assert jobs["crawl.ocj"]["params"] == {"platform": "ocj"}
    # staggered 15 minutes from 01:00 in the list's order, the last one before the 04:30 pipeline
    hour, minute = divmod(60 + 15 * (len(codes) - 1), 60)
    assert jobs[f"crawl.{codes[-1]}"]["trigger"] == f"cron[hour='{hour}', minute='{minute}']"
    assert hour * 60 + minute < 4 * 60 + 30
    assert {"pipeline.after-crawl", "takedown.recheck", "digest.morning"} <= set(jobs)
    # the re-check reads SURVEIL_TAKEDOWN_RECHECK_DAYS when it runs instead of a fixed 7
    assert jobs["takedown.recheck"]["params"] == {}

    table = cli.inline("scheduler", "jobs")
    assert table.code == 0, table.explain()
    assert "crawl.ocj" in table.out and "Asia/Shanghai" in table.out


def test_history_of_nothing_says_so(cli):
    done = cli.inline("scheduler", "history")
    assert done.code == 0, done.explain()
    assert done.out.strip() == "No runs of any job recorded yet: the scheduler has not run it."
    done = cli.inline("scheduler", "history", "--job", "digest.morning", "--json")
    assert done.code == 0 and json.loads(done.out) == []


def test_one_tick_stores_the_jobs_runs_the_due_one_and_history_shows_it(cli):
    first = cli("scheduler", "run", "--once", "--at", DIGEST_TICK)
    assert first.code == 0, first.explain()
    lines = first.out.splitlines()
    assert any(line.split()[:2] == ["crawl.ocj", "added"] for line in lines), first.out
    assert "tick 2026-11-21 07:30:00 CST: digest.morning ok (job run 1)" in first.out
    assert "crawl.jd ok" not in first.out, "only the job due in the tick's minute runs"

    engine = make_engine(cli.database_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT id FROM apscheduler_jobs")).scalars().all()
    assert {f"crawl.{p.code}" for p in load_platforms()} <= set(stored)

    # the same tick again: the jobs are kept, and the digest already done for 07:30 is skipped
    again = cli("scheduler", "run", "--once", "--at", DIGEST_TICK)
    assert again.code == 0, again.explain()
    assert any(line.split()[:2] == ["digest.morning", "kept"] for line in again.out.splitlines())
    assert "digest.morning skipped (job run 2)" in again.out

    quiet = cli.inline("scheduler", "run", "--once", "--at", "2026-11-21T03:17:00+08:00")
    assert quiet.code == 0 and "tick 2026-11-21 03:17:00 CST: no job is due" in quiet.out

    with make_session_factory(engine)() as session:
        runs = session.execute(select(JobRun.job_id, JobRun.outcome).order_by(JobRun.id)).all()
        assert session.scalar(select(func.count(JobRun.id))) == 2
    engine.dispose()
    assert [tuple(r) for r in runs] == [("digest.morning", "ok"), ("digest.morning", "skipped")]

    history = cli.inline("scheduler", "history", "--json")
    assert history.code == 0, history.explain()
    rows = json.loads(history.out)
    assert [(r["job_id"], r["outcome"]) for r in rows] == [
        ("digest.morning", "skipped"),
        ("digest.morning", "ok"),
    ]
    assert rows[1]["started"] == "2026-11-21 07:30:00 CST"
    assert rows[0]["detail"]["already_done"] is True
    table = cli.inline("scheduler", "history")
    assert table.code == 0 and "Job runs" in table.out and "already completed for" in table.out


def test_tick_options_are_checked(cli):
    done = cli.inline("scheduler", "run", "--at", DIGEST_TICK)
    assert done.code == 1 and "--at needs --once" in done.err
    done = cli.inline("scheduler", "run", "--once", "--at", "2026-11-21T07:30")
    assert done.code == 1 and "give the time zone" in done.err


def test_the_scheduler_process_stores_its_jobs_and_stops_on_sigterm(cli):
    process = cli.popen("scheduler", "run")
    try:
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith("scheduler running"):
                break
        assert seen and seen[-1].startswith("scheduler running"), "".join(seen) + process.stderr.read()
        assert any(line.split()[:2] == ["crawl.ocj", "added"] for line in seen)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
