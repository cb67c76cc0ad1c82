"""The hand-written marketplace-trap set (matchers/evaluation/data/traps.jsonl) and its report rows."""

from __future__ import annotations

import pytest

from matchers.evaluation.traps import GROUPS, evaluate_traps, read_traps, trap_rows
from matchers.normalise import Segmenter


@pytest.fixture(scope="module")
def report():
    return evaluate_traps(segment=Segmenter())


def test_the_set_covers_every_trap_in_both_languages():
    pairs = read_traps()
    assert 80 <= len(pairs) <= 150
    assert len({p.pair_id for p in pairs}) == len(pairs)
    traps = {p.trap for p in pairs}
    assert {"accessory", "white_label", "same_brand", "retyped_model", "neighbour", "traditional"} <= traps
    assert {"cross_language", "size_range", "english"} <= traps
    assert {p.lang for p in pairs} == {"zh", "en", "en-zh"}
    assert any(p.label for p in pairs) and not all(p.label for p in pairs)


def test_precision_and_surfaced_recall_on_the_traps(report):
    groups = report["groups"]
    overall = groups["all traps"]
    assert overall["precision"] >= 0.97
    assert overall["surfaced_recall"] >= 0.97
    foreign = groups["cross-language"]
    assert foreign["precision"] >= 0.9
    assert foreign["surfaced_recall"] >= 0.85
    assert groups["accessories"]["precision"] >= 0.97
    assert groups["re-typed models"]["surfaced_recall"] >= 0.97


def test_eval_rows_one_per_group(report):
    rows = trap_rows(report)
    assert [r["data_set"] for r in rows] == [f"traps: {name}" for name, _, _ in GROUPS]
    for row in rows:
        assert 0.0 <= row["precision"] <= 1.0 and 0.0 <= row["recall"] <= 1.0
        assert "surfaced" in row["notes"]
