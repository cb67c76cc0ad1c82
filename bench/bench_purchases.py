"""Test-purchase speed: the planner over many candidate listings, against sorting the same candidates
by risk (the least any planner does); and the lab XLSX export per sample, against writing the same
rows without thumbnails (same writer, same cells, no embedded images).

Goals (exit code 1 when one is missed, see ``bench/goals.py``): the planner within 12x of the sort, and
the workbook with thumbnails within 4x of the same workbook without them.

    .venv/bin/python bench/bench_purchases.py [--candidates 50000] [--samples 300]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.goals import Goal, Scorecard  # noqa: E402
from crawler.purchases.export import ExportRow, write_xlsx  # noqa: E402
from crawler.purchases.thumbnails import placeholder_png  # noqa: E402
from crawler.storage.models import Lab  # noqa: E402
from scheduler.planning import Candidate, CategoryInfo, parse_period, plan_purchases  # noqa: E402

PLANNER_GOAL = Goal("planner time / sort time", at_most=12.0, unit="x")
XLSX_GOAL = Goal("XLSX with thumbnails / without", at_most=4.0, unit="x")

PLATFORMS = ("jd", "taobao", "pdd", "yhd", "aliexpress", "amazon")


def candidates(n: int, categories: int) -> list[Candidate]:
    rng = random.Random(1)
    out = []
    for i in range(n):
        flagged = rng.random() < 0.002
        out.append(
            Candidate(
                listing_id=i + 1,
                category=f"c{i % categories:02d}",
                platform=PLATFORMS[i % len(PLATFORMS)],
                seller=f"s{rng.randrange(n // 4)}",
                price=None if rng.random() < 0.05 else Decimal(rng.randrange(500, 90000)) / 100,
                confirmed_flag_id=i if flagged else None,
                flag_risk=rng.random() if rng.random() < 0.2 else 0.0,
            )
        )
    return out


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def rows(n: int, thumb: bytes) -> list[ExportRow]:
    return [
        ExportRow(
            f"WG-2026-12-SH-{i + 1:04d}",
            "玩具",
            f"商品 {i}",
            "品牌",
            f"MX-{i}",
            "",
            "",
            "京东",
            "店铺",
            f"https://item.m.jd.com/{i}.html",
            Decimal("19.90"),
            f"ORD{i}",
            ["甲醛含量", "pH值"],
            "received",
            thumb,
        )
        for i in range(n)
    ]


def bench_planner(card: Scorecard, n: int) -> None:
    cats = [CategoryInfo(f"c{i:02d}", f"类别{i}", yearly_quota=40, priority=1 + i % 5) for i in range(30)]
    cands = candidates(n, len(cats))
    period = parse_period("2026-Q4")
    plan = plan_purchases(cands, cats, period, Decimal("200000"), seed=3)
    base = timed(lambda: sorted(cands, key=lambda c: (c.category, -c.flag_risk, c.listing_id)))
    took = timed(lambda: plan_purchases(cands, cats, period, Decimal("200000"), seed=3))
    print(
        f"planner: {len(cands)} candidates, {len(plan.picks)} picks, {len(plan.skipped)} skipped: "
        f"{took * 1000:.1f} ms; baseline sort of the same candidates {base * 1000:.1f} ms"
    )
    card.record(PLANNER_GOAL, took / base)


def bench_xlsx(card: Scorecard, samples: int) -> None:
    lab = Lab(code="sgs", name="SGS", accepted_categories=["*"], export_preferences={})
    with tempfile.TemporaryDirectory() as tmp:
        with_images = rows(samples, placeholder_png())
        without = rows(samples, b"")
        timed(lambda: write_xlsx(without[:5], Path(tmp) / "warm.xlsx", lab), repeat=1)
        bare = timed(lambda: write_xlsx(without, Path(tmp) / "bare.xlsx", lab))
        took = timed(lambda: write_xlsx(with_images, Path(tmp) / "lab.xlsx", lab))
        size = (Path(tmp) / "lab.xlsx").stat().st_size
    print(
        f"lab XLSX: {samples} samples with thumbnails in {took * 1000:.0f} ms "
        f"({took / samples * 1000:.2f} ms/sample, {size // 1024} KiB); the same rows without thumbnails "
        f"{bare * 1000:.0f} ms ({bare / samples * 1000:.2f} ms/sample)"
    )
    card.record(XLSX_GOAL, took / bare)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args(argv)
    card = Scorecard("purchases")
    card.state(PLANNER_GOAL, XLSX_GOAL)
    bench_planner(card, args.candidates)
    bench_xlsx(card, args.samples)
    return card.exit_code()


if __name__ == "__main__":
    sys.exit(main())
