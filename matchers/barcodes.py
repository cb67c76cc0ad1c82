"""GTIN barcodes (EAN-8, UPC-A, EAN-13, GTIN-14): validation and one comparable form."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from matchers.normalise import nfkc

_DIGIT_RUN = re.compile(r"(?<!\d)(\d{8}|\d{12,14})(?!\d)")
BARCODE_ATTRIBUTE_KEYS = (
    "条形码",
    "条码",
    "商品条码",
    "barcode",
    "ean",
    "upc",
    "gtin",
    "ean13",
    "ean-13",
    "upc-a",
    "国际条码",
)


def check_digit_ok(digits: str) -> bool:
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin14(value: str | None) -> str | None:
    """The GTIN-14 form of a valid barcode (leading zeros added), or None when it is not one."""
    digits = re.sub(r"[\s\-]", "", nfkc(value))
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return None
    if not check_digit_ok(digits) or set(digits) == {"0"}:
        return None
    return digits.zfill(14)


def display(code14: str) -> str:
    """A GTIN-14 shown as people write it (EAN-13 when the leading digit is zero)."""
    return code14[1:] if code14.startswith("0") else code14


def normalise_all(values: Iterable[str]) -> set[str]:
    return {g for g in (gtin14(v) for v in values) if g}


def extract(text: str | None) -> set[str]:
    """Valid GTINs found anywhere in free text."""
    return normalise_all(_DIGIT_RUN.findall(nfkc(text)))


def from_attributes(attributes: dict[str, Any] | None) -> set[str]:
    """GTINs in spec/attribute values: barcode-named keys first, then any value holding one."""
    out: set[str] = set()
    for key, value in (attributes or {}).items():
        if value is None:
            continue
        text = nfkc(str(value))
        if nfkc(str(key)).strip().lower() in BARCODE_ATTRIBUTE_KEYS:
            out |= normalise_all(re.split(r"[,;/\s]+", text))
        out |= extract(text)
    return out
