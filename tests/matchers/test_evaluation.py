"""Evaluation on the DeepMatcher pair splits (a subset, to stay quick), table context and the pair-file reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from matchers.evaluation.context import FEATURES as CONTEXT_FEATURES
from matchers.evaluation.context import TableContext, table_folder
from matchers.evaluation.features import FEATURES, side
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


def _column(x, name):
    return x[:, CONTEXT_FEATURES.index(name)]


def test_table_context_ranks_a_pair_among_all_rows_of_both_tables():
    left = [
        {"id": "0", "title": "Sony DSC-W120 digital camera", "price": "99"},
        {"id": "1", "title": "Canon PowerShot SD1100 IS camera", "price": "199"},
        {"id": "2", "title": "Garmin nuvi 200 GPS", "price": "149"},
    ]
    right = [
        {"id": "0", "title": "sony cyber-shot dsc-w120 camera"},
        {"id": "1", "title": "canon sd1100 is powershot digital camera"},
        {"id": "2", "title": "canon sd1100 is powershot digital camera"},
        {"id": "3", "title": "garmin nuvi 200w gps widescreen"},
    ]
    context = TableContext(left, right, "toy")
    records = [
        ({"title": "sony dsc-w120 digital camera"}, {"title": "sony cyber-shot dsc-w120 camera"}),
        ({"title": "sony dsc-w120 digital camera"}, {"title": "canon sd1100 is powershot digital camera"}),
        (
            {"title": "canon powershot sd1100 is camera"},
            {"title": "canon sd1100 is powershot digital camera"},
        ),
        ({"title": "an item in neither table"}, {"title": "garmin nuvi 200w gps widescreen"}),
    ]
    x = context.features(records, split="valid")
    assert x.shape == (4, len(CONTEXT_FEATURES))
    # The right partner is the left record's best row and the other way round; the wrong one is beaten.
    assert list(_column(x, "ctx_word_mutual")[:3]) == [1.0, 0.0, 1.0]
    assert _column(x, "ctx_word_l_rank")[1] > 0 and _column(x, "ctx_word_l_gap")[1] < 0
    assert _column(x, "ctx_word_l_gap")[0] > 0
    # A title listed twice is one record: its duplicate row is not an alternative to it.
    assert _column(x, "ctx_char_l_rank")[2] == 0
    assert context.describe()["found"] == {
        "valid left": {"found": 2, "of": 3},
        "valid right": {"found": 3, "of": 3},
    }


def test_table_folder_needs_both_tables_and_reads_nothing_else(tmp_path):
    folder = tmp_path / "d2_abt_buy"
    folder.mkdir()
    (folder / "tableA.csv").write_text("id,name,price\n0,Sony DSC-W120,99\n", encoding="utf-8")
    assert table_folder(tmp_path, "Abt-Buy") is None
    (folder / "tableB.csv").write_text("id,name,price\n0,sony dsc w120,\n", encoding="utf-8")
    (folder / "matches.csv").mkdir()  # the gold list: any attempt to read it would fail
    assert table_folder(tmp_path, "Abt-Buy") == folder
    assert table_folder(tmp_path, "WDC") is None
    context = TableContext.load(folder)
    assert len(context.left.rows) == len(context.right.rows) == 1
    x = context.features([({"name": "sony dsc-w120"}, {"name": "sony dsc w120"})])
    assert _column(x, "ctx_word_mutual")[0] == 1.0


def test_edition_features_tell_software_editions_apart():
    def features(a, b):
        from matchers.evaluation.features import _editions

        names = FEATURES[FEATURES.index("edition_one_sided") :]
        return dict(zip(names, _editions(side({"title": a}), side({"title": b})), strict=True))

    mac_win = features("adobe photoshop cs3 extended [ mac ]", "adobe photoshop cs3 extended for windows")
    assert mac_win["platform_conflict"] == 1.0 and mac_win["version_agree"] == 1.0
    both = features("emedia print music 2006 win/mac", "printmusic 2006 for mac")
    assert both["platform_conflict"] == 0.0 and both["year_agree"] == 1.0
    assert features("cakewalk sonar 6 producer", "cakewalk sonar 5 producer")["version_conflict"] == 1.0
    assert features("adobe acrobat 7.0 professional", "adobe acrobat professional 7")["version_agree"] == 1.0
    assert features("quicken 2007 deluxe", "quicken 2004 deluxe")["year_conflict"] == 1.0
    assert features("webroot spy sweeper 3 user", "spy sweeper 5 users")["users_conflict"] == 1.0
    assert (
        features("adobe cs3 design standard upgrade", "adobe cs3 design standard")["upgrade_mismatch"] == 1.0
    )
    assert features("office 2004 student edition", "office 2004 standard")["academic_mismatch"] == 1.0


def test_abt_buy_subset_with_table_context():
    directory = shared_data("entity_matching", "ditto_pairs", "Abt-Buy")
    tables = shared_data("entity_matching", "magellan_tables")
    result = evaluate_split(directory, limit=400, tables=tables)
    context = result["context"]
    assert context["tables"] == "d2_abt_buy"
    assert context["found"]["test left"]["found"] >= 0.9 * context["found"]["test left"]["of"]
    assert context["found"]["valid right"]["found"] >= 0.9 * context["found"]["valid right"]["of"]
    assert result["tp"] + result["fn"] > 0
    assert result["f1"] >= 0.88  # about 0.81 without the table context


def test_walmart_amazon_subset_is_fitted_on_valid_and_scored_on_test():
    directory = shared_data("entity_matching", "ditto_pairs", "Walmart-Amazon")
    result = evaluate_split(directory, limit=700)
    assert result["fitted_on"].startswith("valid.txt")
    assert result["context"] == {"tables": None}
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
            "400",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Abt-Buy" in result.stdout and "fitted on valid.txt" in result.stdout
    assert "table context d2_abt_buy" in result.stdout
    assert out.is_file()
