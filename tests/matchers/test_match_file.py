"""``surveil match-file`` end to end on hand-made files: the generic CSV, listings JSONL and photos."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "batch"
BIN = Path(sys.executable).parent


def test_match_file_writes_explained_pairs_and_reports_bad_lines(tmp_path):
    out = tmp_path / "out.jsonl"
    result = subprocess.run(
        [
            str(BIN / "surveil"),
            "--database-url",
            f"sqlite:///{tmp_path / 'unused.db'}",
            "match-file",
            "--references",
            str(FIXTURES / "refs.csv"),
            "--listings",
            str(FIXTURES / "listings.jsonl"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    pairs = {(r["listing_id"], r["ref_id"]): r for r in rows}
    assert set(rows[0]) == {"listing_id", "ref_id", "score", "decision", "reasons"}
    assert pairs[("A1", "R-HD22")]["decision"] == "match"
    assert "model LF-HD22 = LF-HD22" in pairs[("A1", "R-HD22")]["reasons"]
    photo = pairs[("A2", "R-HD22")]
    assert photo["decision"] in ("review", "match")
    assert any(r.startswith("photo distance ") for r in photo["reasons"])
    assert pairs[("A3", "R-HD22")]["decision"] == "match"
    assert "barcode 0850012345671 equal" in pairs[("A3", "R-HD22")]["reasons"]
    assert pairs.get(("A4", "R-HD22"), {}).get("decision") != "match"
    assert not any(lid == "A5" for lid, _ in pairs)
    assert all(0.0 <= r["score"] <= 1.0 for r in rows)
    stderr = " ".join(result.stderr.split())
    assert "line 4: title is missing" in stderr
    assert "line 5: not valid JSON" in stderr
    assert "line 6: listing_id is missing" in stderr
    assert "line 7: image 'img/missing.jpg' cannot be read" in stderr


def test_match_file_refuses_missing_input(tmp_path):
    result = subprocess.run(
        [
            str(BIN / "surveil"),
            "match-file",
            "--references",
            str(tmp_path / "nope.csv"),
            "--listings",
            str(FIXTURES / "listings.jsonl"),
            "--out",
            str(tmp_path / "o.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "no such file" in result.stderr
