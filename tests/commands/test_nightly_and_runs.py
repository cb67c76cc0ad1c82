"""``surveil nightly --now`` against a running sandbox, then ``surveil runs list``; ``surveil platforms``."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.config import Settings
from crawler.context import AppContext
from crawler.references.importer import import_file
from crawler.storage import migrate
from crawler.storage.models import AuditEntry, CrawlRun, CrawlStat, Flag, Listing, Platform
from crawler.timeutil import FixedClock


def import_shipped_references(database_url: str, data_dir: Path) -> None:
    from datetime import UTC, datetime

    context = AppContext(
        settings=Settings(data_dir=data_dir, database_url=database_url),
        clock=FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
    )
    migrate.upgrade(context.engine)
    shipped = Path(str(resources.files("crawler.sandbox").joinpath("data/references.csv")))
    import_file(context.sessions, context.clock, shipped, imported_by="test")
    context.close()


@pytest.mark.sandbox(size=100)
def test_nightly_now_crawls_matches_reports_coverage_and_a_digest(make_cli, sandbox):
    cli = make_cli(SURVEIL_SANDBOX_URL=sandbox.url)
    import_shipped_references(cli.database_url, cli.data_dir)

    empty = cli.inline("runs", "list")
    assert empty.code == 0 and "No crawl runs recorded yet" in empty.out, empty.explain()

    done = cli(
        "nightly",
        "--now",
        "-p",
        "jd",
        "-c",
        "power_bank",
        "--depth",
        "1",
        "--max-terms",
        "1",
        "--no-evidence",
        "--no-notify",
        "--json",
        timeout=300,
    )
    assert done.code == 0, done.explain()
    # progress lines first, then the report as JSON
    assert "crawl: started" in done.out and "digest: done" in done.out
    report = json.loads(done.out[done.out.index("\n{") + 1 :])
    assert report["ok"] is True
    stages = {s["name"]: s for s in report["stages"]}
    names = [s["name"] for s in report["stages"] if s["name"] != "evidence"]
    assert names == ["crawl", "match", "signals", "coverage", "digest"]
    run_id = stages["crawl"]["detail"]["run_id"]
    seen = stages["crawl"]["detail"]["totals"]["listings_seen"]
    assert seen > 0 and stages["crawl"]["detail"]["totals"]["blocked"] == 0
    assert stages["coverage"]["detail"]["cells"] == 1
    assert "high_risk_flags" in stages["digest"]["detail"]["sections"]

    context = AppContext(settings=Settings(data_dir=cli.data_dir, database_url=cli.database_url))
    with context.sessions() as session:
        run = session.get(CrawlRun, run_id)
        assert str(run.status) == "finished" and run.finished_at is not None
        stats = session.scalars(select(CrawlStat).where(CrawlStat.run_id == run_id)).all()
        assert [(s.platform.code, s.listings_seen, s.blocked) for s in stats] == [("jd", seen, False)]
        assert session.scalar(select(func.count(Listing.id))) == seen
        flags = session.scalar(select(func.count(Flag.id)).where(Flag.kind == "match"))
    context.close()
    assert stages["match"]["detail"]["flags_created"] == flags

    listed = cli.inline("runs", "list")
    assert listed.code == 0, listed.explain()
    assert "started (Asia/Shanghai)" in listed.out
    row = next(line for line in listed.out.splitlines() if re.match(rf"^\W*{run_id}\b", line))
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CST", row), row
    assert "jd" in row and "finished" in row

    utc = cli.inline("runs", "list", SURVEIL_DISPLAY_TIMEZONE="UTC")
    assert utc.code == 0 and "started (UTC)" in utc.out
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", utc.out), utc.out


def test_platforms_list_and_set(cli):
    listed = cli.inline("platforms", "list")
    assert listed.code == 0, listed.explain()
    lines = listed.out.splitlines()
    for code in ("jd", "taobao", "pdd", "yhd", "aliexpress", "amazon", "ocj"):
        assert any(re.match(rf"^\W*{code}\b", line) for line in lines), (code, listed.out)
    jd_row = next(line for line in lines if re.match(r"^\W*jd\b", line))
    assert "obeyed" in jd_row and "item.m.jd.com" in jd_row

    changed = cli.inline(
        "platforms", "set", "jd", "--ignore-robots", "--cookie-file", "/srv/jd.cookies", "--actor", "ops"
    )
    assert changed.code == 0, changed.explain()
    assert changed.out.strip() == "jd: {'obey_robots': False, 'cookie_file': '/srv/jd.cookies'}"
    after = cli.inline("platforms", "list")
    jd_row = next(line for line in after.out.splitlines() if re.match(r"^\W*jd\b", line))
    assert "IGNORED" in jd_row and "/srv/jd.cookies" in jd_row

    unknown = cli.inline("platforms", "set", "nowhere", "--obey-robots")
    assert unknown.code == 1 and "unknown platform 'nowhere'" in unknown.err

    context = AppContext(settings=Settings(data_dir=cli.data_dir, database_url=cli.database_url))
    with context.sessions() as session:
        jd = session.scalar(select(Platform).where(Platform.code == "jd"))
        assert jd.obey_robots is False and jd.settings["cookie_file"] == "/srv/jd.cookies"
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "platform.settings")).all()
        assert [(a.actor, a.object_id, a.details) for a in audit] == [
            ("ops", "jd", {"obey_robots": False, "cookie_file": "/srv/jd.cookies"})
        ]
    context.close()
