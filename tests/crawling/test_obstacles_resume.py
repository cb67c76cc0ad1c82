"""Faults, blocks, expired sessions, a crawl killed with SIGKILL, and a repeat night's request economy."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.storage.models import Listing, ListingSnapshot
from tests.crawling.helpers import (
    REPO,
    crawl_env,
    listings,
    run,
    run_crawl,
    session,
    set_platform,
    stats,
    truth_live,
)
from tests.resources import require_chromium

ALL_SIX = ("jd", "pdd", "yhd", "aliexpress", "amazon", "ocj")


def _cookie_files(sandbox, tmp_path: Path, *platforms: str) -> dict[str, str]:
    files = {}
    for platform in platforms:
        path = tmp_path / f"{platform}-cookies.json"
        path.write_text(json.dumps(sandbox.session(platform, "bureau-01")))
        files[platform] = str(path)
    return files


@pytest.mark.slow
@pytest.mark.sandbox(size=1200, faults="all,layout", layouts="jd:searchm", layout_night=0, slow_seconds=1.0)
def test_every_http_spider_under_the_combined_fault_profile(sandbox, tmp_path: Path) -> None:
    # Besides every fault, JD serves tonight its mobile searchm JSONP (the `layout` profile): the crawl
    # reads it as it reads the API.
    # PDD's robots.txt disallows /proxy/ (pages 2+): the bureau's agreement lets the administrator switch
    # robots.txt off for it; the run report says so.
    set_platform(tmp_path, "pdd", obey_robots=False)
    args = [a for p in ALL_SIX for a in ("-p", p)]
    result = run_crawl(
        tmp_path,
        sandbox.url,
        *args,
        *("-c", "power_bank", "--depth", "3", "--max-terms", "1"),
        settings={
            "SURVEIL_COOKIE_FILES": _cookie_files(sandbox, tmp_path, "jd", "pdd"),
            "SURVEIL_BLOCK_PAUSE": 0.5,
        },
        timeout=400,
    )
    assert result.returncode == 0, result.output[-3000:]
    with session(tmp_path) as db:
        for platform in ALL_SIX:
            truth = truth_live(sandbox, platform, "power_bank")
            stored = {row.platform_item_id: row for row in listings(db, platform)}
            assert set(stored) == set(truth), platform
            assert all(stored[i].title == truth[i]["title"] for i in truth), platform
        rows = stats(db, result.run_id)
        assert all(not s.blocked for s in rows), [
            (s.platform.code, s.block_reason) for s in rows if s.blocked
        ]
        assert all(not s.layout_changed for s in rows), [
            (s.platform.code, s.layout_note) for s in rows if s.layout_changed
        ]
        assert run(db, result.run_id).summary["platforms"]["pdd"]["obey_robots"] is False


@pytest.mark.slow
@pytest.mark.sandbox(size=900, faults="all", slow_seconds=1.0)
def test_taobao_under_the_combined_fault_profile(sandbox, tmp_path: Path) -> None:
    """Taobao beside the six above: mtop search with its token dance and item pages rendered in the
    mobile browser (whose own detail API calls meet the faults too)."""
    require_chromium()
    # Taobao's robots.txt disallows everything: the administrator's switch is off for it.
    set_platform(tmp_path, "taobao", obey_robots=False)
    result = run_crawl(
        tmp_path,
        sandbox.url,
        *("-p", "taobao", "-c", "power_bank", "--depth", "3", "--max-terms", "1"),
        settings={
            "SURVEIL_BLOCK_PAUSE": 0.5,
            "DOWNLOAD_SLOTS": {"taobao": {"concurrency": 4, "delay": 0.0}},
        },
        timeout=300,
    )
    assert result.returncode == 0, result.output[-3000:]
    with session(tmp_path) as db:
        truth = truth_live(sandbox, "taobao", "power_bank")
        stored = {row.platform_item_id: row for row in listings(db, "taobao")}
        assert truth and set(stored) == set(truth)
        for item_id, rec in truth.items():
            row = stored[item_id]
            assert row.title == rec["title"], item_id
            assert row.price == Decimal(rec["price"]), item_id
            assert row.seller is not None and row.seller.name == rec["shop_name"], item_id
            assert row.detail_fetched_at is not None, f"{item_id}: its product page was not read"
            if rec.get("model_in_specs"):
                assert row.model == rec["model_in_specs"], item_id
        rows = stats(db, result.run_id)
        assert rows and all(not s.blocked and not s.errors for s in rows), [
            (s.category.code, s.block_reason, s.errors) for s in rows
        ]
        assert sum(s.pages_fetched for s in rows) >= 2, "the search was paged"
        assert run(db, result.run_id).summary["platforms"]["taobao"]["obey_robots"] is False


@pytest.mark.parametrize("sandbox", [{"size": 300, "faults": "captcha", "fault_rate": 1.0}], indirect=True)
def test_blocks_are_recorded_never_parsed_and_the_rest_goes_on(sandbox, tmp_path: Path) -> None:
    result = run_crawl(
        tmp_path,
        sandbox.url,
        *("-p", "amazon", "-p", "jd", "-p", "ocj"),
        *("-c", "mask", "--depth", "1", "--max-terms", "1"),
        settings={"SURVEIL_BLOCK_RETRIES": 0},
    )
    assert result.returncode == 0, result.output[-3000:]
    with session(tmp_path) as db:
        rows = {s.platform.code: s for s in stats(db, result.run_id)}
        assert set(rows) == {"amazon", "jd", "ocj"}
        assert all(s.blocked for s in rows.values())
        assert "captcha" in rows["amazon"].block_reason.lower()
        assert "605" in rows["jd"].block_reason
        assert "OCJ security check" in rows["ocj"].block_reason
        assert db.scalar(select(func.count(Listing.id))) == 0
        from crawler.crawling.report import stat_state

        assert all(stat_state(s)[0].startswith("BLOCKED") for s in rows.values())


@pytest.mark.parametrize(
    "sandbox", [{"size": 1200, "faults": "session_expiry", "session_uses": 2}], indirect=True
)
def test_an_expired_session_is_detected_and_reported(sandbox, tmp_path: Path) -> None:
    set_platform(tmp_path, "pdd", obey_robots=False)
    result = run_crawl(
        tmp_path,
        sandbox.url,
        *("-p", "pdd", "-c", "mask", "--depth", "3", "--max-terms", "1"),
        settings={"SURVEIL_COOKIE_FILES": _cookie_files(sandbox, tmp_path, "pdd")},
    )
    assert result.returncode == 0, result.output[-3000:]
    with session(tmp_path) as db:
        (stat,) = stats(db, result.run_id)
        assert stat.blocked and stat.block_reason.startswith("session expired: renew the cookie file for pdd")


@pytest.mark.sandbox(size=1500)
def test_a_crawl_killed_with_sigkill_resumes_without_loss_or_duplicates(sandbox, tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "crawler.crawling.runner",
        *("-p", "amazon", "-c", "mask", "-c", "power_bank", "-c", "toys", "--depth", "3", "--max-terms", "1"),
        *(
            "--set",
            "SURVEIL_BATCH_SIZE=5",
            "--set",
            'DOWNLOAD_SLOTS={"amazon": {"concurrency": 1, "delay": 0.05}}',
        ),
    ]
    env = crawl_env(tmp_path, sandbox.url)
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db_path = tmp_path / "surveil.db"
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.3)
        if db_path.exists():
            with session(tmp_path) as db:
                try:
                    stored = db.scalar(select(func.count(Listing.id))) or 0
                except Exception:  # noqa: BLE001 - the schema may not exist yet
                    stored = 0
            if stored >= 15:
                break
    assert proc.poll() is None, "the crawl finished before it could be killed; make it bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    with session(tmp_path) as db:
        run_id = db.execute(select(func.max(Listing.last_run_id))).scalar()
        before = db.scalar(select(func.count(Listing.id)))
        assert before > 0
    result = run_crawl(tmp_path, sandbox.url, "--resume", str(run_id))
    assert result.returncode == 0, result.output[-3000:]
    with session(tmp_path) as db:
        truth = {}
        for category in ("mask", "power_bank", "toys"):
            truth.update(truth_live(sandbox, "amazon", category))
        rows = listings(db, "amazon")
        ids = [row.platform_item_id for row in rows]
        assert len(ids) == len(set(ids))
        assert set(ids) == set(truth)
        assert all(row.detail_fetched_at is not None for row in rows)
        assert all(len(row.snapshots) == 1 for row in rows), "a resumed run must not make new snapshots"
        assert str(run(db, run_id).status) in ("finished", "RunStatus.FINISHED")


def test_a_repeat_night_reads_only_changed_listings(sandbox_factory, tmp_path: Path) -> None:
    first = sandbox_factory(size=1200, night=0)
    args = ("-p", "aliexpress", "-c", "mask", "-c", "power_bank", "--depth", "3", "--max-terms", "1")
    night0 = run_crawl(tmp_path, first.url, *args, settings={"SURVEIL_NOW": "2026-11-20T18:00:00+00:00"})
    assert night0.returncode == 0, night0.output[-3000:]
    with session(tmp_path) as db:
        before = {
            row.platform_item_id: {
                "title": row.title,
                "price": row.price,
                "read": row.detail_fetched_at,
                "detail": (row.model, row.specs, row.barcodes, [img.source_url for img in row.images]),
            }
            for row in listings(db, "aliexpress")
        }
    second = sandbox_factory(size=1200, night=1)
    night1 = run_crawl(tmp_path, second.url, *args, settings={"SURVEIL_NOW": "2026-11-21T18:00:00+00:00"})
    assert night1.returncode == 0, night1.output[-3000:]
    with session(tmp_path) as db:
        s0 = run(db, night0.run_id).summary["totals"]
        s1 = run(db, night1.run_id).summary["totals"]
        rows = stats(db, night1.run_id)
        pages = sum(s.pages_fetched for s in rows)
        opened = sum(s.new + s.changed for s in rows)
        truth = {}
        for category in ("mask", "power_bank"):
            truth.update(truth_live(second, "aliexpress", category))
        stored = {row.platform_item_id: row for row in listings(db, "aliexpress")}
        live = {i for i, row in stored.items() if row.gone_at is None}
        assert live == set(truth)
        changed_in_truth = {i for i, r in truth.items() if r["changed_night"] == 1 or r["born_night"] == 1}
        snapshots_night1 = db.scalar(
            select(func.count(ListingSnapshot.id)).where(ListingSnapshot.run_id == night1.run_id)
        )
        assert snapshots_night1 <= len(changed_in_truth) + s1["gone"]
        # Every live listing holds what the sandbox shows tonight: new prices, re-worded titles.
        for item_id, rec in truth.items():
            assert stored[item_id].title == rec["title"], item_id
            assert stored[item_id].price == Decimal(rec["price"]), item_id
        known = [i for i in truth if i in before]
        retitled = [i for i in known if before[i]["title"] != truth[i]["title"]]
        repriced = [i for i in known if before[i]["price"] != stored[i].price and i not in retitled]
        assert retitled and repriced, "the sandbox should re-word some titles and change some prices only"
        for item_id in retitled:
            assert stored[item_id].detail_fetched_at > before[item_id]["read"], f"{item_id}: page not read"
        for item_id in repriced:
            row = stored[item_id]
            assert row.detail_fetched_at == before[item_id]["read"], (
                f"{item_id}: a price alone opened the page"
            )
            detail = (row.model, row.specs, row.barcodes, [img.source_url for img in row.images])
            assert detail == before[item_id]["detail"], f"{item_id}: the product page's fields were lost"
            assert len(detail[3]) > 1, "the product page's gallery, not the search row's thumbnail"
            latest = max(row.snapshots, key=lambda snap: snap.captured_at)
            assert latest.run_id == night1.run_id and latest.price == row.price
        reads = run(db, night1.run_id).summary["platforms"]["aliexpress"]["reads"]
        assert reads.get("price") == len(repriced) and reads.get("changed") == len(retitled)
    assert s1["requests_per_listing"] < s0["requests_per_listing"]
    # Only search pages, product pages of new or changed listings and their new photos were fetched.
    assert s1["requests"] <= pages + opened * 6
    gone_truth = {r["item_id"] for r in first.truth("aliexpress") if r["status"] == "live"} - set(truth)
    assert s1["gone"] >= len({i for i in gone_truth if i in stored})
