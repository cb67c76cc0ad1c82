"""``surveil pages parse`` run as the console command, in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import shared_data

ROOT = ("listings", "real_captures")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def _surveil(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", "pages", "parse", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "160", "SURVEIL_DATA_DIR": "/tmp/surveil-pages-parse-test"},
    )


def test_json_outcome_of_a_real_capture() -> None:
    path = shared_data(*ROOT, "amazon", "amazon_in_search_cmf_buds_pricetag.html")
    done = _surveil(
        str(path), "--platform", "amazon", "--kind", "search", "--url", "https://www.amazon.in/s", "--json"
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "ok" and outcome["layout"] == "amazon-2025" and outcome["problems"] == []
    row = outcome["rows"][0]
    assert set(row) >= {
        "id",
        "title",
        "price",
        "currency",
        "shop",
        "seller_id",
        "sales",
        "comments",
        "sponsored",
    }
    assert (row["id"], row["price"], row["currency"], row["sponsored"]) == (
        "B0DNPZFSV4",
        "1499.00",
        "INR",
        True,
    )


def test_table_of_an_item_page() -> None:
    path = shared_data(*ROOT, "taobao", "tmall_h5_detail_item-data.js")
    done = _surveil(str(path), "--platform", "taobao", "--kind", "item")
    assert done.returncode == 0, done.stderr
    assert "taobao item: ok (layout taobao-h5-detail-2019)" in done.stdout
    assert "583789686010" in done.stdout and "146.00" in done.stdout


def test_layout_changed_exits_3(tmp_path: Path) -> None:
    page = tmp_path / "renamed.json"
    page.write_text(
        json.dumps({"data": {"searchm": {"Head": {"Summary": {"ResultCount": "12"}}, "Pargraph": []}}})
    )
    done = _surveil(str(page), "--platform", "jd", "--json")
    assert done.returncode == 3, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "layout_changed" and outcome["layout"] == "jd-searchm-2019"
    assert any("ResultCount 12" in problem for problem in outcome["problems"])


def test_blocked_exits_4(tmp_path: Path) -> None:
    page = tmp_path / "captcha.html"
    page.write_text(
        "<html><head><title>Robot Check</title></head><body><form action='/errors/validateCaptcha'>"
    )
    done = _surveil(str(page), "--platform", "amazon")
    assert done.returncode == 4
    assert "blocked: captcha" in done.stdout


def test_empty_with_evidence_exits_0(tmp_path: Path) -> None:
    page = tmp_path / "none.json"
    page.write_text(
        json.dumps({"data": {"searchm": {"Head": {"Summary": {"ResultCount": "0"}}, "Paragraph": []}}})
    )
    done = _surveil(str(page), "--platform", "jd", "--json")
    assert done.returncode == 0
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "empty" and "ResultCount" in outcome["evidence"] and outcome["rows"] == []


def test_missing_file_and_unknown_platform_are_one_line_errors(tmp_path: Path) -> None:
    done = _surveil(str(tmp_path / "absent.html"), "--platform", "jd")
    assert (
        done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "no such file" in done.stderr
    )
    page = FIXTURES / "jd" / "search_masked.json"
    done = _surveil(str(page), "--platform", "ebay")
    assert (
        done.returncode == 2
        and len(done.stderr.strip().splitlines()) == 1
        and "unknown platform" in done.stderr
    )
