"""The first night a platform changes its search pages: the sandbox's ``layout`` profile switches JD, from
night 1 on, to a layout no page object knows (``unknown``) or to the real mobile ``searchm`` JSONP.

An unknown layout must end the night ``layout_changed`` (counted, shown, exit code 3), with nothing stored
wrong, nothing marked gone and the failing pages kept with the run for ``surveil pages replay``. A known
later layout must simply go on being read.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.crawling.keep import pages_dir, read_kept
from crawler.pages.base import PageOutcome
from crawler.storage.models import CoverageStatus, CrawlRun
from tests.crawling.helpers import REPO, crawl_env, listings, session, stats, truth_live

CATEGORY = "mask"
SIZE = 300  # 10 listings per category per platform
ARGS = ("-p", "jd", "-c", CATEGORY, "--depth", "1", "--max-terms", "1")


def _surveil(tmp_path: Path, sandbox_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "surveil"), *args],
        cwd=REPO,
        env=crawl_env(tmp_path, sandbox_url, COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=240,
    )


def _last_run(tmp_path: Path) -> int:
    with session(tmp_path) as db:
        return db.scalar(select(CrawlRun.id).order_by(CrawlRun.id.desc()).limit(1))


def test_an_unknown_layout_is_reported_kept_and_marks_nothing_gone(sandbox_factory, tmp_path: Path) -> None:
    config = {"size": SIZE, "faults": "layout", "layouts": "jd:unknown", "layout_night": 1}
    first = sandbox_factory(night=0, **config)
    night0 = _surveil(tmp_path, first.url, "crawl", *ARGS, "--quiet")
    assert night0.returncode == 0, night0.stdout[-2000:] + night0.stderr[-2000:]
    with session(tmp_path) as db:
        before = {row.platform_item_id: (row.title, row.price) for row in listings(db, "jd")}
        fields = db.get(CrawlRun, _last_run(tmp_path)).summary["platforms"]["jd"]["fields"]
    assert set(before) == set(truth_live(first, "jd", CATEGORY))
    # the field monitor's counts of the night: every row has an id, a title and a (masked) price
    assert fields["rows"] == fields["id"] == fields["title"] == fields["price"] == len(before)

    second = sandbox_factory(night=1, **config)
    night1 = _surveil(tmp_path, second.url, "crawl", *ARGS, "--quiet")
    assert night1.returncode == 3, night1.stdout[-2000:] + night1.stderr[-2000:]
    assert "LAYOUT CHANGED" in night1.stdout
    run_id = _last_run(tmp_path)
    with session(tmp_path) as db:
        (stat,) = stats(db, run_id)
        assert stat.status is CoverageStatus.LAYOUT_CHANGED
        assert stat.layout_changed >= 1 and (stat.layout_note or "").startswith("search ")
        assert not stat.blocked and stat.gone == 0
        after = listings(db, "jd")
        # nothing stored from the unreadable pages, nothing marked gone
        assert {row.platform_item_id: (row.title, row.price) for row in after} == before
        assert all(row.gone_at is None and row.last_run_id != run_id for row in after)

    kept = list(read_kept(pages_dir(tmp_path, run_id)))
    changed = [page for page in kept if page.outcome is PageOutcome.LAYOUT_CHANGED]
    assert changed and all(page.platform == "jd" and page.kind == "search" for page in changed)
    assert changed[0].url.startswith("https://api.m.jd.com/") and changed[0].status == 200
    assert b"ware_name" in changed[0].body and changed[0].headers

    shown = _surveil(tmp_path, second.url, "runs", "show", str(run_id), "--json")
    report = json.loads(shown.stdout)
    assert report["totals"]["layout_changed"] == 1
    assert report["coverage"][0]["status"] == "layout_changed"

    replay = _surveil(tmp_path, second.url, "pages", "replay", str(run_id), "--json")
    assert replay.returncode == 1, replay.stdout + replay.stderr
    counts = json.loads(replay.stdout)["platforms"]["jd"]
    assert sum(c.get("layout_changed", 0) for c in counts.values()) == len(changed)


@pytest.mark.sandbox(size=SIZE, faults="layout", layouts="jd:searchm", layout_night=0)
def test_jd_searchm_layout_goes_on_being_read(sandbox, tmp_path: Path) -> None:
    """Depends on the JD page object reading ``searchm`` (see ``crawler/pages/jd.py``)."""
    done = _surveil(tmp_path, sandbox.url, "crawl", *ARGS, "--quiet")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    truth = truth_live(sandbox, "jd", CATEGORY)
    with session(tmp_path) as db:
        stored = {row.platform_item_id: row for row in listings(db, "jd")}
        assert set(stored) == set(truth)
        assert all(stored[i].title == truth[i]["title"] for i in truth)
        (stat,) = stats(db, _last_run(tmp_path))
        assert stat.status is CoverageStatus.OK
