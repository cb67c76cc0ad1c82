"""Every spider against the sandbox: what is stored equals what the sandbox's truth says is there."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.crawling.helpers import listings, run, run_crawl, session, stats, truth_live
from tests.resources import require_chromium

CATEGORY = "mask"
SIZE = 300  # 10 listings per category per platform


def _check_against_truth(sandbox, db, platform: str, prices_known: bool = True) -> None:
    truth = truth_live(sandbox, platform, CATEGORY)
    stored = {row.platform_item_id: row for row in listings(db, platform)}
    assert truth, "the sandbox should have live listings for the category"
    assert set(stored) == set(truth), f"{platform}: stored ids differ from the truth"
    for item_id, rec in truth.items():
        row = stored[item_id]
        assert row.title == rec["title"], (platform, item_id)
        assert row.seller is not None and row.seller.name == rec["shop_name"], (platform, item_id)
        if prices_known:
            assert row.price == Decimal(rec["price"]), (platform, item_id)
            assert not row.price_masked
        assert row.detail_fetched_at is not None
        if rec.get("model_in_specs"):
            assert row.model == rec["model_in_specs"], (platform, item_id)
        assert row.images, (platform, item_id)


@pytest.mark.sandbox(size=SIZE)
def test_http_spiders_store_what_the_sandbox_holds(sandbox, tmp_path: Path) -> None:
    result = run_crawl(
        tmp_path,
        sandbox.url,
        *("-p", "aliexpress", "-p", "amazon", "-p", "yhd", "-p", "pdd", "-p", "ocj"),
        *("-c", CATEGORY, "--depth", "2", "--max-terms", "1"),
    )
    assert result.returncode == 0, result.output[-3000:]
    with session(tmp_path) as db:
        for platform in ("aliexpress", "amazon", "yhd", "pdd", "ocj"):
            _check_against_truth(sandbox, db, platform)
        rows = stats(db, result.run_id)
        assert {s.platform.code for s in rows} == {"aliexpress", "amazon", "yhd", "pdd", "ocj"}
        assert all(not s.blocked and s.listings_seen == 10 and s.new == 10 for s in rows)
        images = [img for row in listings(db, "amazon") for img in row.images]
        assert images and all(img.image is not None and img.image.phash is not None for img in images)
        first = images[0].image
        assert (tmp_path / first.path).read_bytes()[:2] == b"\xff\xd8"
        assert first.path == f"images/{first.sha256[:2]}/{first.sha256}"


@pytest.mark.sandbox(size=SIZE)
def test_jd_masked_price_is_unknown_and_a_session_unmasks_it(sandbox, tmp_path: Path) -> None:
    anonymous = tmp_path / "anon"
    result = run_crawl(anonymous, sandbox.url, "-p", "jd", "-c", CATEGORY, "--depth", "1", "--max-terms", "1")
    assert result.returncode == 0, result.output[-3000:]
    with session(anonymous) as db:
        rows = listings(db, "jd")
        assert len(rows) == 10
        assert all(row.price is None and row.price_masked for row in rows)
    cookies = tmp_path / "jd-cookies.json"
    secret = sandbox.session("jd", "bureau-01")
    cookies.write_text(__import__("json").dumps(secret))
    logged_in = tmp_path / "login"
    result = run_crawl(
        logged_in,
        sandbox.url,
        *("-p", "jd", "-c", CATEGORY, "--depth", "1", "--max-terms", "1"),
        settings={"SURVEIL_COOKIE_FILES": {"jd": str(cookies)}, "LOG_LEVEL": "DEBUG"},
    )
    assert result.returncode == 0, result.output[-3000:]
    with session(logged_in) as db:
        _check_against_truth(sandbox, db, "jd")
        summary = run(db, result.run_id).summary
    for value in secret.values():
        if len(value) >= 8:
            assert value not in result.output, "a cookie value reached the log"
            assert value not in str(summary)
            assert value.encode() not in (logged_in / "surveil.db").read_bytes()
    assert "logged in via jd-cookies.json" in str(summary)


@pytest.mark.sandbox(size=SIZE)
def test_taobao_item_pages_through_the_mobile_browser(sandbox, tmp_path: Path) -> None:
    require_chromium()
    result = run_crawl(
        tmp_path, sandbox.url, "-p", "taobao", "-c", CATEGORY, "--depth", "1", "--max-terms", "1"
    )
    assert result.returncode == 0, result.output[-3000:]
    with session(tmp_path) as db:
        rows = stats(db, result.run_id)
        assert rows and rows[0].blocked and "robots" in rows[0].block_reason
        assert not listings(db, "taobao")
        from crawler.storage.models import Platform

        db.query(Platform).filter(Platform.code == "taobao").update({"obey_robots": False})
        db.commit()
    result = run_crawl(
        tmp_path, sandbox.url, "-p", "taobao", "-c", CATEGORY, "--depth", "1", "--max-terms", "1"
    )
    assert result.returncode == 0, result.output[-3000:]
    with session(tmp_path) as db:
        _check_against_truth(sandbox, db, "taobao")
        assert run(db, result.run_id).summary["platforms"]["taobao"]["obey_robots"] is False
