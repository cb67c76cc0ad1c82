"""Layout changes without a crawl: the outcome of a search page, when a category may mark listings gone,
item-page blocks, HTML answering a JSON request, kept responses read back and replayed, field monitors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import Request, TextResponse

from crawler.crawling.base import search_outcome
from crawler.crawling.coverage import ITEM_BLOCK_LIMIT, CoverageBook
from crawler.crawling.keep import PageKeeper, read_kept
from crawler.crawling.monitors import FIELDS, field_alarms
from crawler.crawling.replay import replay, tally
from crawler.middlewares.blocks import html_where_json_expected
from crawler.pages.base import PageOutcome, SearchPage, SearchRow
from crawler.sandbox.faults import FaultError, parse_layouts, parse_profiles

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
ROW = SearchRow(rank=1, item_id="1", marked_title="充电宝", url="https://item.m.jd.com/product/1.html")


def test_a_search_page_without_rows_needs_the_pages_own_word_to_be_empty() -> None:
    assert search_outcome(SearchPage(rows=[ROW])) is PageOutcome.OK
    assert search_outcome(SearchPage(empty_evidence="resultCount 0")) is PageOutcome.EMPTY
    assert search_outcome(SearchPage(total=40, layout="jd-mobile-api")) is PageOutcome.LAYOUT_CHANGED


def _searched(book: CoverageBook, category: str) -> None:
    book.add(category, pages_fetched=1)
    book.progress[category].exhausted = True


def test_only_a_category_read_to_the_end_may_mark_listings_gone() -> None:
    book = CoverageBook("jd")
    for category in ("whole", "blocked", "changed", "truncated", "errors", "unfinished"):
        _searched(book, category)
    book.block("blocked", "captcha: slider")
    assert book.layout_changed("changed", "search jd-x: no rows") and not book.layout_changed(
        "changed", "again"
    )
    book.progress["truncated"].truncated = True
    book.add("errors", errors=1)
    book.progress["unfinished"].exhausted = False
    assert [c for c in list(book.progress) if book.complete(c)] == ["whole"]
    assert book.totals["changed"]["layout_changed"] == 2 and book.layouts["changed"] == "search jd-x: no rows"
    assert book.take().layouts == {"changed": "search jd-x: no rows"}


def test_one_blocked_product_page_costs_its_listing_not_the_category() -> None:
    book = CoverageBook("jd")
    for n in range(ITEM_BLOCK_LIMIT - 1):
        assert not book.item_block("mask", "captcha: slider")
        assert not book.is_blocked("mask"), n
    assert book.item_block("mask", "captcha: slider")
    assert book.is_blocked("mask") and f"({ITEM_BLOCK_LIMIT} product pages)" in book.blocked["mask"]


def _json_request() -> Request:
    return Request("https://api.m.jd.com/api?functionId=search", headers={"Accept": "application/json"})


def test_an_html_challenge_answering_a_json_request_is_a_block() -> None:
    page = b"<!DOCTYPE html><html><head><title>\xe5\xae\x89\xe5\x85\xa8\xe9\xaa\x8c\xe8\xaf\x81</title></head></html>"
    response = TextResponse("https://api.m.jd.com/api", body=page, encoding="utf-8")
    block = html_where_json_expected(_json_request(), response)
    assert block is not None and block.kind == "captcha"
    plain = TextResponse(
        "https://api.m.jd.com/api", body=b"<html><body>hello</body></html>", encoding="utf-8"
    )
    assert html_where_json_expected(_json_request(), plain).kind == "risk"
    data = TextResponse("https://api.m.jd.com/api", body=b'{"code": "0"}', encoding="utf-8")
    assert html_where_json_expected(_json_request(), data) is None
    html_page = Request("https://item.m.jd.com/product/1.html")
    assert html_where_json_expected(html_page, response) is None


def _jd_response(body: dict, status: int = 200) -> TextResponse:
    request = Request(
        "https://api.m.jd.com/api?functionId=search", meta={"category": "mask", "kind": "search"}
    )
    return TextResponse(
        request.url,
        status=status,
        headers={"Content-Type": "application/json;charset=utf-8", "Content-Encoding": "gzip"},
        body=json.dumps(body).encode(),
        encoding="utf-8",
        request=request,
    )


READABLE = {
    "code": "0",
    "wareInfo": [{"wareId": "100", "wareName": "罗马仕充电宝", "jdPrice": "99.00", "shopId": "7"}],
    "wareCount": 1,
}
UNKNOWN = {
    "code": "0",
    "data": {"resultCount": 31, "wareList": [{"sku_id": "100", "ware_name": "罗马仕充电宝"}]},
}


def test_kept_pages_read_back_with_their_labels_and_replay(tmp_path: Path) -> None:
    keeper = PageKeeper(tmp_path, "jd", samples=1)
    ok = _jd_response(READABLE)
    assert keeper.keep(
        ok, kind="search", outcome=PageOutcome.OK, layout="jd-mobile-api", now=NOW, category="mask"
    )
    # the sample is full for this kind, outcome and layout; a layout-changed page is always kept
    assert not keeper.keep(ok, kind="search", outcome=PageOutcome.OK, layout="jd-mobile-api", now=NOW)
    changed = _jd_response(UNKNOWN)
    assert keeper.keep(
        changed,
        kind="search",
        outcome=PageOutcome.LAYOUT_CHANGED,
        layout="",
        now=NOW,
        problems="no rows\nat all",
    )
    first, second = read_kept(tmp_path)
    assert (first.url, first.status, first.platform, first.kind, first.layout, first.category) == (
        ok.url,
        200,
        "jd",
        "search",
        "jd-mobile-api",
        "mask",
    )
    assert json.loads(first.body) == READABLE and first.fetched_at == "2026-11-20T18:00:00Z"
    headers = dict(first.headers)
    assert "Content-Encoding" not in headers and headers["Content-Length"] == str(len(first.body))
    assert second.outcome is PageOutcome.LAYOUT_CHANGED and second.problems == "no rows at all"

    results = replay([first, second])
    assert [r.outcome for r in results] == ["ok", "layout_changed"]
    counts = tally(results)["jd"]
    assert counts["search jd-mobile-api"] == {"ok": 1}
    assert counts["search unknown layout"] == {"layout_changed": 1}


def _night(rows: int, **present: int) -> dict[str, int]:
    return {"rows": rows, **{name: present.get(name, rows) for name in FIELDS}}


def test_field_monitor_alarms_on_a_fall_against_the_previous_nights_median() -> None:
    history = [_night(100), _night(100, price=90), _night(100, price=70)]
    # price on 60% tonight: the median of the previous nights is 90%, a fall of 30 points
    (alarm,) = field_alarms("jd", _night(100, price=60), history)
    assert (alarm.field, alarm.share, alarm.median, alarm.nights) == ("price", 60.0, 90.0, 3)
    assert str(alarm) == "jd: price on 60% of rows tonight, median 90% over the previous 3 night(s)"
    assert field_alarms("jd", _night(100, price=75), history) == []  # 15 points: within the threshold
    assert field_alarms("jd", _night(100, price=75), history, threshold=10)[0].field == "price"
    assert field_alarms("jd", _night(100, shop=0), []) == []  # a first night has nothing to compare with
    assert field_alarms("jd", _night(3, shop=0), history) == []  # too few rows to judge
    assert field_alarms("jd", _night(100, image=0, title=50), history + [_night(2, image=0)]) != []
    assert {a.field for a in field_alarms("jd", _night(100, image=0, title=50), history)} == {
        "image",
        "title",
    }


def test_layout_switches_are_named_per_platform_and_not_part_of_all() -> None:
    assert parse_layouts("jd:searchm") == {"jd": "searchm"}
    assert parse_layouts(" JD:Unknown ") == {"jd": "unknown"}
    with pytest.raises(FaultError, match="jd: searchm, unknown"):
        parse_layouts("jd:tomorrow")
    assert "layout" not in parse_profiles("all") and "captcha" in parse_profiles("all")
    assert parse_profiles("all,layout") == parse_profiles("all") | {"layout"}


def test_the_dashboard_grid_marks_a_changed_layout_apart_from_blocked_and_empty() -> None:
    from crawler.storage.repositories.dashboard import Coverage, CoverageCell
    from crawler.web import charts

    coverage = Coverage(
        run=None,
        platforms=[("jd", "京东")],
        categories=[("mask", "口罩", "Masks"), ("toys", "玩具", "Toys"), ("hats", "帽子", "Hats")],
        cells={
            ("jd", "mask"): CoverageCell(
                0, 3, 0, False, None, layout_changed=3, layout_note="search <x>: no rows"
            ),
            ("jd", "toys"): CoverageCell(0, 1, 0, True, "captcha"),
            ("jd", "hats"): CoverageCell(0, 1, 0, False, None),
        },
    )
    labels = {
        "blocked": "blocked",
        "layout_changed": "layout changed",
        "empty": "empty",
        "ok": "ok",
        "missing": "missing",
        "title": "coverage",
    }
    grid = str(charts.coverage_grid(coverage, {}, labels))
    assert grid.count('data-state="layout changed"') == 1 and 'class="cell-layout-changed"' in grid
    assert grid.count('data-state="blocked"') == 1 and grid.count('data-state="empty"') == 1
    assert charts.LAYOUT_CHANGED in grid and "3 × search &lt;x&gt;: no rows" in grid
    assert ">layout changed</text>" in grid  # the legend


def test_a_request_that_also_accepts_html_gets_no_html_for_json_block() -> None:
    request = Request("https://m.ocj.com.cn/item/1", headers={"Accept": "application/json, text/html;q=0.9"})
    page = TextResponse(request.url, body=b"<html><body>verify</body></html>", encoding="utf-8")
    assert html_where_json_expected(request, page) is None


def test_crawl_help_documents_the_exit_codes() -> None:
    from typer.testing import CliRunner

    from crawler.cli import app
    from crawler.commands.crawl import EXIT_FIELD_ALARM, EXIT_LAYOUT_CHANGED

    shown = CliRunner().invoke(app, ["crawl", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    text = " ".join(shown.output.split())
    assert f"{EXIT_LAYOUT_CHANGED} a platform changed its pages" in text
    assert f"{EXIT_FIELD_ALARM} a monitored field" in text
