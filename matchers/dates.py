"""Batch numbers and production dates: does the listing claim the batch or period a list names."""

from __future__ import annotations

import re
from datetime import date

from matchers.normalise import nfkc

_DATE = re.compile(r"(20\d\d|19\d\d)\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?")
_COMPACT = re.compile(r"(?<!\d)(20\d\d)(0[1-9]|1[0-2])([0-2]\d|3[01])?(?!\d)")
BATCH_ATTRIBUTE_KEYS = ("批号", "批次", "生产批号", "batch", "lot", "lot number", "batch number")
DATE_ATTRIBUTE_KEYS = ("生产日期", "production date", "manufacture date", "date of manufacture", "生产时间")


def batch_key(value: str | None) -> str:
    return re.sub(r"[\s\-_/.:]", "", nfkc(value).upper())


def parse_dates(text: str | None) -> list[tuple[int, int, int | None]]:
    """(year, month, day-or-None) triples written in text: 2024-03-05, 2024年3月, 20240305."""
    value = nfkc(text)
    out: list[tuple[int, int, int | None]] = []
    for m in _DATE.finditer(value):
        year, month = int(m.group(1)), int(m.group(2))
        day = int(m.group(3)) if m.group(3) else None
        if 1 <= month <= 12 and (day is None or 1 <= day <= 31):
            out.append((year, month, day))
    for m in _COMPACT.finditer(value):
        out.append((int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None))
    return out


def dates_agree(a: tuple[int, int, int | None], b: tuple[int, int, int | None]) -> bool:
    if a[:2] != b[:2]:
        return False
    return a[2] is None or b[2] is None or a[2] == b[2]


def valid_date(triple: tuple[int, int, int | None]) -> bool:
    try:
        date(triple[0], triple[1], triple[2] or 1)
    except ValueError:
        return False
    return True
