"""Links, prices and charts as the templates render them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crawler.storage.repositories.dashboard import Coverage, CoverageCell
from crawler.web import charts
from crawler.web.templating import http_url, make_environment, money
from crawler.web.views import reasons


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,<script>",
        "vbscript:x",
        "//evil.example/x",
        "/relative",
        "https:",
        "http://exa\nmple.com",
        "ftp://files.example/x",
        "",
        None,
        42,
    ],
)
def test_only_absolute_http_urls_become_links(url):
    assert http_url(url) is None


def test_http_urls_are_kept():
    assert http_url("https://www.samr.gov.cn/a?b=1&c=2") == "https://www.samr.gov.cn/a?b=1&c=2"
    assert http_url("HTTP://Example.com/x") == "HTTP://Example.com/x"


def test_the_link_macro_escapes_and_refuses_other_schemes():
    env = make_environment("Asia/Shanghai")
    template = env.from_string(
        '{% from "_macros.html" import link_or_text with context %}{{ link_or_text(u) }}'
    )
    t = lambda key: key  # noqa: E731
    html = template.render(u='https://x.example/?q="><script>', t=t)
    assert 'href="https://x.example/?q=&#34;&gt;&lt;script&gt;"' in html and "<script>" not in html
    plain = template.render(u="javascript:alert(1)", t=t)
    assert "<a" not in plain and "javascript:alert(1)" in plain


def test_money():
    assert money(Decimal("1234.5")) == "¥1,234.50"
    assert money(Decimal("15.99"), "USD") == "$15.99"
    assert money(None) == "—"


def test_reasons_read_strings_and_structured_items_without_markup():
    found = reasons(
        ["型号一致"], [{"field": "model", "listing": "<b>X1</b>", "reference": "X1", "score": 0.95}]
    )
    assert [r.text for r in found] == ["型号一致", "model: <b>X1</b> ↔ X1 (0.95)"]
    assert [r.field for r in found] == ["model", "model"]


def test_charts_escape_every_label_and_tell_blocked_from_empty():
    evil = '<script>alert(1)</script>"'
    day = date(2026, 11, 20)
    svg = str(charts.stacked_days([day], [(evil, {day: 3})], evil, "none"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    coverage = Coverage(
        run=None,
        platforms=[("jd", evil)],
        categories=[("masks", evil, evil), ("toys", "玩具", "Toys"), ("hats", "帽子", "Hats")],
        cells={
            ("jd", "masks"): CoverageCell(0, 0, 0, True, evil),
            ("jd", "toys"): CoverageCell(0, 1, 0, False, None),
        },
    )
    labels = {"blocked": "blocked", "empty": "empty", "ok": "ok", "missing": "missing", "title": evil}
    grid = str(charts.coverage_grid(coverage, {}, labels))
    assert "<script>" not in grid
    assert grid.count('data-state="blocked"') == 1 and grid.count('data-state="empty"') == 1
    assert grid.count('data-state="missing"') == 1
    assert "url(#hatch)" in grid and "✕" in grid
    assert "<script>" not in str(charts.bars([(evil, 2)], evil, "none"))


def test_findings_against_a_match_are_not_highlighted_as_agreement():
    found = reasons(["model KD-P20 = KD-P20", "brand 酷电 ≠ 公牛", "barcode 6901234567892 equal"])
    assert [(r.field, r.agrees) for r in found] == [("model", True), ("brand", False), ("barcodes", True)]
