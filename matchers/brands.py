"""Brand resolution across Chinese, English and pinyin names.

Aliases come from the reference lists ("小狐狸（LittleFox）" gives both names), from any catalogue of
known brands, from pinyin of Chinese names, and from co-occurrence in listings (a brand field that always
travels with the same word in titles teaches that word as an alias).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from matchers.normalise import MARKETING_NOISE_ZH, nfkc, to_simplified

KNOWN_BRANDS = Path(__file__).with_name("data") / "brand_aliases.tsv"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SPLIT = re.compile(r"[/|、,，;；()（）\[\]【】<>《》]+")
_GENERIC = {
    "other",
    "others",
    "none",
    "n/a",
    "na",
    "无",
    "无品牌",
    "其他",
    "其它",
    "other brand",
    "generic",
    "unbranded",
    "无牌",
    "暂无",
    "oem",
}
_LEGAL_SUFFIX = re.compile(
    r"(有限责任公司|股份有限公司|有限公司|集团|公司|co\.?,? ?ltd\.?|inc\.?|llc|gmbh|corp\.?|ltd\.?)$"
)
MAX_CJK_ALIAS = 8
_MEMO_SIZE = 1 << 16


@lru_cache(maxsize=1 << 16)
def alias_key(name: str | None) -> str:
    """Comparable form of a brand name: NFKC, Simplified Chinese, lower case, no spaces or punctuation."""
    value = to_simplified(nfkc(name)).lower().strip()
    value = _LEGAL_SUFFIX.sub("", value).strip()
    return "".join(ch for ch in value if ch.isalnum())


def split_names(field: str | None) -> list[str]:
    """The names one brand field holds: "小狐狸（LittleFox）" -> ["小狐狸", "LittleFox"]."""
    return list(_split_names(field))


@lru_cache(maxsize=1 << 16)
def _split_names(field: str | None) -> tuple[str, ...]:
    parts = [p.strip() for p in _SPLIT.split(nfkc(field)) if p and p.strip()]
    return tuple(p for p in parts if alias_key(p) and p.lower() not in _GENERIC)


@lru_cache(maxsize=1 << 16)
def pinyin_key(name: str) -> str | None:
    if not _CJK.search(name):
        return None
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover - pypinyin is a declared dependency
        return None
    return "".join(lazy_pinyin(name)).lower() or None


@lru_cache(maxsize=4)
def read_known_brands(path: Path = KNOWN_BRANDS) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """(canonical, names searched in titles too, names taken from brand fields only) per table row.

    A name marked ``=`` is an everyday word as well (美的 in 完美的, "micro" in micro USB): it names the
    brand in a 品牌 field, never inside a title. A canonical name so marked takes its spellings along.
    """
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        canonical, _, rest = line.partition("\t")
        names = [canonical, *(n for n in rest.split("|") if n.strip())]
        field_only = {alias_key(n.lstrip("=")) for n in names if n.startswith("=")}
        everywhere = tuple(n for n in names if not n.startswith("=") and alias_key(n) not in field_only)
        only = tuple(n.lstrip("=") for n in names if n.startswith("=") or alias_key(n) in field_only)
        rows.append((canonical.lstrip("="), everywhere, only))
    return tuple(rows)


class BrandResolver:
    """Maps any known spelling of a brand to one canonical name."""

    def __init__(self) -> None:
        self._alias: dict[str, str] = {}
        # Names recognised in brand fields only (everyday words elsewhere).
        self._field_alias: dict[str, str] = {}
        self._known_loaded = False
        self._names: dict[str, set[str]] = defaultdict(set)
        self._max_words = 1
        self._cjk_lengths: set[int] = set()
        self._cjk_sizes: tuple[int, ...] = ()
        # Answers for repeated brand fields and shop names; emptied whenever an alias changes.
        self._resolved: dict[str | None, str | None] = {}
        self._found: dict[str, frozenset[str]] = {}
        self._runs: dict[str, tuple[str, ...]] = {}

    def _forget(self) -> None:
        self._resolved.clear()
        self._found.clear()
        self._runs.clear()

    def __len__(self) -> int:
        return len(self._names)

    def _bind(self, key: str, canonical: str) -> None:
        if not key or key in _GENERIC:
            return
        current = self._alias.get(key)
        if current is None:
            self._forget()
            self._alias[key] = canonical
            self._names[canonical].add(key)
            if _CJK.search(key) and len(key) <= MAX_CJK_ALIAS:
                self._cjk_lengths.add(len(key))
                self._cjk_sizes = tuple(sorted(self._cjk_lengths))

    def add(self, names: Iterable[str], canonical: str | None = None) -> str | None:
        """Register names of one brand; names already known join the brand they belong to."""
        names = [n for n in names if alias_key(n)]
        if not names:
            return None
        known = next((self._alias[alias_key(n)] for n in names if alias_key(n) in self._alias), None)
        target = canonical or known or names[0].strip()
        for name in names:
            key = alias_key(name)
            self._bind(key, target)
            words = len(nfkc(name).split())
            if words > self._max_words:
                self._forget()
                self._max_words = words
            spelled = pinyin_key(name)
            if spelled and len(spelled) >= 4:
                self._bind(spelled, target)
        self._names.setdefault(target, set())
        return target

    def add_known(self, path: Path = KNOWN_BRANDS) -> None:
        """Add the table of well-known brands and their Chinese names (Philips 飞利浦, Braun 博朗, …).

        Names already known join the brand they belong to, so the table may come before or after a
        list's own brand fields; it is read once per resolver.
        """
        if self._known_loaded:
            return
        self._known_loaded = True
        for canonical, everywhere, field_only in read_known_brands(path):
            target = self.add(everywhere) if everywhere else None
            if target is None:
                target = self._alias.get(alias_key(canonical)) or canonical
                self._names.setdefault(target, set())
            for name in field_only:
                key = alias_key(name)
                if key and key not in self._alias and key not in _GENERIC:
                    self._forget()
                    self._field_alias.setdefault(key, target)

    def merge(self, keep: str, other: str) -> None:
        """Make ``other`` (and every alias of it) a name of ``keep``."""
        if keep == other or other not in self._names:
            return
        self._forget()
        for key in self._names.pop(other):
            self._alias[key] = keep
            self._names[keep].add(key)
        for key, value in self._field_alias.items():
            if value == other:
                self._field_alias[key] = keep

    def canonical(self, name: str | None) -> str | None:
        """The current canonical name of a (possibly merged) canonical name."""
        if not name:
            return None
        return self._alias.get(alias_key(name), name if name in self._names else None)

    def add_field(self, field: str | None) -> str | None:
        """Register the names of a brand field as read from a list or a listing."""
        return self.add(split_names(field))

    def resolve(self, field: str | None) -> str | None:
        try:
            return self._resolved[field]
        except KeyError:
            pass
        except TypeError:
            return self._resolve(field)
        found = self._resolve(field)
        if len(self._resolved) >= _MEMO_SIZE:
            self._resolved.clear()
        self._resolved[field] = found
        return found

    def _resolve(self, field: str | None) -> str | None:
        for name in split_names(field):
            key = alias_key(name)
            hit = (
                self._alias.get(key) or self._field_alias.get(key) or self._alias.get(pinyin_key(name) or "")
            )
            if hit:
                return hit
        return None

    def aliases(self, canonical: str) -> set[str]:
        return set(self._names.get(canonical, ()))

    def find_in_text(self, text: str | None, remember: bool = False) -> set[str]:
        """Canonical brands named anywhere in text: Latin words (and word pairs), Chinese substrings.

        ``remember`` keeps the answer for texts that come back often (shop names)."""
        if not remember or not isinstance(text, str):
            return self._find_in_text(text)
        found = self._found.get(text)
        if found is None:
            if len(self._found) >= _MEMO_SIZE:
                self._found.clear()
            found = self._found[text] = frozenset(self._find_in_text(text))
        return set(found)

    def _find_in_text(self, text: str | None) -> set[str]:
        value = to_simplified(nfkc(text)).lower()
        found: set[str] = set()
        alias = self._alias
        width = min(self._max_words, 3)
        if width == 1:
            # One pass over Latin words and Chinese runs alike (they have no character in common).
            runs: list[str] = []
            for word in _WORD.findall(value):
                if word[0] >= "\u3400":
                    runs.append(word)
                elif len(word) >= 2 and (hit := alias.get(word)):
                    found.add(hit)
        else:
            latin = _LATIN.findall(value)
            for i in range(len(latin)):
                key = latin[i]
                for j in range(width):
                    if i + j >= len(latin):
                        break
                    if j:
                        key += latin[i + j]
                    hit = alias.get(key)
                    if hit and (len(key) >= 2):
                        found.add(hit)
            runs = _CJK.findall(value)
        known = self._runs
        field_alias = self._field_alias
        for run in runs:
            # A field-only name (美的) counts in a title when it stands alone as a run of its own.
            if field_alias and (hit := field_alias.get(run)):
                found.add(hit)
            hits = known.get(run)
            if hits is None:
                if len(known) >= _MEMO_SIZE:
                    known.clear()
                hits = known[run] = self._in_run(run)
            found.update(hits)
        return found

    def _in_run(self, run: str) -> tuple[str, ...]:
        """Brands whose Chinese names occur in a run of Chinese characters."""
        alias = self._alias
        n = len(run)
        hits: dict[str, None] = {}
        for size in self._cjk_sizes:
            for i in range(n - size + 1):
                hit = alias.get(run[i : i + size])
                if hit:
                    hits[hit] = None
        return tuple(hits)

    def learn_cooccurrence(
        self, pairs: Iterable[tuple[str | None, str]], min_support: int = 3, min_share: float = 0.6
    ) -> list[tuple[str, str]]:
        """Learn aliases from (brand field, title) pairs of listings; returns (alias, brand) learned.

        A word is taken as an alias of brand B when at least ``min_support`` listings of B carry it,
        at least ``min_share`` of B's listings carry it, and it rarely appears with other brands.
        """
        per_brand: Counter[str] = Counter()
        together: Counter[tuple[str, str]] = Counter()
        per_word: Counter[str] = Counter()
        noise = set(MARKETING_NOISE_ZH)
        for field, title in pairs:
            brand = self.resolve(field)
            if brand is None:
                continue
            per_brand[brand] += 1
            value = nfkc(title).lower()
            words = {w for w in _LATIN.findall(value) if len(w) >= 3 and not w.isdigit()}
            words |= {w for w in _CJK.findall(value) if 2 <= len(w) <= 4 and w not in noise}
            for word in words:
                together[(brand, word)] += 1
                per_word[word] += 1
        learned: list[tuple[str, str]] = []
        for (brand, word), count in together.items():
            if word in self._alias or count < min_support:
                continue
            if count / per_brand[brand] >= min_share and count / per_word[word] >= 0.9:
                self._bind(word, brand)
                learned.append((word, brand))
        return sorted(learned)
