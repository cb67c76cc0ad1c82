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
# Ranges of sizes, weights, ages and capacities are specifications too: 0-13kg, 40-85cm, 2.2-54kg,
# 0-36m, 3-6y, 10~20w, and a bare 0-12 or 40-150 (two numbers of at most three digits, rising).
_RANGE_UNIT = (
    r"kg|g|cm|mm|m|l|ml|mah|w|v|y|yr|yrs|year|years|yo|mo|mos|month|months|in|inch|lb|lbs|kw|db|pcs|c|f"
)
_RANGE = re.compile(rf"^\d+(?:\.\d+)?(?:{_RANGE_UNIT})?[-~]\d+(?:\.\d+)?(?:{_RANGE_UNIT})$")
_BARE_RANGE = re.compile(r"^(\d{1,3})[-~](\d{1,3})$")
# Standards and approvals named beside a model are not models: ECE R44/04, R129, EN71, GB27887, 3C.
_STANDARD = re.compile(
    r"^(?:r44(?:[-/.]?0?\d)?|r129(?:[-/.]?0?\d)?|ece|en\d{2,5}(?:-\d+)?|gb(?:/t)?\d{3,6}(?:-\d+)?|"
    r"iso\d{3,5}|iec\d{3,5}(?:-\d+)?|astm[a-z]?\d*|ul\d{2,4}|ccc|fcc|isofix|i-size|isize)$"
)
# Words that name a variant of a model when they follow its code: KD-P20 Pro is not KD-P20.
SUFFIX_WORDS = frozenset(
    {"pro", "max", "plus", "mini", "lite", "ultra", "se", "air", "neo", "prime", "evo", "promax", "duo"}
)
# Colour and market suffixes after a separator (KD-P20-BK, HX6730-EU): the same model, another finish
# or plug. A letter glued on (KD-P20S) is another model.
_FINISH_SUFFIX = re.compile(
    r"[\-_/.](?:bk|blk|black|wh|wht|white|rd|red|bl|blu|blue|gy|gry|grey|gray|gr|grn|pk|pink|"
    r"eu|us|uk|cn|au|jp|kr|int)$",
    re.IGNORECASE,
)
# Model fields that say there is no model.
_PLACEHOLDERS = frozenset({"NA", "NONE", "NIL", "UNKNOWN", "TBC", "TBD", "OTHER", "OTHERS", "VARIOUS", "ALL"})
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


def is_quantity(token: str) -> bool:
    """A size, weight, age or capacity (with its range) rather than a code: 20000mah, 0-13kg, 40-85cm."""
    low = token.lower()
    if _UNIT.match(low) or _RANGE.match(low):
        return True
    bare = _BARE_RANGE.match(low)
    return bool(bare) and int(bare.group(1)) < int(bare.group(2))


@lru_cache(maxsize=1 << 16)
def _plausible(token: str) -> bool:
    low = token.lower()
    if low in _COMMON or _UNIT.match(low) or _YEAR.match(low) or is_quantity(low) or _STANDARD.match(low):
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
    """Model-number candidates found in free text: canonical form -> form as written."""
    return split_codes(text)[0]


def _loose(token: str) -> bool:
    """A short or one-kind token that may be a code when an entry publishes it: KS, MAMMUT, Goody, 520."""
    flat = canonical(token)
    if not 2 <= len(flat) <= 24 or is_quantity(token) or _YEAR.match(flat):
        return False
    if flat.isdigit():
        return 3 <= len(flat) <= 6
    return flat.isalpha() and token[:1].isupper()


@lru_cache(maxsize=1 << 16)
def split_codes(text: str | None) -> tuple[dict[str, str], frozenset[str]]:
    """Model-number candidates of free text (canonical -> as written), and the *loose* candidates.

    Runs of letters and digits with inner separators are candidates, and so are a short letter prefix
    followed by a code ("LF HD22" gives LFHD22 as well as HD22); quantities with units, size and age
    ranges (0-13kg, 40-85cm) and standards (R44/04) are not. A variant word after a code is part of it
    ("KD-P20 Pro" gives KDP20PRO, and not KDP20: it is another model).

    Loose candidates are the tokens a code could also be when an entry publishes it so (letters only,
    digits only, two words: "MAMMUT", "520", "Dualfix i-Size"); they count only when equal to a code
    of the entry, never as a conflicting model.
    """
    value = nfkc(text)
    if not value:
        return {}, frozenset()
    # Split on the runs (kept): the runs, and after each the text up to the next one.
    parts = _RUN_KEPT.split(value)
    runs, gaps = parts[1::2], parts[2::2]
    out: dict[str, str] = {}
    loose: set[str] = set()
    shadowed: set[str] = set()
    last = len(runs) - 1
    for i, token in enumerate(runs):
        plausible = _plausible(token)
        if plausible:
            out.setdefault(canonical(token), token)
            bare = _FINISH_SUFFIX.sub("", token)
            if bare != token and _plausible(bare):
                out.setdefault(canonical(bare), bare)
            if "/" in token:
                for part in token.split("/"):
                    if _plausible(part):
                        out.setdefault(canonical(part), part)
        elif _loose(token):
            loose.add(canonical(token))
        if i >= last:
            continue
        gap = gaps[i]
        if len(gap) > 2 or gap.strip(" -") != "":
            continue
        nxt = runs[i + 1]
        joined = token + nxt
        written = token + gap + nxt
        # Two words that are no code on their own may be one as an entry writes it (Dualfix i-Size).
        if not plausible and token.isalpha() and not _plausible(nxt) and not is_quantity(nxt):
            flat = canonical(joined)
            if len(flat) >= 4:
                loose.add(flat)
        variant = nxt.lower() in SUFFIX_WORDS and bool(_HAS_DIGIT.search(token)) and _plausible(token)
        prefix = token.isalpha() and len(token) <= 4
        suffix = nxt.isdigit() and len(nxt) <= 5 and not _UNIT.match(token.lower())
        if variant:
            out.setdefault(canonical(joined), written)
            shadowed.add(canonical(token))
        elif (prefix or suffix) and not _YEAR.match(nxt) and _plausible(joined):
            out.setdefault(canonical(joined), written)
            # A variant word after the joined code: "kd p20 pro" is KDP20PRO.
            # A variant word or a short upper-case suffix after the joined code: "kd p20 pro" is
            # KDP20PRO (and not KDP20), "NTY 20-18 LW" may be NTY2018LW.
            if i + 1 < last:
                gap2, third = gaps[i + 1], runs[i + 2]
                if len(gap2) <= 2 and gap2.strip(" -") == "":
                    if third.lower() in SUFFIX_WORDS:
                        out.setdefault(canonical(joined + third), written + gap2 + third)
                        shadowed.update((canonical(joined), canonical(nxt)))
                    elif third.isalpha() and third.isupper() and len(third) <= 3:
                        out.setdefault(canonical(joined + third), written + gap2 + third)
    for code in shadowed:
        out.pop(code, None)
    return out, frozenset(loose - set(out) - shadowed)


def codes_from_fields(model: str | None, attributes: dict[str, Any] | None) -> dict[str, str]:
    """Codes a listing states in its model field and its model-like attributes (canonical -> written)."""
    out: dict[str, str] = {}
    values: list[str] = [model] if model else []
    for key, value in (attributes or {}).items():
        if nfkc(str(key)).strip().lower() in MODEL_ATTRIBUTE_KEYS and value:
            values.append(str(value))
    for value in values:
        whole = canonical(value)
        # A model field holds a code even when it is short, letters only or digits only (KS, Pebble).
        written = nfkc(value).strip()
        if (
            2 <= len(whole) <= 24
            and whole.isascii()
            and whole.isalnum()
            and whole not in _PLACEHOLDERS
            and not is_quantity(written)
        ):
            out.setdefault(whole, written)
        for key, written in extract_codes(value).items():
            out.setdefault(key, written)
    return out


def reference_codes(models: Iterable[str]) -> dict[str, str]:
    """Canonical codes of a reference's stated models, taken as given: short, letters-only and
    digits-only codes too (an entry publishes them as its model), placeholders (N/A) left out."""
    out: dict[str, str] = {}
    for model in models:
        whole = canonical(model)
        if len(whole) >= 2 and whole not in _PLACEHOLDERS:
            out.setdefault(whole, nfkc(model).strip())
        # A regional or packaging suffix after a slash (Philips HX6730/02), a colour or market suffix
        # (KD-P20-BK): the code before it is the model as shops write it.
        written = nfkc(model).strip()
        bare = _FINISH_SUFFIX.sub("", written)
        if bare != written and is_specific(canonical(bare)):
            out.setdefault(canonical(bare), bare)
        if "/" in written:
            head = written.split("/", 1)[0].strip()
            if is_specific(canonical(head)):
                out.setdefault(canonical(head), head)
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
