"""The lab files treat scraped text as untrusted: HTML is escaped, formulas stay text."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from crawler.purchases.export import ExportRow, write_csv, write_html, write_xlsx
from crawler.purchases.thumbnails import placeholder_png, thumbnail_png
from crawler.storage.models import Lab


def _row() -> ExportRow:
    return ExportRow(
        sample_code="WG-2026-12-SH-0001",
        category="玩具",
        product='<script>alert("x")</script> 积木',
        brand='=HYPERLINK("http://evil")',
        model="MX-1",
        batch="",
        manufacturer="",
        platform="京东",
        shop="@shop",
        url="https://item.m.jd.com/product/1.html",
        price=Decimal("12.30"),
        order_no="",
        test_items=["甲醛含量", "pH值"],
        status="received",
        thumbnail=placeholder_png(),
    )


def test_untrusted_text(tmp_path: Path) -> None:
    lab = Lab(code="sgs", name="SGS & Co <lab>", accepted_categories=["*"], export_preferences={})
    rows = [_row()]
    write_html(rows, tmp_path / "s.html", lab, {rows[0].sample_code: "t/x.png"}, "2026-12-01 10:00")
    html = (tmp_path / "s.html").read_text("utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "SGS &amp; Co &lt;lab&gt;" in html
    assert "甲醛含量<br>pH值" in html and "12.30" in html
    write_xlsx(rows, tmp_path / "s.xlsx", lab)
    ws = load_workbook(tmp_path / "s.xlsx").active
    values = [c.value for c in ws[2]]
    assert values[3].startswith("'=") and values[8] == "'@shop"
    assert ws.cell(row=2, column=11).value == 12.3 and ws.cell(row=2, column=11).number_format == "0.00"
    write_csv(rows, tmp_path / "s.csv", {})
    with (tmp_path / "s.csv").open(encoding="utf-8-sig", newline="") as fh:
        row = list(csv.reader(fh))[1]
    assert row[3].startswith("'=") and row[12] == "甲醛含量；pH值"


def test_thumbnail_of_a_broken_image_is_the_placeholder() -> None:
    data, real = thumbnail_png(b"not an image")
    assert not real and data == placeholder_png()
    data, real = thumbnail_png(None)
    assert not real
