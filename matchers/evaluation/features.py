"""Features of a pair of product records for the learned combiner.

Model-number agreement (codes extracted from titles, model fields and descriptions), TF-IDF cosines
over words and character n-grams, rapidfuzz ratios, numbers, brand and price agreement.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from matchers.brands import alias_key
from matchers.models import canonical, extract_codes, is_specific, neighbouring
from matchers.normalise import normalise

WORD_PATTERN = r"[a-z0-9\u4e00-\u9fff][a-z0-9.\-\u4e00-\u9fff]*"
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_QUANTITY = re.compile(
    r"(\d+(?:\.\d+)?)\s*-?\s*(tb|gb|mb|mp|megapixel|oz|lbs?|inch|in|ft|mm|cm|w|watts?|v|volts?|mah|ml|l|pack|pk|ct|count|pcs|pieces|sheets|x|gal|qt|hz|ghz|mhz|rpm|yd)\b"
)
_UNIT_ALIAS = {
    "megapixel": "mp",
    "lb": "lbs",
    "in": "inch",
    "watt": "w",
    "watts": "w",
    "volt": "v",
    "volts": "v",
    "pk": "pack",
    "pieces": "pcs",
    "count": "ct",
}
COLOURS = {
    "black",
    "white",
    "silver",
    "gray",
    "grey",
    "red",
    "blue",
    "green",
    "pink",
    "purple",
    "yellow",
    "orange",
    "brown",
    "gold",
    "teal",
    "beige",
    "navy",
    "bronze",
    "graphite",
    "titanium",
    "charcoal",
    "ivory",
    "violet",
    "黑色",
    "白色",
    "银色",
    "灰色",
    "红色",
    "蓝色",
    "绿色",
    "粉色",
    "紫色",
    "黄色",
    "橙色",
    "棕色",
    "金色",
}
_WORD = re.compile(r"[a-z0-9\u4e00-\u9fff]+")
# Words that name an edition, licence or platform of the same product line: one side naming one the other
# does not, or both naming different ones, separates products that share every other word.
EDITION_WORDS = {
    "mac": {"mac", "macintosh", "osx", "macosx"},
    "win": {"win", "windows", "pc", "winxp", "vista", "xp"},
    "upgrade": {"upgrade", "upg", "upgrd", "pbupgrd", "upsell", "update", "crossgrade"},
    "academic": {"academic", "education", "educational", "edu", "student", "students", "teacher", "teachers"},
    "oem": {"oem"},
    "licence": {"license", "licence", "lic", "subscription", "subs", "renewal", "maintenance"},
    "full": {"full", "complete"},
    "bundle": {"bundle", "pack", "kit", "combo", "collection", "suite"},
}
LEVEL_WORDS = {
    "standard": "standard",
    "std": "standard",
    "professional": "pro",
    "pro": "pro",
    "prof": "pro",
    "premium": "premium",
    "deluxe": "deluxe",
    "dlx": "deluxe",
    "dlux": "deluxe",
    "home": "home",
    "business": "business",
    "basic": "basic",
    "platinum": "platinum",
    "gold": "gold",
    "ultimate": "ultimate",
    "enterprise": "enterprise",
    "family": "family",
    "server": "server",
    "express": "express",
    "lite": "lite",
    "plus": "plus",
    "extended": "extended",
    "elements": "elements",
    "studio": "studio",
}
_USERS = re.compile(
    r"\b(\d+)\s*-?\s*(?:users?|pcs?|seats?|clients?|devices?|agents?|computers?|licen[cs]es?|u)\b"
)
_YEARISH = re.compile(r"^(?:19|20)\d\d$|^'\d\d$")
_VERSION = re.compile(r"^(?:v|cs|x)?(\d{1,2})(?:\.(\d{1,2}))?(?:\.\d+)*$")


@dataclass
class Side:
    title: str
    text: str
    flat: str
    codes: dict[str, str]
    numbers: set[str]
    words: set[str]
    brand: str
    price: float | None
    model_field: str
    colours: set[str]
    quantities: dict[str, set[str]]
    editions: set[str]
    levels: set[str]
    users: set[str]
    years: set[str]
    versions: set[str]


def _price(value: str | None) -> float | None:
    try:
        price = float(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        return None
    return price if price > 0 and math.isfinite(price) else None


def side(record: dict[str, str]) -> Side:
    title_raw = record.get("title") or record.get("name") or ""
    title = normalise(title_raw, drop_noise=False)
    extra = " ".join(v for k, v in record.items() if k not in ("title", "name", "price") and v)
    text = normalise(f"{title_raw} {extra}", drop_noise=False)
    codes = dict(extract_codes(title_raw))
    model = record.get("modelno") or ""
    if model:
        whole = canonical(model)
        if len(whole) >= 3:
            codes.setdefault(whole, model)
        codes.update(extract_codes(model))
    brand = record.get("brand") or record.get("manufacturer") or ""
    words = set(_WORD.findall(title))
    quantities: dict[str, set[str]] = {}
    for number, unit in _QUANTITY.findall(title):
        quantities.setdefault(_UNIT_ALIAS.get(unit, unit), set()).add(number.rstrip("0").rstrip(".") or "0")
    tokens = title.replace("/", " ").split()
    return Side(
        title=title,
        text=text,
        flat=canonical(text),
        codes=codes,
        numbers=set(_NUMBER.findall(title)),
        words=words,
        brand=alias_key(brand) or (title.split()[0] if title.split() else ""),
        price=_price(record.get("price")),
        model_field=canonical(model),
        colours=words & COLOURS,
        quantities=quantities,
        editions={name for name, group in EDITION_WORDS.items() if words & group},
        levels={LEVEL_WORDS[w] for w in words if w in LEVEL_WORDS},
        users=set(_USERS.findall(title)),
        years={_year(t) for t in tokens if _YEARISH.match(t)},
        versions=_versions(tokens),
    )


def _year(token: str) -> str:
    return token[-2:]


def _versions(tokens: Sequence[str]) -> set[str]:
    """Version-like numbers (7, 7.0, v7, cs3, 10.5); a trailing .0 is dropped, years and quantities are not versions."""
    out: set[str] = set()
    for i, token in enumerate(tokens):
        if _YEARISH.match(token):
            continue
        match = _VERSION.match(token)
        if not match:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if nxt and (_QUANTITY.match(f"1 {nxt}") or _USERS.match(f"1 {nxt}")):
            continue
        major, minor = match.group(1), match.group(2)
        out.add(major if not minor or minor.strip("0") == "" else f"{major}.{minor}")
    return out


FEATURES = (
    "code_equal",
    "code_equal_specific",
    "code_in_other_text",
    "code_conflict",
    "code_neighbour",
    "codes_none",
    "tfidf_title",
    "tfidf_text",
    "char_title",
    "char_text",
    "token_set",
    "token_sort",
    "partial",
    "ratio",
    "token_set_text",
    "jaccard",
    "number_jaccard",
    "number_conflict",
    "brand_equal",
    "brand_in_other",
    "price_log_ratio",
    "price_missing",
    "length_ratio",
    "idf_overlap_title",
    "idf_overlap_text",
    "idf_max_unshared",
    "numbers_unshared",
    "colour_conflict",
    "quantity_conflict",
    "quantity_agree",
    "model_field_equal",
    "model_field_ratio",
    "model_field_in_other",
    "code_near_miss",
    "edition_one_sided",
    "platform_conflict",
    "upgrade_mismatch",
    "academic_mismatch",
    "level_conflict",
    "level_one_sided",
    "users_conflict",
    "year_conflict",
    "year_agree",
    "version_conflict",
    "version_agree",
)
# Scores relative to the other pairs that share a record: is this the best partner it was paired with?
GROUPED = ("tfidf_title", "char_title", "char_text", "token_set", "idf_overlap_title")
GROUP_FEATURES = tuple(
    f"{name}_{side}_{kind}" for name in GROUPED for side in ("l", "r") for kind in ("gap", "best")
)


def _code_features(a: Side, b: Side) -> list[float]:
    shared = set(a.codes) & set(b.codes)
    specific = any(is_specific(c) for c in shared)
    contained = any(len(c) >= 4 and c in b.flat for c in a.codes) or any(
        len(c) >= 4 and c in a.flat for c in b.codes
    )
    both = bool(a.codes) and bool(b.codes)
    conflict = both and not shared and not contained
    neighbour = conflict and any(
        neighbouring(x, y) for x in a.codes for y in b.codes if is_specific(x) and is_specific(y)
    )
    return [
        float(bool(shared)),
        float(specific),
        float(contained),
        float(conflict),
        float(neighbour),
        float(not a.codes and not b.codes),
    ]


def _idf_overlap(a: set[str], b: set[str], idf: dict[str, float], default: float) -> tuple[float, float]:
    union = a | b
    if not union:
        return 0.0, 0.0
    weights = {w: idf.get(w, default) for w in union}
    # fsum: exact, so the figure does not depend on the order a set is walked in (hash seeds differ per run)
    shared = math.fsum(weights[w] for w in a & b)
    unshared = max((weights[w] for w in union - (a & b)), default=0.0)
    return shared / math.fsum(weights.values()), unshared / default


def pair_features(
    a: Side, b: Side, cosines: tuple[float, float, float, float], vectorisers: Vectorisers
) -> list[float]:
    numbers = a.numbers | b.numbers
    number_jaccard = len(a.numbers & b.numbers) / len(numbers) if numbers else -1.0
    union = a.words | b.words
    jaccard = len(a.words & b.words) / len(union) if union else 0.0
    if a.price and b.price:
        price_ratio, price_missing = abs(math.log(a.price / b.price)), 0.0
    else:
        price_ratio, price_missing = -1.0, 1.0
    la, lb = len(a.title) or 1, len(b.title) or 1
    return [
        *_code_features(a, b),
        *cosines,
        fuzz.token_set_ratio(a.title, b.title) / 100,
        fuzz.token_sort_ratio(a.title, b.title) / 100,
        fuzz.partial_ratio(a.title, b.title) / 100,
        fuzz.ratio(a.title, b.title) / 100,
        fuzz.token_set_ratio(a.text[:400], b.text[:400]) / 100,
        jaccard,
        number_jaccard,
        float(bool(a.numbers) and bool(b.numbers) and not (a.numbers & b.numbers)),
        float(bool(a.brand) and a.brand == b.brand),
        float(bool(a.brand) and a.brand in b.flat.lower() or bool(b.brand) and b.brand in a.flat.lower()),
        price_ratio,
        price_missing,
        min(la, lb) / max(la, lb),
        *_title_idf(a, b, vectorisers),
        _idf_overlap(
            set(_WORD.findall(a.text)), set(_WORD.findall(b.text)), vectorisers.idf, vectorisers.max_idf
        )[0],
        len(a.numbers ^ b.numbers),
        float(bool(a.colours) and bool(b.colours) and not (a.colours & b.colours)),
        *_quantities(a, b),
        *_model_fields(a, b),
        _near_miss(a, b),
        *_editions(a, b),
    ]


def _editions(a: Side, b: Side) -> tuple[float, ...]:
    one_sided = a.editions ^ b.editions
    platforms = {"mac", "win"}
    platform = (
        bool(a.editions & platforms)
        and bool(b.editions & platforms)
        and not a.editions & b.editions & platforms
    )
    return (
        float(len(one_sided)),
        float(platform),
        float("upgrade" in one_sided),
        float("academic" in one_sided),
        float(bool(a.levels) and bool(b.levels) and not a.levels & b.levels),
        float(len(a.levels ^ b.levels)),
        float(bool(a.users) and bool(b.users) and not a.users & b.users),
        float(bool(a.years) and bool(b.years) and not a.years & b.years),
        float(bool(a.years & b.years)),
        float(bool(a.versions) and bool(b.versions) and not a.versions & b.versions),
        float(bool(a.versions & b.versions)),
    )


def _quantities(a: Side, b: Side) -> tuple[float, float]:
    shared = set(a.quantities) & set(b.quantities)
    conflict = any(not (a.quantities[u] & b.quantities[u]) for u in shared)
    agree = any(a.quantities[u] & b.quantities[u] for u in shared)
    return float(conflict), float(agree)


def _model_fields(a: Side, b: Side) -> tuple[float, float, float]:
    if not a.model_field and not b.model_field:
        return -1.0, -1.0, -1.0
    equal = float(bool(a.model_field) and a.model_field == b.model_field)
    ratio = fuzz.ratio(a.model_field, b.model_field) / 100 if a.model_field and b.model_field else -1.0
    inside = float(
        len(a.model_field) >= 4
        and a.model_field in b.flat
        or len(b.model_field) >= 4
        and b.model_field in a.flat
    )
    return equal, ratio, inside


def _near_miss(a: Side, b: Side) -> float:
    """Similarity of the closest two specific codes that are not the same code (a sibling model)."""
    best = 0.0
    for x in a.codes:
        if not is_specific(x) or x in b.codes or x in b.flat:
            continue
        for y in b.codes:
            if is_specific(y) and y not in a.flat and not (x in y or y in x):
                best = max(best, fuzz.ratio(x, y) / 100)
    return best


def _title_idf(a: Side, b: Side, vectorisers: Vectorisers) -> tuple[float, float]:
    return _idf_overlap(a.words, b.words, vectorisers.idf, vectorisers.max_idf)


class Vectorisers:
    """TF-IDF over words and character n-grams, fitted on the training texts only."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.word = TfidfVectorizer(token_pattern=WORD_PATTERN, sublinear_tf=True)
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=1)

    def fit(self, texts: Sequence[str]) -> Vectorisers:
        self.word.fit(texts)
        self.char.fit(texts)
        self.idf = {w: float(self.word.idf_[i]) for w, i in self.word.vocabulary_.items()}
        self.max_idf = float(self.word.idf_.max()) if len(self.word.idf_) else 1.0
        return self

    @staticmethod
    def _cos(vec, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        a, b = vec.transform(left), vec.transform(right)
        return np.asarray(a.multiply(b).sum(axis=1)).ravel()

    def cosines(self, left: Sequence[Side], right: Sequence[Side]) -> np.ndarray:
        lt, rt = [s.title for s in left], [s.title for s in right]
        lx, rx = [s.text for s in left], [s.text for s in right]
        return np.column_stack(
            [
                self._cos(self.word, lt, rt),
                self._cos(self.word, lx, rx),
                self._cos(self.char, lt, rt),
                self._cos(self.char, lx, rx),
            ]
        )


def matrix(records: Sequence[tuple[dict[str, str], dict[str, str]]], vectorisers: Vectorisers) -> np.ndarray:
    left = [side(a) for a, _ in records]
    right = [side(b) for _, b in records]
    cos = vectorisers.cosines(left, right)
    rows = [
        pair_features(a, b, tuple(c), vectorisers) for a, b, c in zip(left, right, cos.tolist(), strict=True)
    ]
    base = np.asarray(rows, dtype=float)
    return np.hstack([base, grouped(base, [s.text for s in left], [s.text for s in right])])


def grouped(base: np.ndarray, left_keys: Sequence[str], right_keys: Sequence[str]) -> np.ndarray:
    """For each pair and each of GROUPED: the gap to the best other pair sharing its left (right) record."""
    columns = [FEATURES.index(name) for name in GROUPED]
    out = np.zeros((base.shape[0], len(GROUP_FEATURES)))
    for k, col in enumerate(columns):
        for s, keys in enumerate((left_keys, right_keys)):
            groups: dict[str, list[int]] = {}
            for i, key in enumerate(keys):
                groups.setdefault(key, []).append(i)
            for members in groups.values():
                values = base[members, col]
                for j, i in enumerate(members):
                    others = np.delete(values, j)
                    best_other = float(others.max()) if others.size else 0.0
                    out[i, k * 4 + s * 2] = values[j] - best_other
                    out[i, k * 4 + s * 2 + 1] = float(values[j] >= best_other)
    return out


def training_texts(records: Sequence[tuple[dict[str, str], dict[str, str]]]) -> list[str]:
    out: list[str] = []
    for a, b in records:
        for r in (a, b):
            sd = side(r)
            out.extend([sd.title, sd.text])
    return out
