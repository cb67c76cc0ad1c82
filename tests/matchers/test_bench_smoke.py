"""The matching benchmark's code path at a small scale (the full run is `make bench`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_matching.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_matching", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_bench_runs_small_and_reports_every_figure():
    bench = _bench()
    args = bench.argparse.Namespace(
        listings=3000,
        references=2000,
        workers=2,
        sample=60,
        cutoff=90.0,
        photo_hashes=20000,
        photo_queries=40,
        photo_radius=6,
        seed=7,
    )
    report = bench.run(args)
    found = report["quality"]
    assert found["truth_pairs"] > 0
    assert found["match_precision"] >= 0.95
    assert found["match_or_review_recall"] >= 0.95
    assert 0.0 <= report["sample_comparison"]["decision_agreement"] <= 1.0
    assert report["indexed"]["full_size_seconds"] > 0
    assert report["photos"]["same_neighbours"] is True
    assert report["photos"]["neighbours_found"] >= 20
    assert report["peak_memory"]["parent_mb"] > 0
    card = bench.Scorecard("matching")
    bench.judge(report, card)
    assert len(card.verdicts) == 5


def test_synthetic_data_is_deterministic():
    bench = _bench()
    a, b = bench.make_world(3, 200), bench.make_world(3, 200)
    assert [r.models for r in a.refs] == [r.models for r in b.refs]
    assert bench.make_listing(a, 17)[0].title == bench.make_listing(b, 17)[0].title


def test_unrelated_listings_share_the_entries_model_alphabet():
    bench = _bench()
    world = bench.make_world(5, 5000)
    codes = [bench.make_listing(world, i)[0].title.rsplit(" ", 1)[-1] for i in range(4000)]
    assert sum(code in world.by_model for code in codes) > 0
