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


def test_sandbox_traps_have_rows_of_their_own():
    from crawler.matching.sandbox_eval import trap_rows

    report = evaluate_sandbox(seed=3, size=80)
    traps = report["traps"]
    assert {"accessory", "white_label"} <= set(traps)
    for name, figures in traps.items():
        assert figures["listings"] > 0, name
        if figures["sells_the_entry"]:
            assert figures["true_pairs"] == figures["listings"]
            assert 0 <= figures["recall_match"] <= figures["recall_surfaced"] <= 1
        else:
            assert 0 <= figures["precision_with_planted"] <= 1
    rows = trap_rows(report)
    assert [r["data_set"] for r in rows] == [f"sandbox trap: {t}" for t in traps]
