from __future__ import annotations

from datetime import date

import pytest

from crawler.references.normalise import (
    clean_text,
    gtin_valid,
    parse_barcodes,
    parse_date,
    parse_partial_date,
    parse_production_dates,
    split_dates_and_batches,
    split_models,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A/B/C", ["A", "B", "C"]),
        ("T2908 / T2320", ["T2908", "T2320"]),
        ("XSM-1102/1103", ["XSM-1102", "XSM-1103"]),
        ("AB-100~AB-103", ["AB-100", "AB-101", "AB-102", "AB-103"]),
        ("QK-3001～QK-3003", ["QK-3001", "QK-3002", "QK-3003"]),
        ("HK-20 ~ HK-23", ["HK-20", "HK-21", "HK-22", "HK-23"]),
        ("438200, 438202, 438394, 438395", ["438200", "438202", "438394", "438395"]),
        ("型号：MF-1718、MF-1719", ["MF-1718", "MF-1719"]),
        ("LETTAN 레탄 거울 (10435304, 60435306)", ["10435304", "60435306"]),
        ("SP-LEDBD-BT50W(방등)", ["SP-LEDBD-BT50W"]),
        ("e1*2007/46*1947*10 - e1*2007/46*1947*11", ["e1*2007/46*1947*10", "e1*2007/46*1947*11"]),
        ("A1~A999", ["A1", "A999"]),
        ("/", []),
        ("—", []),
    ],
)
def test_split_models(text: str, expected: list[str]) -> None:
    assert split_models(text) == expected


def test_gtin_check_digits() -> None:
    assert gtin_valid("8434077187999")
    assert gtin_valid("4006381333931")
    assert gtin_valid("850012345671")  # UPC-A
    assert gtin_valid("96385074")  # EAN-8
    assert not gtin_valid("8434077187990")
    assert not gtin_valid("12345")
    assert not gtin_valid("84340771879a9")


def test_barcodes_written_together_are_split_and_bad_ones_kept_apart() -> None:
    joined = parse_barcodes("69764220440286976422043939")
    assert joined.valid == ["6976422044028", "6976422043939"] and joined.invalid == []
    spaced = parse_barcodes("0 7789028735 4")
    assert spaced.valid == ["077890287354"]
    mixed = parse_barcodes("6923450657713, 6923450657710; X001KWB6WB")
    assert mixed.valid == ["6923450657713"]
    assert mixed.invalid == ["6923450657710", "X001KWB6WB"]


def test_dates() -> None:
    assert parse_date("21/08/2026") == date(2026, 8, 21)
    assert parse_date("2026-08-20T00:00:00") == date(2026, 8, 20)
    assert parse_date("20100504") == date(2010, 5, 4)
    assert parse_date("2024年5月7日") == date(2024, 5, 7)
    assert parse_date("Fri, 21 Aug 2026 17:37:27 GMT") == date(2026, 8, 21)
    assert parse_date("31/02/2026") is None
    assert parse_date("soon") is None
    assert parse_partial_date("2024年5月") == "2024-05"
    assert parse_partial_date("2024/01") == "2024-01"
    assert parse_production_dates("28.05.2020 - 4.10.2024") == ["2020-05-28/2024-10-04"]
    assert parse_production_dates("01.2011 - 06.2015") == ["2011-01/2015-06"]
    assert parse_production_dates("2024-01-01至2024-06-30") == ["2024-01-01/2024-06-30"]


@pytest.mark.parametrize(
    ("text", "dates", "batches"),
    [
        ("2024-03-02", ["2024-03-02"], []),
        ("20240211", ["2024-02-11"], []),
        ("2024.01.15", ["2024-01-15"], []),
        ("2024年5月", ["2024-05"], []),
        ("BX2402", [], ["BX2402"]),
        ("批号：20240105", [], ["20240105"]),
        ("2024-03-02 B123", ["2024-03-02"], ["B123"]),
        ("/", [], []),
    ],
)
def test_date_or_batch_cells(text: str, dates: list[str], batches: list[str]) -> None:
    assert split_dates_and_batches(text) == (dates, batches)


def test_clean_text_empties_and_spaces() -> None:
    assert clean_text("  a\u3000 b\xa0c ") == "a b c"
    for empty in ("/", "—", "——", "－", "", "  ", None, "无"):
        assert clean_text(empty) is None
