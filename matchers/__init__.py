"""Matching listings against reference lists. No Scrapy imports here.

Pieces: :mod:`normalise` (text), :mod:`models` (model numbers), :mod:`barcodes` (GTIN),
:mod:`brands` (aliases across Chinese, English, pinyin), :mod:`dates` (batches and dates),
:mod:`text` (title and manufacturer similarity), :mod:`photos` (perceptual hashes and their index),
:mod:`signals` (the comparisons, in a registry), :mod:`candidates` (indexes that pick what to compare),
:mod:`scoring` (score and decision), :mod:`engine` (the matcher), :mod:`evaluation` (quality figures).
"""

from matchers.brands import BrandResolver
from matchers.engine import VERSION, Matcher
from matchers.types import Evidence, MatchResult, Offer, Reference, Thresholds, Verdict

__all__ = [
    "VERSION",
    "BrandResolver",
    "Evidence",
    "MatchResult",
    "Matcher",
    "Offer",
    "Reference",
    "Thresholds",
    "Verdict",
]
