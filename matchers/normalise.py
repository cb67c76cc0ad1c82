"""Text normalisation: NFKC (full-width to half-width), case, punctuation, marketing noise, segmentation."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Words that sellers add to titles to sell, not to describe: they say nothing about which product it is.
MARKETING_NOISE_ZH = (
    "包邮",
    "顺丰包邮",
    "全国包邮",
    "新款",
    "新品",
    "正品",
    "正品保证",
    "官方正品",
    "官方旗舰",
    "旗舰店",
    "专营店",
    "专卖店",
    "热卖",
    "热销",
    "爆款",
    "特价",
    "特惠",
    "促销",
    "秒杀",
    "限时",
    "清仓",
    "现货",
    "速发",
    "顺丰",
    "当天发货",
    "厂家直销",
    "厂家直供",
    "批发",
    "包退换",
    "七天无理由",
    "送礼",
    "礼盒装",
    "网红",
    "同款",
    "推荐",
    "优惠",
    "折扣",
    "年货",
    "抢购",
)
MARKETING_NOISE_EN = (
    "free shipping",
    "hot sale",
    "best seller",
    "new arrival",
    "brand new",
    "100% genuine",
    "genuine",
    "authentic",
    "original",
    "official",
    "limited offer",
    "on sale",
    "clearance",
)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:[.\-/][a-z0-9]+)*")
_EXTRA_PUNCT = str.maketrans(
    {c: " " for c in "【】〔〕〖〗《》「」『』（）()[]{}<>,，。、；;：:!！?？~～·•…“”‘’\"'|+*#@&^_=\\"}
)


def nfkc(text: str | None) -> str:
    """Unicode NFKC: full-width letters and digits become ASCII, compatibility forms are unified."""
    if not text:
        return ""
    return unicodedata.normalize("NFKC", str(text))


def has_cjk(text: str) -> bool:
    return bool(_CJK_RUN.search(text))


@lru_cache(maxsize=1)
def _t2s():
    """OpenCC's Traditional-to-Simplified converter, made on first use (its dictionaries load then)."""
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional() -> re.Pattern[str]:
    """The characters OpenCC changes on their own (飛, 電, 這, …), found once by converting the CJK
    block in one call: most titles have none, and need no conversion at all."""
    block = "".join(chr(c) for c in range(0x4E00, 0xA000))
    converted = _t2s().convert(block)
    if len(converted) != len(block):  # pragma: no cover - OpenCC keeps one character per character
        return re.compile(f"[{_CJK}]")
    changed = sorted({a for a, b in zip(block, converted, strict=True) if a != b})
    return re.compile("[" + "".join(re.escape(c) for c in changed) + "]")


def to_simplified(text: str) -> str:
    """Traditional Chinese to Simplified (飛利浦電動牙刷 -> 飞利浦电动牙刷) with OpenCC, phrases
    included; text with no Traditional character is returned as it is."""
    if not text or not _CJK_RUN.search(text) or not _traditional().search(text):
        return text
    return _t2s().convert(text)


@lru_cache(maxsize=1)
def _noise_pattern() -> re.Pattern[str]:
    words = sorted({*MARKETING_NOISE_ZH, *MARKETING_NOISE_EN}, key=len, reverse=True)
    parts = [re.escape(w) for w in words]
    return re.compile("|".join(parts))


def strip_noise(text: str) -> str:
    """Remove marketing words (包邮, 新款, 正品, free shipping, ...) from already lower-cased text."""
    return _noise_pattern().sub(" ", text)


class _SeparatorTable(dict):
    """``str.translate`` table, filled as characters are met: punctuation, symbols, separators and
    control characters (Unicode categories P, S, Z, C) other than ``. - /`` become a space."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        out = " " if unicodedata.category(char)[0] in "PSZC" and char not in ".-/" else char
        self[code] = out
        return out


_SEPARATORS = _SeparatorTable()


def normalise(text: str | None, drop_noise: bool = True) -> str:
    """NFKC, Simplified Chinese, lower case, punctuation to spaces, marketing noise removed, spaces
    collapsed."""
    value = to_simplified(nfkc(text)).lower().translate(_EXTRA_PUNCT)
    if drop_noise:
        value = strip_noise(value)
    return " ".join(value.translate(_SEPARATORS).split())


def words(normalised: str) -> list[str]:
    """Latin/digit words (keeping inner . - /) and whole CJK runs, in order."""
    return _WORD.findall(normalised)


def index_tokens(normalised: str) -> set[str]:
    """Cheap tokens for indexes: Latin words, and character bigrams of CJK runs."""
    out: set[str] = set()
    for word in _WORD.findall(normalised):
        # A word is either a CJK run or a run of ASCII letters and digits.
        if word[0] >= "\u3400":
            out.update(_bigrams(word))
        else:
            out.add(word)
    return out


@lru_cache(maxsize=1 << 16)
def _bigrams(run: str) -> tuple[str, ...]:
    if len(run) == 1:
        return (run,)
    return tuple(run[i : i + 2] for i in range(len(run) - 1))


class Segmenter:
    """Chinese word segmentation with jieba; the dictionary loads on first use, not at import."""

    def __init__(self, user_words: Iterable[str] = (), cache_size: int = 200_000) -> None:
        self._tokenizer = None
        self._user_words = list(user_words)
        self._cache: dict[str, list[str]] = {}
        self._cache_size = cache_size

    def _load(self):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word in self._user_words:
            tokenizer.add_word(word)
        self._tokenizer = tokenizer
        return tokenizer

    def load(self) -> None:
        """Load the dictionary now (before forking workers that then share it, for instance)."""
        if self._tokenizer is None:
            self._load()

    def add_word(self, word: str) -> None:
        self._user_words.append(word)
        self._cache.clear()
        if self._tokenizer is not None:
            self._tokenizer.add_word(word)

    def segment(self, normalised: str) -> list[str]:
        """Words of normalised text: jieba words for CJK runs, Latin words as they are."""
        tokenizer = self._tokenizer or self._load()
        cache = self._cache
        out: list[str] = []
        for word in _WORD.findall(normalised):
            if _CJK_RUN.fullmatch(word):
                cut = cache.get(word)
                if cut is None:
                    cut = [w for w in tokenizer.lcut(word, HMM=True) if w.strip()]
                    if len(cache) >= self._cache_size:
                        cache.clear()
                    cache[word] = cut
                out.extend(cut)
            else:
                out.append(word)
        return out
