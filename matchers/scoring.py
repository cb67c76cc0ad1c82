"""From findings to a score in 0..1 and a decision."""

from __future__ import annotations

from matchers.types import Evidence, Thresholds, Verdict

DECISIVE_FLOOR = 0.6
# A decisive finding backed by a second identifier (model, photo) is hardly damped at all.
CORROBORATED_FLOOR = 0.95


def combine(evidence: list[Evidence]) -> float:
    """Noisy-OR of the supporting weights, times every conflict factor.

    A decisive finding is damped by conflicts no lower than ``DECISIVE_FLOOR`` of its weight
    (``CORROBORATED_FLOOR`` when another identifier agrees too).
    """
    miss = 1.0
    factor = 1.0
    decisive = 0.0
    identifiers = sum(1 for item in evidence if item.identifying and item.weight > 0)
    floor = CORROBORATED_FLOOR if identifiers >= 2 else DECISIVE_FLOOR
    for item in evidence:
        if item.weight > 0:
            miss *= 1.0 - min(item.weight, 0.999)
            if item.decisive:
                decisive = max(decisive, item.weight)
        factor *= item.factor
    score = max((1.0 - miss) * factor, decisive * max(factor, floor))
    return max(0.0, min(1.0, score))


def decide(score: float, evidence: list[Evidence], thresholds: Thresholds) -> Verdict:
    identified = any(e.identifying and e.weight > 0 for e in evidence)
    capped = any(e.caps_at_review for e in evidence)
    if score >= thresholds.match and identified and not capped:
        return Verdict.MATCH
    if score >= thresholds.review:
        return Verdict.REVIEW
    return Verdict.NONE


def ordered(evidence: list[Evidence]) -> list[Evidence]:
    """Strongest support first, then conflicts: the order an analyst reads them in."""
    return sorted(evidence, key=lambda e: (e.weight <= 0, -e.weight, e.factor))
