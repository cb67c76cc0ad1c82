"""Title and manufacturer similarity with rapidfuzz on normalised text."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from matchers.brands import alias_key
from matchers.normalise import nfkc, normalise

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def spaced(normalised: str) -> str:
    """CJK characters separated by spaces so token-based ratios work without a segmenter."""
    return re.sub(r"([\u3400-\u4dbf\u4e00-\u9fff])", r" \1 ", normalised)


def title_similarity(a: str, b: str, prepared: bool = False) -> float:
    """0..1: how much two titles say the same thing, ignoring word order, noise and extra words.

    ``prepared`` texts are already normalised and tokenised (words separated by spaces).
    """
    if not prepared:
        a, b = normalise(a), normalise(b)
        if _CJK.search(a) or _CJK.search(b):
            a, b = spaced(a), spaced(b)
    if not a or not b:
        return 0.0
    set_ratio = fuzz.token_set_ratio(a, b)
    sort_ratio = fuzz.token_sort_ratio(a, b)
    return (0.6 * set_ratio + 0.4 * sort_ratio) / 100.0


def manufacturer_similarity(a: str | None, b: str | None) -> float:
    """0..1 between two company names, legal suffixes (有限公司, Co., Ltd.) and spacing ignored."""
    ka, kb = alias_key(a), alias_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    return fuzz.ratio(ka, kb) / 100.0


def mentions(text: str | None, needle: str | None) -> bool:
    """Whether needle occurs in text once both are NFKC'd, lower-cased and stripped of separators."""
    n = re.sub(r"[\s\-_/.]", "", nfkc(needle).lower())
    if len(n) < 3:
        return False
    return n in re.sub(r"[\s\-_/.]", "", nfkc(text).lower())
