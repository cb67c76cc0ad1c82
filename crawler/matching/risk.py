"""Risk of a list match: how sure the match is, how bad the hazard, how important the category, how
widely the listing sells."""

from __future__ import annotations

import math
import re

# Hazard words and the severity they stand for (0..1); the highest found counts.
HAZARD_SEVERITY: tuple[tuple[float, tuple[str, ...]], ...] = (
    (
        1.0,
        (
            "death",
            "fatal",
            "strangulation",
            "suffocation",
            "choking",
            "asphyxia",
            "fire",
            "burn",
            "electric shock",
            "electrocution",
            "explosion",
            "窒息",
            "勒颈",
            "死亡",
            "火灾",
            "起火",
            "爆炸",
            "触电",
            "烧伤",
            "卡喉",
        ),
    ),
    (
        0.8,
        (
            "lead",
            "cadmium",
            "phthalate",
            "formaldehyde",
            "chemical",
            "toxic",
            "azo",
            "asbestos",
            "铅",
            "镉",
            "邻苯",
            "甲醛",
            "偶氮",
            "有毒",
            "化学",
            "重金属",
        ),
    ),
    (
        0.7,
        (
            "injury",
            "injuries",
            "laceration",
            "cut",
            "fall",
            "entrapment",
            "crush",
            "划伤",
            "夹伤",
            "跌落",
            "割伤",
            "受伤",
            "刺伤",
            "机械",
        ),
    ),
    (0.4, ("label", "marking", "instructions", "标识", "说明", "标签", "警示")),
)
DEFAULT_SEVERITY = 0.5
LIST_TYPE_WEIGHT = {
    "recall": 1.0,
    "noncompliant": 0.9,
    "risk": 0.8,
    "blacklist": 0.7,
    "licence": 0.6,
    "licensed": 0.5,
}


def hazard_severity(hazard: str | None) -> float:
    text = (hazard or "").lower()
    if not text.strip():
        return DEFAULT_SEVERITY
    for severity, words in HAZARD_SEVERITY:
        for word in words:
            if re.search(rf"\b{re.escape(word)}", text) if word.isascii() else word in text:
                return severity
    return DEFAULT_SEVERITY


def risk_score(
    strength: float,
    hazard: str | None,
    category_priority: int | None,
    sales: int | None,
    list_type: str | None = None,
) -> float:
    """0..1: match strength times a blend of hazard severity, category priority (1 highest .. 5) and
    sales (log scale, 100,000 sold counts fully)."""
    severity = hazard_severity(hazard) * LIST_TYPE_WEIGHT.get(str(list_type or ""), 0.8)
    priority = 1.0 - (min(max(category_priority or 3, 1), 5) - 1) / 4
    reach = min(1.0, math.log10(1 + max(sales or 0, 0)) / 5)
    blend = 0.45 + 0.30 * severity + 0.15 * priority + 0.10 * reach
    return round(max(0.0, min(1.0, strength * blend)), 4)
