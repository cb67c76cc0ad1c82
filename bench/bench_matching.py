"""Matching at scale: 1,000,000 synthetic listings against 100,000 reference entries on 2 worker processes.

Measured in one run: the indexed path (wall time, peak memory, recall on the planted pairs); brute-force
rapidfuzz ``cdist`` of a listing sample against every entry, timed and extrapolated to all listings,
and the indexed path's recall relative to what brute force finds; and photo lookup among 1,000,000
perceptual hashes, multi-index hashing against a numpy linear popcount scan (same neighbours required).

    .venv/bin/python bench/bench_matching.py [--listings 1000000] [--references 100000] [--workers 2]

The data are generated from a seed, so every run sees the same listings and entries.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from matchers import Matcher, Offer, Reference, Thresholds
from matchers.normalise import normalise
from matchers.photos import HashIndex, linear_scan

SYLLABLES = [
    "ka",
    "ri",
    "to",
    "mi",
    "na",
    "su",
    "le",
    "po",
    "va",
    "xe",
    "lu",
    "zo",
    "fi",
    "ne",
    "da",
    "go",
    "mo",
    "sa",
    "bi",
    "ru",
]
CJK_CHARS = "小大金银星月光华美佳安康乐宝童贝熊猫狐狸龙凤阳明雪山海天蓝绿红"
NOUNS = [
    ("吹风机", "hair dryer"),
    ("电暖器", "space heater"),
    ("儿童座椅", "child car seat"),
    ("移动电源", "power bank"),
    ("电热水壶", "electric kettle"),
    ("儿童自行车", "kids bicycle"),
    ("毛绒玩具", "plush toy"),
    ("充电器", "charger"),
    ("插线板", "power strip"),
    ("电动牙刷", "electric toothbrush"),
    ("婴儿推车", "baby stroller"),
    ("头盔", "helmet"),
    ("太阳镜", "sunglasses"),
    ("连体衣", "baby romper"),
    ("保温杯", "vacuum flask"),
    ("电饭煲", "rice cooker"),
]
ADJECTIVES = [
    "加厚",
    "静音",
    "便携",
    "家用",
    "迷你",
    "大功率",
    "多功能",
    "智能",
    "升级款",
    "恒温",
    "折叠",
    "无线",
    "防水",
    "轻便",
    "儿童",
    "成人",
]
NOISE = ["包邮", "新款", "正品", "【热卖】", "顺丰包邮", "官方旗舰", "爆款", "特价", "限时"]
PLANTED_SHARE = 0.03


def _gtin(rng: random.Random) -> str:
    body = "69" + "".join(rng.choice("0123456789") for _ in range(10))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


@dataclass
class World:
    seed: int
    brands: list[tuple[str, str]]
    refs: list[Reference]


def make_world(seed: int, n_refs: int) -> World:
    rng = random.Random(seed)
    n_brands = max(20, n_refs // 40)
    brands = []
    seen: set[str] = set()
    while len(brands) < n_brands:
        latin = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        latin += rng.choice(["", "tec", "ly", "o", "ix"])
        zh = "".join(rng.choice(CJK_CHARS) for _ in range(rng.randint(2, 3)))
        if latin.lower() in seen or zh in seen:
            continue
        seen.update({latin.lower(), zh})
        brands.append((latin, zh))
    refs = []
    models: set[str] = set()
    for i in range(n_refs):
        latin, zh = brands[rng.randrange(n_brands)]
        noun_zh, noun_en = NOUNS[rng.randrange(len(NOUNS))]
        while True:
            model = f"{latin[:2].upper()}-{rng.choice('ABCDEFGHKMNPRSTX')}{rng.randint(100, 9999)}"
            if model not in models:
                models.add(model)
                break
        name = (
            f"{rng.choice(ADJECTIVES)} {noun_zh}"
            if rng.random() < 0.7
            else f"{noun_en} {rng.choice(['pro', 'mini', 'plus', 'lite', ''])}"
        )
        refs.append(
            Reference(
                ref_id=f"R{i:06d}",
                product_name=name.strip(),
                brand=f"{zh}（{latin}）" if rng.random() < 0.5 else latin,
                models=[model],
                barcodes=[_gtin(rng)] if rng.random() < 0.5 else [],
                photo_hashes=[rng.getrandbits(64)] if rng.random() < 0.3 else [],
                list_type="recall",
            )
        )
    return World(seed, brands, refs)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def make_listing(world: World, i: int) -> tuple[Offer, str | None]:
    """Listing ``i``: about 3% are planted copies of an entry (the truth returned), the rest unrelated."""
    rng = random.Random(world.seed * 1_000_003 + i)
    noise = rng.choice(NOISE)
    if rng.random() < PLANTED_SHARE:
        ref = world.refs[rng.randrange(len(world.refs))]
        model = ref.models[0]
        style = rng.randrange(5)
        written = [model, model.replace("-", " "), model.lower(), full_width(model), model.replace("-", "")][
            style
        ]
        latin = ref.brand.split("（")[-1].rstrip("）")
        brand = rng.choice([latin, ref.brand.split("（")[0], None])
        title = f"{noise} {brand or ''} {ref.product_name} {written} {rng.choice(ADJECTIVES)}"
        attributes: dict[str, Any] = {}
        if ref.barcodes and rng.random() < 0.3:
            attributes["条形码"] = ref.barcodes[0]
        hashes = []
        if ref.photo_hashes and rng.random() < 0.5:
            h = ref.photo_hashes[0]
            for bit in rng.sample(range(64), rng.randint(0, 4)):
                h ^= 1 << bit
            hashes.append(h)
        shop = f"{latin}官方旗舰店" if brand is None else f"店铺{rng.randrange(10000)}"
        offer = Offer(
            f"L{i}", title.strip(), brand=brand, shop=shop, attributes=attributes, photo_hashes=hashes
        )
        return offer, ref.ref_id
    latin, zh = world.brands[rng.randrange(len(world.brands))]
    noun_zh, noun_en = NOUNS[rng.randrange(len(NOUNS))]
    model = f"{rng.choice('QWYZ')}{rng.choice('QWYZ')}-{rng.randint(100, 99999)}"
    title = f"{noise} {rng.choice([latin, zh])} {rng.choice(ADJECTIVES)} {noun_zh} {model}"
    return Offer(
        f"L{i}", title, brand=None, shop=f"店铺{rng.randrange(10000)}", photo_hashes=[rng.getrandbits(64)]
    ), None


_MATCHER: Matcher | None = None
_WORLD: World | None = None


def _work(span: tuple[int, int]) -> dict[str, Any]:
    assert _MATCHER is not None and _WORLD is not None
    found_truth = planted = surfaced = candidates = 0
    generating = 0.0
    pairs: dict[int, list[str]] = {}
    for i in range(*span):
        t0 = time.perf_counter()
        offer, truth = make_listing(_WORLD, i)
        generating += time.perf_counter() - t0
        prepared = _MATCHER.prepare(offer)
        cands = _MATCHER.candidates(prepared)
        candidates += len(cands)
        results = [_MATCHER.compare(prepared, _MATCHER.refs[c]) for c in cands]
        kept = [r.ref_id for r in results if r.verdict != "none"]
        surfaced += len(kept)
        if truth is not None:
            planted += 1
            found_truth += truth in kept
        if i % SAMPLE_STRIDE == 0:
            pairs[i] = [_MATCHER.refs[c].ref.ref_id for c in cands]
    return {
        "planted": planted,
        "found_truth": found_truth,
        "surfaced": surfaced,
        "candidates": candidates,
        "generating": generating,
        "sample_candidates": pairs,
    }


SAMPLE_STRIDE = 1000


def indexed_run(world: World, n_listings: int, workers: int, thresholds: Thresholds) -> dict[str, Any]:
    global _MATCHER, _WORLD
    started = time.perf_counter()
    _MATCHER = Matcher(world.refs, thresholds=thresholds)
    _WORLD = world
    built = time.perf_counter() - started
    chunk = 5000
    spans = [(s, min(s + chunk, n_listings)) for s in range(0, n_listings, chunk)]
    totals = {"planted": 0, "found_truth": 0, "surfaced": 0, "candidates": 0, "generating": 0.0}
    sample: dict[int, list[str]] = {}
    context = mp.get_context("fork")
    with context.Pool(workers) as pool:
        for part in pool.imap_unordered(_work, spans):
            for key in totals:
                totals[key] += part[key]
            sample.update(part["sample_candidates"])
    wall = time.perf_counter() - started
    return {**totals, "build_seconds": round(built, 1), "wall_seconds": round(wall, 1), "sample": sample}


def brute_force(
    world: World, sample_ids: list[int], n_listings: int, workers: int, cutoff: float
) -> dict[str, Any]:
    """Every sampled listing against every entry with rapidfuzz cdist; the best entry above the cutoff."""
    choices = [normalise(f"{r.brand} {r.product_name} {' '.join(r.models)}") for r in world.refs]
    queries = [normalise(make_listing(world, i)[0].title) for i in sample_ids]
    started = time.perf_counter()
    matrix = process.cdist(queries, choices, scorer=fuzz.token_sort_ratio, workers=workers, dtype=np.uint8)
    seconds = time.perf_counter() - started
    best = matrix.argmax(axis=1)
    found = {
        i: world.refs[int(j)].ref_id
        for i, j, row in zip(sample_ids, best, matrix, strict=True)
        if row[j] >= cutoff
    }
    return {
        "sample": len(sample_ids),
        "seconds": round(seconds, 2),
        "extrapolated_seconds": round(seconds * n_listings / max(1, len(sample_ids)), 0),
        "found": found,
    }


def photo_bench(n_hashes: int, n_queries: int, radius: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**63, size=n_hashes, dtype=np.uint64) * np.uint64(2) + rng.integers(
        0, 2, size=n_hashes, dtype=np.uint64
    )
    queries = []
    for q in range(n_queries):
        h = int(hashes[int(rng.integers(0, n_hashes))]) if q % 2 == 0 else int(rng.integers(0, 2**63)) * 2
        for bit in rng.choice(64, size=int(rng.integers(0, radius + 1)), replace=False):
            h ^= 1 << int(bit)
        queries.append(h)
    started = time.perf_counter()
    index = HashIndex(hashes)
    build = time.perf_counter() - started
    started = time.perf_counter()
    indexed = [sorted(p for p, _ in index.search(q, radius)) for q in queries]
    t_index = time.perf_counter() - started
    started = time.perf_counter()
    linear = [sorted(linear_scan(hashes, q, radius).tolist()) for q in queries]
    t_linear = time.perf_counter() - started
    return {
        "hashes": n_hashes,
        "queries": n_queries,
        "radius": radius,
        "index_build_seconds": round(build, 2),
        "multi_index_ms_per_query": round(1000 * t_index / n_queries, 3),
        "linear_scan_ms_per_query": round(1000 * t_linear / n_queries, 3),
        "speed_ratio": round(t_linear / t_index, 1) if t_index else None,
        "same_neighbours": indexed == linear,
        "neighbours_found": sum(len(x) for x in indexed),
    }


def peak_memory_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"parent_mb": round(own, 1), "largest_worker_mb": round(children, 1)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    global SAMPLE_STRIDE
    SAMPLE_STRIDE = max(1, args.listings // args.sample)
    total_started = time.perf_counter()
    world = make_world(args.seed, args.references)
    generated = time.perf_counter() - total_started
    indexed = indexed_run(world, args.listings, args.workers, Thresholds())
    sample_ids = sorted(indexed["sample"])
    brute = brute_force(world, sample_ids, args.listings, args.workers, args.cutoff)
    agree = sum(1 for i, ref_id in brute["found"].items() if ref_id in indexed["sample"].get(i, ()))
    truths = {i: make_listing(world, i)[1] for i in sample_ids}
    planted_in_sample = [i for i, t in truths.items() if t]
    photos = photo_bench(args.photo_hashes, args.photo_queries, args.photo_radius, args.seed)
    return {
        "listings": args.listings,
        "references": args.references,
        "workers": args.workers,
        "generate_references_seconds": round(generated, 1),
        "indexed": {
            "wall_seconds": indexed["wall_seconds"],
            "matcher_build_seconds": indexed["build_seconds"],
            "of_which_generating_listings_cpu_seconds": round(indexed["generating"], 1),
            "listings_per_second": round(args.listings / indexed["wall_seconds"]),
            "candidates_per_listing": round(indexed["candidates"] / args.listings, 2),
            "surfaced_pairs": indexed["surfaced"],
            "planted": indexed["planted"],
            "planted_found": indexed["found_truth"],
            "recall_on_planted": round(indexed["found_truth"] / max(1, indexed["planted"]), 4),
        },
        "brute_force": {
            "sample": brute["sample"],
            "seconds_on_sample": brute["seconds"],
            "extrapolated_seconds_all_listings": brute["extrapolated_seconds"],
            "pairs_found_on_sample": len(brute["found"]),
            "brute_force_recall_on_planted_in_sample": round(
                sum(1 for i in planted_in_sample if brute["found"].get(i) == truths[i])
                / max(1, len(planted_in_sample)),
                4,
            ),
            "indexed_recall_relative_to_brute_force": round(agree / max(1, len(brute["found"])), 4),
        },
        "speed_ratio_brute_force_over_indexed": round(
            brute["extrapolated_seconds"] / max(indexed["wall_seconds"], 1e-9), 1
        ),
        "photos": photos,
        "peak_memory": peak_memory_mb(),
        "total_seconds": round(time.perf_counter() - total_started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--references", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=1000, help="Listings sampled for brute force.")
    parser.add_argument(
        "--cutoff", type=float, default=80.0, help="Brute-force similarity that counts as found."
    )
    parser.add_argument("--photo-hashes", type=int, default=1_000_000)
    parser.add_argument("--photo-queries", type=int, default=1000)
    parser.add_argument("--photo-radius", type=int, default=6)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    report = run(args)
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
