"""Model numbers: extraction from titles, specs and attributes, canonical forms, and neighbours."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from matchers.normalise import nfkc

_SEPARATORS = re.compile(r"[\s\-_./·:]+")
_RUN = re.compile(r"[A-Za-z0-9]+(?:[\-_./][A-Za-z0-9]+)*")
_RUN_KEPT = re.compile(f"({_RUN.pattern})")
_HAS_DIGIT = re.compile(r"\d")
_HAS_ALPHA = re.compile(r"[A-Za-z]")
_DIGITS = re.compile(r"\d+")
# Quantities with a unit are specifications, not model numbers: 220V, 1200W, 500ml, 3.5mm, 64GB, 10pcs.
_UNIT = re.compile(
    r"^\d+(?:\.\d+)?(?:v|w|kw|mah|ah|ma|ml|l|kg|g|mg|mm|cm|m|km|hz|khz|mhz|ghz|gb|tb|mb|kb|pcs|pc|pack|"
    r"x|in|inch|ft|oz|lb|lbs|db|k|p|mp|fps|rpm|bar|psi|c|f|d|h|min|s|t|cc|ch|th|st|nd|rd|yr|yrs|pcs)$"
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_COMMON = {
    "usb",
    "usb2",
    "usb3",
    "4g",
    "5g",
    "3g",
    "2g",
    "wifi6",
    "ps4",
    "ps5",
    "mp3",
    "mp4",
    "a4",
    "a5",
    "3c",
    "4k",
    "8k",
    "2k",
    "1080p",
    "720p",
    "h264",
    "h265",
    "hdmi2",
    "cr2032",
    "aa",
    "aaa",
    "qi2",
    "bt5",
    "ipx4",
    "ipx5",
    "ipx6",
    "ipx7",
    "ipx8",
    "ip67",
    "ip68",
    "type-c",
    "typec",
    "n95",
    "kn95",
    "ffp2",
    "cat6",
    "cat5e",
    "lr44",
    "18650",
}

MODEL_ATTRIBUTE_KEYS = (
    "型号",
    "规格型号",
    "产品型号",
    "货号",
    "款号",
    "model",
    "model no",
    "model number",
    "modelno",
    "mpn",
    "item model number",
    "part number",
    "sku",
)


@lru_cache(maxsize=1 << 16)
def canonical(code: str | None) -> str:
    """The form model numbers are compared in: NFKC, upper case, separators removed (LF-HD22 = lf hd22)."""
    return _SEPARATORS.sub("", nfkc(code).upper())


@lru_cache(maxsize=1 << 16)
def is_specific(code: str) -> bool:
    """A canonical code long and mixed enough to identify a product on its own."""
    return (
        len(code) >= 5
        and bool(_HAS_DIGIT.search(code))
        and bool(_HAS_ALPHA.search(code))
        or (len(code) >= 7 and code.isdigit())
    )


@lru_cache(maxsize=1 << 16)
def _plausible(token: str) -> bool:
    low = token.lower()
    if low in _COMMON or _UNIT.match(low) or _YEAR.match(low):
        return False
    flat = canonical(token)
    if len(flat) < 3 or len(flat) > 24:
        return False
    has_digit = bool(_HAS_DIGIT.search(flat))
    has_alpha = bool(_HAS_ALPHA.search(flat))
    if has_digit and has_alpha:
        return True
    return flat.isdigit() and 4 <= len(flat) <= 10 and not _YEAR.match(flat)


def extract_codes(text: str | None) -> dict[str, str]:
    """Model-number candidates found in free text: canonical form -> form as written.

    Runs of letters and digits with inner separators are candidates, and so are a short letter prefix
    followed by a code ("LF HD22" gives LFHD22 as well as HD22); quantities with units are not.
    """
    value = nfkc(text)
    if not value:
        return {}
    # Split on the runs (kept): the runs, and after each the text up to the next one.
    parts = _RUN_KEPT.split(value)
    runs, gaps = parts[1::2], parts[2::2]
    out: dict[str, str] = {}
    last = len(runs) - 1
    for i, token in enumerate(runs):
        if _plausible(token):
            out.setdefault(canonical(token), token)
            if "/" in token:
                for part in token.split("/"):
                    if _plausible(part):
                        out.setdefault(canonical(part), part)
        if i < last:
            gap = gaps[i]
            if len(gap) <= 2 and gap.strip(" -") == "":
                nxt = runs[i + 1]
                joined = token + nxt
                prefix = token.isalpha() and len(token) <= 4
                suffix = nxt.isdigit() and len(nxt) <= 5 and not _UNIT.match(token.lower())
                if (prefix or suffix) and not _YEAR.match(nxt) and _plausible(joined):
                    out.setdefault(canonical(joined), token + gap + nxt)
    return out


def codes_from_fields(model: str | None, attributes: dict[str, Any] | None) -> dict[str, str]:
    """Codes a listing states in its model field and its model-like attributes (canonical -> written)."""
    out: dict[str, str] = {}
    values: list[str] = [model] if model else []
    for key, value in (attributes or {}).items():
        if nfkc(str(key)).strip().lower() in MODEL_ATTRIBUTE_KEYS and value:
            values.append(str(value))
    for value in values:
        whole = canonical(value)
        if 3 <= len(whole) <= 24 and _HAS_DIGIT.search(whole):
            out.setdefault(whole, nfkc(value).strip())
        for key, written in extract_codes(value).items():
            out.setdefault(key, written)
    return out


def reference_codes(models: Iterable[str]) -> dict[str, str]:
    """Canonical codes of a reference's stated models (taken as given, when long enough)."""
    out: dict[str, str] = {}
    for model in models:
        whole = canonical(model)
        if len(whole) >= 3:
            out.setdefault(whole, nfkc(model).strip())
    return out


@lru_cache(maxsize=65536)
def skeleton(code: str) -> str:
    """Letters kept, digit runs replaced: LFHD22 and LFHD23 share the skeleton LFHD#."""
    return _DIGITS.sub("#", code)


def neighbouring(a: str, b: str) -> bool:
    """Two different codes of one series: same letters with other digits, or one a suffixed variant."""
    if a == b or not a or not b or a[0] != b[0] or abs(len(a) - len(b)) > 3:
        return False
    if skeleton(a) == skeleton(b) and _HAS_DIGIT.search(a):
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 3:
        return True
    if len(a) == len(b) and len(a) >= 5:
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    return False
