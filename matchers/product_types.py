"""Product types in Chinese and English titles, mapped to one code per type and to catalogue categories.

The table (``data/product_types.tsv``) is a compact bilingual list curated for the monitored
categories and the parts sold for them: 电动牙刷 and "electric toothbrush" are one type, 刷头 and
"brush head" another. Each type is a *product*, a *part* (sold for another product: 遮阳罩, 遥控器,
滤网, 充电器) or a *weak* part (电池, 底座, 吸管: a part only when the title says it is for something or
a spare, since "五点式安全带" and "大容量电池" describe a product too).

Which type a title is about is its *head*: the last type it names (Chinese and English titles put
the noun they sell last: "飞利浦电动牙刷 替换刷头" sells brush heads), leaving out types that are only
bundled in ("送2支刷头", "with 2 brush heads"). When a part stands before a "for" word ("Brush heads
for Philips …", "遥控器 适用于美的取暖器"), that part is the head.

Everything here works on text already normalised by :func:`matchers.normalise.normalise` (NFKC, lower
case, Simplified Chinese) and is run once per listing and per entry, never per pair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matchers.normalise import normalise

TABLE = Path(__file__).with_name("data") / "product_types.tsv"

PRODUCT, PART, WEAK = "product", "part", "weak"

# Words that make what follows (Chinese) or what stands before (English) the product a part is for.
FOR_MARKERS_ZH = ("适用于", "适用", "适配", "兼容", "专用", "用于", "配套")
FOR_MARKERS_EN = ("for", "compatible with", "fits", "fit for", "suitable for", "designed for", "to fit")
# Pieces every "for" word holds (a quick test before the search).
_MARKER_KEYS = (
    "适用",
    "适配",
    "兼容",
    "专用",
    "用于",
    "配套",
    "for",
    "fit",
    "compatible",
    "suitable",
    "designed",
)
# Words that say a title sells a spare or a replacement (they turn a weak part into a part).
SPARE_MARKERS_ZH = ("替换", "更换", "备用", "配件", "替代")
SPARE_MARKERS_EN = ("replacement", "replace", "spare", "accessory", "accessories")
# A part named right after one of these is bundled with the product, not sold alone.
_BUNDLE_ZH = re.compile(r"(?:送|赠|含|附赠|附|带|配|加|\+|＋)\s*\d*\s*[个支只套片条把副块包盒组]?\s*$")
_BUNDLE_EN = re.compile(r"(?<!compatible )\b(?:with|including|includes|incl|plus)\b")


@dataclass(frozen=True)
class ProductType:
    code: str
    kind: str
    category: str | None
    names: tuple[str, ...]

    @property
    def is_part(self) -> bool:
        return self.kind != PRODUCT


@dataclass(frozen=True)
class Mention:
    """One product type named in a text: where, as written, and whether it is only bundled in."""

    start: int
    written: str
    type: ProductType
    bundled: bool


@dataclass(frozen=True)
class TitleType:
    """What a title sells: its head type (None when it names none) and every type it names."""

    head: Mention | None
    codes: frozenset[str]
    for_marker: bool
    spare_marker: bool
    categories: frozenset[str] = frozenset()

    @property
    def part(self) -> bool:
        """The title sells a part (a weak part only when it says it is for something or a spare)."""
        head = self.head
        if head is None or not head.type.is_part:
            return False
        return head.type.kind == PART or self.for_marker or self.spare_marker


NO_TYPE = TitleType(None, frozenset(), False, False)


@lru_cache(maxsize=1)
def load_types(path: Path = TABLE) -> tuple[dict[str, ProductType], dict[str, ProductType]]:
    """(code -> type, written term -> type) from the table."""
    by_code: dict[str, ProductType] = {}
    by_term: dict[str, ProductType] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, kind, category, zh, en = line.split("\t")
        terms = [t.strip().lower() for t in f"{zh}|{en}".split("|") if t.strip()]
        kind_type = ProductType(code, kind, None if category == "-" else category, tuple(terms))
        by_code[code] = kind_type
        for term in terms:
            by_term.setdefault(term, kind_type)
    return by_code, by_term


_TERM_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class _Lexicon:
    """The table arranged for one left-to-right pass: Chinese (and mixed) terms by their first
    character, longest first; English terms as word tuples, with the longest term each word starts."""

    first: dict[str, tuple[str, ...]]
    first_chars: re.Pattern[str]
    zh: dict[str, ProductType]
    en: dict[tuple[str, ...], ProductType]
    en_starts: dict[str, int]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    _, by_term = load_types()
    first: dict[str, list[str]] = {}
    zh: dict[str, ProductType] = {}
    en: dict[tuple[str, ...], ProductType] = {}
    en_starts: dict[str, int] = {}
    for term, kind in by_term.items():
        # Terms are read in the form titles are normalised to ("children's" -> "children s").
        written = normalise(term, drop_noise=False)
        if written.isascii():
            key = tuple(_TERM_WORD.findall(written))
            if key and key not in en:
                en[key] = kind
                en_starts[key[0]] = max(en_starts.get(key[0], 0), len(key))
        elif written not in zh:
            zh[written] = kind
            first.setdefault(written[0], []).append(written)
    chars = "".join(re.escape(c) for c in sorted(first))
    return _Lexicon(
        {c: tuple(sorted(terms, key=len, reverse=True)) for c, terms in first.items()},
        re.compile(f"[{chars}]"),
        zh,
        en,
        en_starts,
    )


def _alternation(words: tuple[str, ...]) -> str:
    parts = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word)
        parts.append(rf"(?<![a-z]){escaped}(?![a-z])" if word.isascii() else escaped)
    return "|".join(parts)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The "for" words and the spare words (short alternations, searched once per title)."""
    return (
        re.compile(_alternation(FOR_MARKERS_ZH + FOR_MARKERS_EN)),
        re.compile(_alternation(SPARE_MARKERS_ZH + SPARE_MARKERS_EN)),
    )


def _singular(word: str) -> list[str]:
    out = []
    if word.endswith("es"):
        out.append(word[:-2])
    if word.endswith("s"):
        out.append(word[:-1])
    return out


def _scan(text: str) -> list[tuple[int, int, ProductType]]:
    """Every type term of a normalised text, left to right, longest first where terms overlap."""
    lexicon = _lexicon()
    hits: list[tuple[int, int, ProductType]] = []
    # Chinese and mixed terms: jump from one possible first character to the next.
    position, search = 0, lexicon.first_chars.search
    while (found := search(text, position)) is not None:
        at = found.start()
        for term in lexicon.first[text[at]]:
            if text.startswith(term, at):
                hits.append((at, at + len(term), lexicon.zh[term]))
                position = at + len(term)
                break
        else:
            position = at + 1
    # English terms: runs of up to a few words, longest first; the last word may be a plural.
    words = [(m.start(), m.end(), m.group()) for m in _TERM_WORD.finditer(text)]
    starts, en = lexicon.en_starts, lexicon.en
    j = 0
    while j < len(words):
        word = words[j][2]
        longest = max(starts.get(w, 0) for w in (word, *_singular(word)))
        matched = 0
        for size in range(min(longest, len(words) - j), 0, -1):
            key = tuple(w for _, _, w in words[j : j + size])
            kind = en.get(key)
            if kind is None:
                kind = next((en[k] for w in _singular(key[-1]) if (k := (*key[:-1], w)) in en), None)
            if kind is not None:
                hits.append((words[j][0], words[j + size - 1][1], kind))
                matched = size
                break
        j += matched or 1
    hits.sort(key=lambda hit: (hit[0], -hit[1]))
    kept: list[tuple[int, int, ProductType]] = []
    for hit in hits:
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept


@lru_cache(maxsize=1 << 15)
def title_type(text: str) -> TitleType:
    """The head type of a normalised title or product name, and every type it names."""
    if not text:
        return NO_TYPE
    markers_re, spares_re = _patterns()
    mentions: list[Mention] = []
    spans: list[tuple[int, int]] = []
    english_bundle = _BUNDLE_EN.search(text)
    bundle_from = english_bundle.start() if english_bundle else len(text) + 1
    for begin, end, kind in _scan(text):
        written = text[begin:end]
        if written.isascii():
            bundled = begin > bundle_from
        else:
            bundled = bool(_BUNDLE_ZH.search(text[max(0, begin - 6) : begin]))
        mentions.append(Mention(begin, written, kind, bundled))
        spans.append((begin, end))
    if not mentions:
        return NO_TYPE
    # "for" words inside a type name (适配 in 电源适配器) are not markers.
    markers = [m.start() for m in markers_re.finditer(text) if not any(a <= m.start() < b for a, b in spans)]
    spare = any(not any(a <= m.start() < b for a, b in spans) for m in spares_re.finditer(text)) or any(
        m.type.code == "spare_part" for m in mentions
    )
    head: Mention | None = None
    for marker in markers:
        before = [m for m in mentions if m.start < marker and m.type.is_part and not m.bundled]
        if before:
            head = before[-1]
            break
    if head is None:
        kept = [m for m in mentions if not m.bundled]
        head = kept[-1] if kept else None
    kept = [m for m in mentions if not m.bundled]
    codes = frozenset(m.type.code for m in kept)
    categories = frozenset(m.type.category for m in kept if m.type.category)
    return TitleType(head, codes, bool(markers), spare, categories)


def after_for_markers(text: str) -> list[str]:
    """The words right after each "for" word of a title (兼容三星 …, "for Philips …"): where a part's
    title names the product, and the brand, it is for."""
    return [part for part, _ in split_for_markers(text)]


def split_for_markers(text: str) -> list[tuple[str, str]]:
    """(the words right after each "for" word, the title without them), lower-cased; empty when the
    title has no "for" word."""
    low = text.lower()
    # Most titles hold no piece of any "for" word: a few substring tests spare them the search.
    if not any(map(low.__contains__, _MARKER_KEYS)):
        return []
    markers_re, _ = _patterns()
    spans = [(m.end(), m.end() + 16) for m in markers_re.finditer(low)]
    if not spans:
        return []
    rest = low
    for start, end in spans:
        rest = rest[:start] + " " * (min(end, len(rest)) - start) + rest[end:]
    return [(low[start:end], rest) for start, end in spans]


def category_type(category: str | None) -> TitleType:
    """An entry's type when its name names none: its catalogue category, agreeing with any type of
    that category."""
    if not category:
        return NO_TYPE
    kind = ProductType(f"category:{category}", PRODUCT, category, (category,))
    return TitleType(Mention(0, category, kind, False), frozenset(), False, False, frozenset({category}))
