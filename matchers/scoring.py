"""From findings to a score in 0..1 and a decision."""

from __future__ import annotations

from matchers.types import Evidence, Thresholds, Verdict


def combine(evidence: list[Evidence]) -> float:
    """Noisy-OR of the supporting weights, times every conflict factor."""
    miss = 1.0
    factor = 1.0
    for item in evidence:
        if item.weight > 0:
            miss *= 1.0 - min(item.weight, 0.999)
        factor *= item.factor
    return max(0.0, min(1.0, (1.0 - miss) * factor))


def decide(score: float, evidence: list[Evidence], thresholds: Thresholds) -> Verdict:
    identified = any(e.identifying and e.weight > 0 for e in evidence)
    if score >= thresholds.match and identified:
        return Verdict.MATCH
    if score >= thresholds.review:
        return Verdict.REVIEW
    return Verdict.NONE


def ordered(evidence: list[Evidence]) -> list[Evidence]:
    """Strongest support first, then conflicts: the order an analyst reads them in."""
    return sorted(evidence, key=lambda e: (e.weight <= 0, -e.weight, e.factor))
