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


_SPACE_OR_DASH = re.compile(r"[\s\-]")


def check_digit_ok(digits: str) -> bool:
    body, check = digits[-2::-1], int(digits[-1])
    total = 3 * sum(map(int, body[0::2])) + sum(map(int, body[1::2]))
    return (10 - total % 10) % 10 == check


def gtin14(value: str | None) -> str | None:
    """The GTIN-14 form of a valid barcode (leading zeros added), or None when it is not one."""
    digits = _SPACE_OR_DASH.sub("", nfkc(value))
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return None
    if not check_digit_ok(digits) or set(digits) == {"0"}:
        return None
    return digits.zfill(14)


INVALID_PREFIX = "x"


def key(value: str | None) -> str | None:
    """Comparable form of a stated barcode: the GTIN-14 when valid, else the digits marked as unchecked.

    Lists and labels do carry codes with a wrong check digit; two such codes are still compared, exactly.
    """
    valid = gtin14(value)
    if valid:
        return valid
    digits = _SPACE_OR_DASH.sub("", nfkc(value))
    if digits.isdigit() and len(digits) in (8, 12, 13, 14) and set(digits) != {"0"}:
        return INVALID_PREFIX + digits
    return None


def display(code: str) -> str:
    """A code shown as people write it (EAN-13 when the GTIN-14's leading digit is zero)."""
    if code.startswith(INVALID_PREFIX):
        return f"{code[1:]} (check digit wrong)"
    return code[1:] if code.startswith("0") else code


def normalise_all(values: Iterable[str]) -> set[str]:
    return {g for g in (gtin14(v) for v in values) if g}


def stated(values: Iterable[str]) -> set[str]:
    """Keys of barcodes stated as barcodes (fields named so), valid or not."""
    return {k for k in (key(v) for v in values) if k}


def extract(text: str | None) -> set[str]:
    """Valid GTINs found anywhere in free text."""
    runs = _DIGIT_RUN.findall(nfkc(text))
    return normalise_all(runs) if runs else set()


def from_attributes(attributes: dict[str, Any] | None) -> set[str]:
    """Barcodes in spec/attribute values: any code under a barcode-named key, valid GTINs anywhere."""
    out: set[str] = set()
    for name, value in (attributes or {}).items():
        if value is None:
            continue
        text = nfkc(str(value))
        if nfkc(str(name)).strip().lower() in BARCODE_ATTRIBUTE_KEYS:
            out |= stated(re.split(r"[,;/\s]+", text))
        out |= extract(text)
    return out
