"""Evaluation on the DeepMatcher pair splits (a subset, to stay quick) and the pair-file reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from matchers.evaluation.metrics import scores
from matchers.evaluation.pairsets import parse_record, read_pairs
from matchers.evaluation.runner import evaluate_split
from tests.conftest import shared_data

BIN = Path(sys.executable).parent


def test_metrics():
    s = scores([True, True, False, False], [True, False, True, False])
    assert (s.tp, s.fp, s.fn, s.tn) == (1, 1, 1, 1)
    assert s.precision == s.recall == s.f1 == 0.5


def test_pair_reader_parses_fields_and_reports_bad_lines(tmp_path):
    assert parse_record("COL title VAL sony dsc-w120 COL price VAL 99.5") == {
        "title": "sony dsc-w120",
        "price": "99.5",
    }
    path = tmp_path / "valid.txt"
    path.write_text(
        "COL title VAL a b\tCOL title VAL a b\t1\nbroken line\nCOL title VAL x\tCOL title VAL y\t0\n",
        encoding="utf-8",
    )
    pairs = read_pairs(path)
    assert [p.label for p in pairs.pairs] == [True, False]
    assert pairs.problems and ":2:" in pairs.problems[0]


def test_walmart_amazon_subset_is_fitted_on_valid_and_scored_on_test():
    directory = shared_data("entity_matching", "ditto_pairs", "Walmart-Amazon")
    result = evaluate_split(directory, limit=700)
    assert result["fitted_on"].startswith("valid.txt")
    assert result["tp"] + result["fn"] > 0
    assert result["f1"] >= 0.6


def test_eval_command_prints_the_table(tmp_path):
    root = shared_data()
    out = tmp_path / "report.json"
    result = subprocess.run(
        [
            str(BIN / "surveil"),
            "eval",
            "--data",
            str(root),
            "--set",
            "Abt-Buy",
            "--limit",
            "500",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Abt-Buy" in result.stdout and "fitted on valid.txt" in result.stdout
    assert out.is_file()
