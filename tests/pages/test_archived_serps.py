"""Real captured search pages (../shared/data/listings/archived_serps) parse to their checked results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.pages import aliexpress, amazon, jd
from crawler.pages.base import PageOutcome
from crawler.pages.outcome import read_page
from tests.conftest import SHARED_DATA, shared_data

PAGE_OBJECTS = {"jd": jd, "aliexpress": aliexpress, "amazon": amazon}
ROOT = ("listings", "archived_serps")


def _manifest() -> list[dict]:
    path = SHARED_DATA.joinpath(*ROOT, "manifest.json")
    if not path.exists():
        return []
    return [e for e in json.loads(path.read_text("utf-8")) if e["site"] in PAGE_OBJECTS]


def _load(entry: dict) -> tuple[HtmlResponse, list[tuple[int, str, str]]]:
    root = shared_data(*ROOT)
    original_url = entry["archived_url"].split("id_/", 1)[1]
    response = HtmlResponse(url=original_url, body=(root / entry["html"]).read_bytes())
    expected = json.loads((root / entry["expected"]).read_text("utf-8")) or {}
    rows = [(r["rank"], r["title"], r["url"]) for r in expected.get("results") or []]
    return response, rows


ENTRIES = _manifest()


@pytest.mark.parametrize("entry", ENTRIES or [None], ids=lambda e: Path(e["html"]).stem if e else "absent")
def test_page_parses_to_expected_results(entry: dict | None) -> None:
    if entry is None:
        shared_data(*ROOT, "manifest.json")
    response, expected = _load(entry)
    result = read_page(entry["site"], "search", response.body, response.url)
    got = [(row.rank, row.marked_title, row.url) for row in result.rows]
    assert got == expected, f"{entry['html']} ({result.layout}: {result.problems})"
    assert len(result.rows) == entry["expected_results"]
    assert result.status in (PageOutcome.OK, PageOutcome.EMPTY, PageOutcome.BLOCKED)
    assert result.layout or result.status is PageOutcome.BLOCKED


ZERO_RESULT = [e for e in ENTRIES if e["expected_results"] == 0]


@pytest.mark.parametrize(
    "entry", ZERO_RESULT or [None], ids=lambda e: Path(e["html"]).stem if e else "absent"
)
def test_zero_result_pages_are_empty_with_the_pages_own_word(entry: dict | None) -> None:
    """A page with no results says so: it ends ``empty`` with that notice as evidence, never
    ``layout_changed``. The one archived "page" that is a script sending the browser to JD's login is a
    login wall: ``blocked``."""
    if entry is None:
        shared_data(*ROOT, "manifest.json")
    response, _ = _load(entry)
    result = read_page(entry["site"], "search", response.body, response.url)
    if b"passport.jd.com" in response.body[:500]:
        assert result.status is PageOutcome.BLOCKED and result.block.kind == "login"
        return
    assert result.status is PageOutcome.EMPTY, result.problems
    assert "没有找到" in result.evidence
    assert result.layout.startswith("jd-desktop-")


def test_every_expected_result_reproduced() -> None:
    """The whole corpus: how many expected results come out exactly (the goal is all of them)."""
    if not ENTRIES:
        shared_data(*ROOT, "manifest.json")
    total = exact = 0
    for entry in ENTRIES:
        response, expected = _load(entry)
        result = read_page(entry["site"], "search", response.body, response.url)
        got = {(row.rank, row.marked_title, row.url) for row in result.rows}
        total += len(expected)
        exact += sum(1 for row in expected if row in got)
    assert total == 595
    assert exact == total


def test_gbk_pages_decode_to_chinese() -> None:
    gbk = [e for e in ENTRIES if e["charset"].upper() == "GBK"]
    if not gbk:
        shared_data(*ROOT, "manifest.json")
    for entry in gbk:
        response, _ = _load(entry)
        page = jd.parse_search(response)
        assert page.rows and all("\ufffd" not in row.marked_title for row in page.rows)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in page.rows[0].title)


def test_rows_carry_item_ids_and_prices() -> None:
    entry = next((e for e in ENTRIES if e["html"].endswith("jd-che-zai-cd-1507664971.html")), None)
    if entry is None:
        shared_data(*ROOT, "jd", "jd-che-zai-cd-1507664971.html")
    response, _ = _load(entry)
    row = jd.parse_search(response).rows[0]
    assert row.item_id == "1398406577"
    assert str(row.price) == "3880.00"
    assert row.seller_name == "HNM哈曼音响数码电子专卖店"
    assert row.title.startswith("HNM 800 带数字功率放大器 车载充电式手拉")
    assert "<em>" not in row.title
    item = row.to_item("jd", category="speaker")
    assert item.item_id == "1398406577" and item.image_urls[0].startswith("http://img12.360buyimg.com/")


def test_amazon_rows_have_asins() -> None:
    entry = next((e for e in ENTRIES if e["site"] == "amazon"), None)
    if entry is None:
        shared_data(*ROOT, "amazon")
    response, _ = _load(entry)
    rows = amazon.parse_search(response).rows
    assert all(len(row.item_id) == 10 for row in rows if row.item_id)
    assert sum(1 for row in rows if row.price is not None) > len(rows) // 2
