"""Normalisation of the fields every list spells its own way: text, model numbers, barcodes, dates."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime

EMPTY_MARKERS = frozenset(
    {"", "/", "／", "\\", "-", "－", "—", "——", "–", "n/a", "N/A", "NA", "无", "null", "None"}
)
MAX_RANGE_EXPANSION = 50
GTIN_LENGTHS = (13, 12, 8, 14)

_SPACE = re.compile(r"\s+")
_MODEL_PREFIX = re.compile(
    r"^(?:model(?:\s*(?:no\.?|number|numbers|s))?|type|ref\.?|art\.?\s*no\.?|item\s*no\.?|型号|规格型号)\s*[:：#]?\s*",
    re.IGNORECASE,
)
_MODEL_SEPARATORS = re.compile(r"\s*(?:[,;，；、|\n]|\s/\s|\s-\s|\band\b|\s和\s)\s*", re.IGNORECASE)
_RANGE = re.compile(r"^(?P<a>[^~～]+?)\s*(?:~|～|至|\bto\b|–|—|\.\.)\s*(?P<b>.+)$", re.IGNORECASE)
_PAREN_LIST = re.compile(r"^[^()（）]*[(（](?P<inner>[^()（）]*[,，、;；/][^()（）]*)[)）]\s*$")
_TRAILING_NOTE = re.compile(r"\s*[(（][^()（）\d]*[)）]\s*$")
_TRAILING_NUMBER = re.compile(r"^(?P<prefix>.*?)(?P<num>\d+)(?P<suffix>[A-Za-z]*)$")


def clean_text(value: object) -> str | None:
    """Trimmed text with runs of white space collapsed; empty markers (``/``, ``—``, ``无``) give None."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split())
    if text in EMPTY_MARKERS:
        return None
    return text


def _expand_range(start: str, end: str) -> list[str]:
    """``ABC-100 ~ ABC-105`` or ``ABC-100~105`` expanded, when both ends share a prefix and the count is
    small; otherwise the two ends are kept as they are."""
    first = _TRAILING_NUMBER.match(start)
    last = _TRAILING_NUMBER.match(end)
    if not first or not last:
        return [start, end]
    prefix, suffix = first["prefix"], first["suffix"]
    if last["prefix"] and last["prefix"] != prefix:
        return [start, end]
    if last["suffix"] != suffix:
        return [start, end]
    low, high = int(first["num"]), int(last["num"])
    width = len(first["num"])
    if high <= low or high - low >= MAX_RANGE_EXPANSION:
        return [start, end]
    return [f"{prefix}{str(n).zfill(width)}{suffix}" for n in range(low, high + 1)]


def split_models(value: object) -> list[str]:
    """Model numbers from one cell: ``A/B/C``, ``A, B``, ``X-100/101`` (shared prefix), ``X-1~X-5``."""
    text = clean_text(value)
    if not text:
        return []
    text = _MODEL_PREFIX.sub("", text)
    listed = _PAREN_LIST.match(text)
    if listed:
        text = listed["inner"]
    out: list[str] = []
    previous: str | None = None
    pieces: list[str] = []
    for piece in _MODEL_SEPARATORS.split(text):
        # a bare slash separates models (A/B/C) but not in type-approval numbers (e1*2007/46*1947*10)
        pieces.extend(piece.split("/") if "*" not in piece else [piece])
    for part in pieces:
        part = _TRAILING_NOTE.sub("", part).strip(" .:：")
        if part.count("(") != part.count(")") or part.count("（") != part.count("）"):
            part = part.strip("()（）")
        if not part or part in EMPTY_MARKERS:
            continue
        span = _RANGE.match(part)
        if span and any(ch.isdigit() for ch in span["a"]) and any(ch.isdigit() for ch in span["b"]):
            items = _expand_range(span["a"].strip(), span["b"].strip())
        else:
            items = [part]
        for item in items:
            if previous and item.isdigit() and len(item) < len(previous):
                head = _TRAILING_NUMBER.match(previous)
                if head and len(head["num"]) >= len(item) and not head["suffix"]:
                    item = head["prefix"] + head["num"][: len(head["num"]) - len(item)] + item
            if item not in out:
                out.append(item)
            previous = item
    return out


def split_list(value: object, separators: str = r"[,;，；、|\n]") -> list[str]:
    text = clean_text(value)
    if not text:
        return []
    out: list[str] = []
    for part in re.split(rf"\s*{separators}\s*", text):
        part = part.strip()
        if part and part not in EMPTY_MARKERS and part not in out:
            out.append(part)
    return out


# --- barcodes ------------------------------------------------------------------------------------


def gtin_valid(code: str) -> bool:
    """GTIN-8/12/13/14 check digit (mod 10, weights 3 and 1 from the right)."""
    if not code.isdigit() or len(code) not in GTIN_LENGTHS:
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _segment(run: str) -> list[str] | None:
    """Split a run of digits holding several GTINs written together (``69764…02869764…3939``)."""
    best: dict[int, list[str] | None] = {0: []}
    for end in range(1, len(run) + 1):
        best[end] = None
        for size in GTIN_LENGTHS:
            start = end - size
            if start >= 0 and best.get(start) is not None and gtin_valid(run[start:end]):
                best[end] = [*best[start], run[start:end]]  # type: ignore[misc]
                break
    return best[len(run)]


@dataclass
class Barcodes:
    valid: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def parse_barcodes(value: object) -> Barcodes:
    """Barcodes from one cell; GTINs with a wrong check digit, or of no GTIN length, are kept as invalid."""
    out = Barcodes()
    text = clean_text(value)
    if not text:
        return out
    for token in re.split(r"[,;，；、|/\n]+|\s{2,}", text):
        token = token.strip()
        if not token:
            continue
        run = re.sub(r"[\s\-.]", "", token)
        if not run.isdigit():
            if token not in out.invalid:
                out.invalid.append(token)
            continue
        if gtin_valid(run):
            parts: list[str] | None = [run]
        elif len(run) > 14:
            parts = _segment(run)
        else:
            parts = None
        if parts is None:
            if run not in out.invalid:
                out.invalid.append(run)
            continue
        for code in parts:
            if code not in out.valid:
                out.valid.append(code)
    return out


# --- dates ---------------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:T[\d:.+\-Z]*| \d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_YM = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})[./](\d{4})$")
_ZH = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?$")


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(value: object, *, day_first: bool = True) -> date | None:
    """A calendar date from the spellings the lists use; None when it is not one full date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_text(value)
    if not text:
        return None
    if m := _ISO.match(text):
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _COMPACT.match(text):
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(text):
        first, second = int(m[1]), int(m[2])
        day, month = (first, second) if day_first else (second, first)
        return _safe_date(int(m[3]), month, day)
    if (m := _ZH.match(text)) and m[3]:
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    if re.search(r"[A-Za-z]{3},? \d{1,2} [A-Za-z]{3} \d{4}", text):
        try:
            return parsedate_to_datetime(text).date()
        except (TypeError, ValueError, IndexError):
            return None
    return None


def parse_partial_date(value: object) -> str | None:
    """A date written to the day, month or year, as ISO text of that precision (``2024-05``)."""
    full = parse_date(value)
    if full:
        return full.isoformat()
    text = clean_text(value)
    if not text:
        return None
    m = _YM.match(text) or _ZH.match(text)
    if m and 1 <= int(m[2]) <= 12:
        return f"{int(m[1]):04d}-{int(m[2]):02d}"
    m = _MY.match(text)
    if m and 1 <= int(m[1]) <= 12:
        return f"{int(m[2]):04d}-{int(m[1]):02d}"
    if re.fullmatch(r"(19|20)\d{2}", text):
        return text
    return None


_DATE_PART = (
    r"\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}[./\-年]\d{1,2}(?:[./\-月]\d{1,2}日?)?|\d{1,2}[./]\d{4}|\d{8}"
)
_DATE_RANGE = re.compile(rf"({_DATE_PART})\s*(?:-|–|—|~|～|至|to|until)\s*({_DATE_PART})", re.IGNORECASE)
_DATE_SINGLE = re.compile(rf"(?<![\d.])({_DATE_PART})(?![\d.])")


def parse_production_dates(value: object) -> list[str]:
    """Production dates and ranges found in free text: ``2024-01-15``, ``2024-01`` or
    ``2024-01-01/2024-06-30`` for a range."""
    text = clean_text(value)
    if not text:
        return []
    out: list[str] = []
    consumed = text
    for m in _DATE_RANGE.finditer(text):
        start, end = parse_partial_date(m[1]), parse_partial_date(m[2])
        if start and end:
            item = f"{start}/{end}"
            if item not in out:
                out.append(item)
            consumed = consumed.replace(m[0], " ")
    for m in _DATE_SINGLE.finditer(consumed):
        single = parse_partial_date(m[1])
        if single and single not in out:
            out.append(single)
    return out


_BATCH_LABEL = re.compile(r"^(?:批号|批次号?|生产批号|lot|batch)\s*[:：]?\s*", re.IGNORECASE)
_DATE_LABEL = re.compile(r"^(?:生产日期|日期|production date)\s*[:：]?\s*", re.IGNORECASE)


def split_dates_and_batches(value: object) -> tuple[list[str], list[str]]:
    """A ``生产日期/批号`` cell: parts that read as dates are production dates, the rest are batches."""
    text = clean_text(value)
    if not text:
        return [], []
    whole = parse_partial_date(text)
    if whole:
        return [whole], []
    dates: list[str] = []
    batches: list[str] = []
    for part in split_list(text, r"[,;，；、\n]|\s/\s|\s+"):
        label = _BATCH_LABEL.match(part)
        if label:
            batch = part[label.end() :].strip()
            if batch and batch not in batches:
                batches.append(batch)
            continue
        part = _DATE_LABEL.sub("", part)
        found = parse_partial_date(part) or (parse_production_dates(part) or [None])[0]
        if found:
            if found not in dates:
                dates.append(found)
        elif part not in batches:
            batches.append(part)
    return dates, batches
