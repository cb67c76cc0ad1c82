"""Reference import speed: the whole EU Safety Gate CSV and Health Canada JSON, read and normalised
(records/s) and stored into a fresh SQLite database, against bare csv/json parsing of the same file.

Goals per file (exit code 1 when missed): the normalising read within 40x of the bare parse, and the
whole import (read + store) within 4x of the read alone. A data file that is missing is exit code 2.

    .venv/bin/python bench/bench_references.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.goals import Goal, Scorecard, unavailable  # noqa: E402
from crawler.references.categorise import CategoryMapper  # noqa: E402
from crawler.references.importer import store  # noqa: E402
from crawler.references.reader import read_records  # noqa: E402
from crawler.storage.engine import make_engine, make_session_factory  # noqa: E402
from crawler.storage.migrate import upgrade  # noqa: E402
from crawler.timeutil import SystemClock  # noqa: E402

READ_GOAL = Goal("normalising read / bare parse time", at_most=40.0, unit="x")
IMPORT_GOAL = Goal("import (read + store) / read time", at_most=4.0, unit="x")
FILES = {
    "eu_safety_gate_csv": ("recalls", "eu_safety_gate", "safety_gate_notifications_latest2000.csv"),
    "health_canada_json": ("recalls", "health_canada", "HCRSAMOpenData_consumer_products_latest2000.json"),
}


def bare_csv(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def bare_json(path: Path) -> int:
    return len(json.loads(path.read_bytes()))


def best_of(runs: int, work: Callable[[], int]) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(runs):
        start = time.perf_counter()
        count = work()
        best = min(best, time.perf_counter() - start)
    return best, count


def import_once(path: Path, mapper: CategoryMapper) -> tuple[float, object]:
    """Read and store ``path`` into a fresh SQLite database; (seconds, import report)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        sessions = make_session_factory(engine)
        start = time.perf_counter()
        report = store(sessions, SystemClock(), read_records(path, categories=mapper), skip_invalid=True)
        seconds = time.perf_counter() - start
        engine.dispose()
    return seconds, report


def best_import(runs: int, path: Path, mapper: CategoryMapper) -> tuple[float, object]:
    """The best of ``runs`` imports, each into its own fresh database (as the reads are best of ``runs``)."""
    return min((import_once(path, mapper) for _ in range(runs)), key=lambda result: result[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    mapper = CategoryMapper.shipped()
    card = Scorecard("references")
    card.state(READ_GOAL, IMPORT_GOAL)
    rows = []
    print(
        f"{'file':<22} {'records':>7} {'baseline rec/s':>15} {'read rec/s':>11} {'ratio':>7} {'import rec/s':>13}"
    )
    for fmt, parts in FILES.items():
        path = args.data.joinpath(*parts)
        if not path.exists():
            unavailable(f"{fmt}: {path} not found (pass --data)")
        baseline = bare_csv if fmt.endswith("csv") else bare_json
        base_s, base_n = best_of(args.runs, lambda p=path, b=baseline: b(p))
        read_s, read_n = best_of(args.runs, lambda p=path: len(read_records(p, categories=mapper).records))
        import_s, report = best_import(args.runs, path, mapper)
        if not base_n == read_n == report.records:
            raise SystemExit(
                f"{fmt}: record counts differ: bare {base_n}, read {read_n}, stored {report.records}"
            )
        print(
            f"{fmt:<22} {read_n:>7} {base_n / base_s:>15,.0f} {read_n / read_s:>11,.0f} "
            f"{read_s / base_s:>6.1f}x {report.records / import_s:>13,.0f}"
        )
        rows.append((fmt, read_s / base_s, import_s / read_s))
    print("ratio = normalising read time / bare parse time; import = read + store in one SQLite transaction")
    for fmt, read_ratio, import_ratio in rows:
        card.record(Goal(f"{fmt} {READ_GOAL.name}", at_most=READ_GOAL.at_most, unit="x"), read_ratio)
        card.record(Goal(f"{fmt} {IMPORT_GOAL.name}", at_most=IMPORT_GOAL.at_most, unit="x"), import_ratio)
    return card.exit_code()


if __name__ == "__main__":
    sys.exit(main())
