"""Company and shop names across their forms: 深圳市快充科技有限公司, 快充科技, 快充科技旗舰店 are one firm.

The core of a name drops the place prefix (province, city, district), legal-form and shop suffixes
(有限公司, 有限责任公司, 股份有限公司, 厂, 商行, 经营部, 旗舰店 …), brackets and punctuation.
"""

from __future__ import annotations

import re
import unicodedata

SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "公司",
    "集团",
    "总厂",
    "工厂",
    "制造厂",
    "加工厂",
    "厂",
    "商行",
    "经营部",
    "经销部",
    "门市部",
    "贸易行",
    "工作室",
    "官方旗舰店",
    "旗舰店",
    "专卖店",
    "专营店",
    "企业店",
    "自营店",
    "官方店",
    "个体店",
    "小店",
    "店",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd",
    "co ltd",
    "company limited",
    "limited",
    "ltd",
    "inc",
    "llc",
    "factory",
    "store",
    "shop",
    "official",
)
PLACE_PREFIX = re.compile(
    r"^(?:中国)?(?:[\u4e00-\u9fff]{2,3}(?:省|自治区))?(?:[\u4e00-\u9fff]{2,4}市)?(?:[\u4e00-\u9fff]{2,3}[区县])?"
)
BRACKETED = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
NOISE = re.compile(r"[\s·・.,，。、&'\"“”‘’\-_/]+")
MIN_CONTAINED = 4


def company_core(name: str | None) -> str:
    """The distinctive part of a company or shop name ('' when nothing is left)."""
    text = unicodedata.normalize("NFKC", name or "").strip().lower()
    text = BRACKETED.sub("", text)
    text = NOISE.sub("", text)
    changed = True
    while changed and text:
        changed = False
        for suffix in SUFFIXES:
            compact = NOISE.sub("", suffix)
            if text.endswith(compact) and len(text) > len(compact) + 1:
                text = text[: -len(compact)]
                changed = True
                break
    stripped = PLACE_PREFIX.sub("", text)
    if len(stripped) >= 2:
        text = stripped
    return text


def same_company(a: str | None, b: str | None) -> tuple[bool, str]:
    """Whether two names are the same firm, and why: equal cores, or one core inside the other when it is
    at least four characters long (义乌彩虹文具厂 / 彩虹文具)."""
    core_a, core_b = company_core(a), company_core(b)
    if not core_a or not core_b:
        return False, ""
    if core_a == core_b:
        return True, f"'{a}' and '{b}' are the same name ({core_a}) in different forms"
    short, long = sorted((core_a, core_b), key=len)
    if len(short) >= MIN_CONTAINED and short in long:
        return (
            True,
            f"'{short}' of '{a if core_a == short else b}' is part of '{b if core_a == short else a}'",
        )
    return False, ""
