"""``surveil crawl`` ends with the coverage table; ``surveil runs show`` tells blocked from empty."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from crawler.catalogue.schema import load_categories
from tests.crawling.helpers import REPO, crawl_env


def _surveil(tmp_path: Path, sandbox_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = crawl_env(tmp_path, sandbox_url, COLUMNS="200")
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "surveil"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.sandbox(size=20)
def test_crawl_command_and_run_report(sandbox, tmp_path: Path) -> None:
    codes = [c.code for c in load_categories().categories]
    full, empty = codes[0], codes[-1]
    done = _surveil(
        tmp_path,
        sandbox.url,
        "crawl",
        "-p",
        "amazon",
        "-p",
        "taobao",
        "-c",
        full,
        "-c",
        empty,
        "--depth",
        "1",
        "--max-terms",
        "1",
        "--quiet",
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "BLOCKED: robots" in done.stdout
    assert "empty (searched, no listings)" in done.stdout
    assert "requests per listing" in done.stdout
    shown = _surveil(tmp_path, sandbox.url, "runs", "show", "1", "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    states = {(row["platform"], row["category"]): row for row in report["coverage"]}
    assert states[("taobao", full)]["blocked"] and states[("taobao", full)]["state"].startswith("BLOCKED")
    assert states[("amazon", empty)]["state"].startswith("empty") and not states[("amazon", empty)]["blocked"]
    assert states[("amazon", full)]["listings_seen"] > 0 and states[("amazon", full)]["state"] == "ok"
    assert report["totals"]["requests_per_listing"] > 0
    assert report["platforms"]["taobao"]["obey_robots"] is True
    missing = _surveil(tmp_path, sandbox.url, "runs", "show", "99")
    assert missing.returncode != 0 and "does not exist" in missing.stderr


def test_bad_arguments_fail_at_start(tmp_path: Path) -> None:
    done = _surveil(tmp_path, "http://127.0.0.1:9", "crawl", "-p", "nosuch", "--quiet")
    assert done.returncode != 0 and "unknown platform" in done.stderr


@pytest.mark.sandbox(size=300)
def test_scrapy_crawl_alone_starts_and_finishes_its_own_run(sandbox, tmp_path: Path) -> None:
    env = crawl_env(tmp_path, sandbox.url)
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "scrapy"), "crawl", "amazon", "-a", "category=mask", "-a", "depth=1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    from tests.crawling.helpers import listings, run, session

    with session(tmp_path) as db:
        assert len(listings(db, "amazon")) == 10
        finished = run(db, 1)
        assert str(finished.status).endswith("finished") and finished.finished_at is not None
        assert finished.summary["platforms"]["amazon"]["listings_seen"] == 10
    bad = subprocess.run(
        [str(REPO / ".venv" / "bin" / "scrapy"), "crawl", "amazon", "-a", "depth=zero"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0, "invalid spider arguments must fail the command"
    assert "invalid spider arguments: depth" in bad.stderr
