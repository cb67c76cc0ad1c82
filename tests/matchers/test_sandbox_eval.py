"""The matcher against the sandbox marketplace's planted truth (a small market, to stay quick)."""

from __future__ import annotations

from crawler.matching.sandbox_eval import evaluate_sandbox


def test_sandbox_truth_precision_and_recall():
    report = evaluate_sandbox(seed=3, size=80)
    strict = report["decision_match"]
    assert report["true_pairs"] > 5
    assert strict["precision"] >= 0.98
    assert strict["recall"] >= 0.95
    assert report["match_or_review"]["recall"] >= strict["recall"]
