"""Matching at scale: 1,000,000 synthetic listings against 100,000 reference entries on 2 worker processes.

The listings are generated first into JSON-lines files (timed and reported on their own); the timed
matching run builds the matcher, reads those files and matches every listing.

Measured in one run: the indexed path (wall time, peak memory, recall on the planted pairs); brute-force
rapidfuzz ``cdist`` of a listing sample against every entry, timed and extrapolated to all listings,
and the indexed path's recall relative to what brute force finds; and photo lookup among 1,000,000
perceptual hashes, multi-index hashing against a numpy linear popcount scan (same neighbours required).

    .venv/bin/python bench/bench_matching.py [--listings 1000000] [--references 100000] [--workers 2]

The data are generated from a seed, so every run sees the same listings and entries.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
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
SAMPLE_STRIDE = 1000
BLOCK = 500


def _generate(job: tuple[str, int, int]) -> int:
    """Listings ``start..end`` written as JSON lines (the planted truth kept beside each, for scoring)."""
    path, start, end = job
    assert _WORLD is not None
    size = 0
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(start, end):
            offer, truth = make_listing(_WORLD, i)
            record = {
                "listing_id": offer.offer_id,
                "title": offer.title,
                "brand": offer.brand,
                "shop": offer.shop,
                "attributes": offer.attributes,
                "photo_hashes": offer.photo_hashes,
                "truth": truth,
            }
            size += handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return size


def generate_listings(world: World, n_listings: int, workers: int, folder: str) -> dict[str, Any]:
    """The listings, generated once into JSON-lines files (one per span), before the timed run."""
    global _WORLD
    _WORLD = world
    chunk = 5000
    jobs = [
        (os.path.join(folder, f"listings-{s:08d}.jsonl"), s, min(s + chunk, n_listings))
        for s in range(0, n_listings, chunk)
    ]
    started = time.perf_counter()
    with mp.get_context("fork").Pool(workers) as pool:
        size = sum(pool.imap_unordered(_generate, jobs))
    return {
        "jobs": jobs,
        "seconds": round(time.perf_counter() - started, 1),
        "megabytes": round(size / 2**20),
    }


def _read(line: str) -> tuple[Offer, str | None]:
    record = json.loads(line)
    offer = Offer(
        record["listing_id"],
        record["title"],
        brand=record.get("brand"),
        shop=record.get("shop"),
        attributes=record.get("attributes") or {},
        photo_hashes=record.get("photo_hashes") or [],
    )
    return offer, record.get("truth")


def _work(job: tuple[str, int, int]) -> dict[str, Any]:
    """One span of listings read from its file and matched, block by block."""
    assert _MATCHER is not None
    matcher = _MATCHER
    path, start, _end = job
    cpu_started = time.process_time()
    found_truth = planted = surfaced = candidates = 0
    reading = 0.0
    pairs: dict[int, list[str]] = {}
    with open(path, encoding="utf-8") as handle:
        lines = handle.readlines()
    for first in range(0, len(lines), BLOCK):
        t0 = time.process_time()
        block = [_read(line) for line in lines[first : first + BLOCK]]
        reading += time.process_time() - t0
        prepared = [matcher.prepare(offer) for offer, _truth in block]
        for k, (offer, cands) in enumerate(zip(prepared, matcher.candidates_many(prepared), strict=True)):
            i = start + first + k
            truth = block[k][1]
            candidates += len(cands)
            kept = [r.ref_id for r in matcher.match_prepared(offer, cands)]
            surfaced += len(kept)
            if truth is not None:
                planted += 1
                found_truth += truth in kept
            if i % SAMPLE_STRIDE == 0:
                pairs[i] = [matcher.refs[c].ref.ref_id for c in cands]
    return {
        "planted": planted,
        "found_truth": found_truth,
        "surfaced": surfaced,
        "candidates": candidates,
        "reading": reading,
        "cpu": time.process_time() - cpu_started,
        "sample_candidates": pairs,
    }


def indexed_run(
    jobs: list[tuple[str, int, int]], refs: list[Reference], workers: int, thresholds: Thresholds
) -> dict[str, Any]:
    """The timed run: build the matcher, then read, prepare, look up and score every listing on
    ``workers`` processes (forked, so they share the built indexes), and collect the results."""
    global _MATCHER
    load_before = os.getloadavg()
    started = time.perf_counter()
    # The fork recipe of the gc module's documentation: no collections while the matcher's long-lived
    # objects are made, those frozen before forking (the workers' collections then neither walk nor
    # write to the shared pages), collections back on in the workers.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _MATCHER = Matcher(refs, thresholds=thresholds)
        if _MATCHER.segmenter is not None:
            _MATCHER.segmenter.load()
        built = time.perf_counter() - started
        totals = {"planted": 0, "found_truth": 0, "surfaced": 0, "candidates": 0, "reading": 0.0, "cpu": 0.0}
        sample: dict[int, list[str]] = {}
        gc.freeze()
        with mp.get_context("fork").Pool(workers, initializer=gc.enable) as pool:
            for part in pool.imap_unordered(_work, jobs):
                for key in totals:
                    totals[key] += part[key]
                sample.update(part["sample_candidates"])
        wall = time.perf_counter() - started
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()
    return {
        **totals,
        "build_seconds": round(built, 1),
        "wall_seconds": round(wall, 1),
        "sample": sample,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


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
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as folder:
        listings = generate_listings(world, args.listings, args.workers, folder)
        indexed = indexed_run(listings["jobs"], world.refs, args.workers, Thresholds())
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
        "generate_listings": {
            "wall_seconds": listings["seconds"],
            "megabytes": listings["megabytes"],
            "note": "written to JSON-lines files before, and not part of, the timed matching run",
        },
        "indexed": {
            "wall_seconds": indexed["wall_seconds"],
            "timed": "matcher build + reading the listing files + preparing + candidates + scoring + collecting",
            "matcher_build_seconds": indexed["build_seconds"],
            "workers_cpu_seconds": round(indexed["cpu"], 1),
            "of_which_reading_listings_cpu_seconds": round(indexed["reading"], 1),
            "listings_per_second": round(args.listings / indexed["wall_seconds"]),
            "candidates_per_listing": round(indexed["candidates"] / args.listings, 2),
            "surfaced_pairs": indexed["surfaced"],
            "planted": indexed["planted"],
            "planted_found": indexed["found_truth"],
            "recall_on_planted": round(indexed["found_truth"] / max(1, indexed["planted"]), 4),
            "load_average_before": indexed["load_average_before"],
            "load_average_after": indexed["load_average_after"],
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
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
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
