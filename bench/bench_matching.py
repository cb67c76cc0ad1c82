"""Matching at scale: synthetic listings against reference entries on worker processes.

The full size is 1,000,000 listings × 100,000 entries (``--full``); the default, 200,000 × 100,000,
finishes in a few minutes. Entries and listings draw their model codes from ONE alphabet, so codes
collide: about 3% of listings are planted copies of an entry (written in five ways), and some unrelated
listings carry a code an entry also has, under another brand (hard negatives). A listing's truth is its
planted entry, plus any entry with both its brand and its model code.

The listings are generated first into JSON-lines files (timed and reported on their own); the timed
matching run builds the matcher, reads those files and matches every listing.

Measured in one run, on the same data:

* the indexed path: wall time, peak memory, precision and recall with ``match`` and ``review`` counted
  apart (``match`` precision, recall as ``match`` alone and as ``match`` or ``review``);
* brute force: rapidfuzz ``token_set_ratio`` of a listing sample against every entry (``cdist`` on all
  cores), timed and extrapolated to all listings; its own precision and recall on the sample, and the
  decision-level agreement of the two (same entry named, or both name none);
* photo lookup among 1,000,000 perceptual hashes, multi-index hashing against a numpy linear popcount
  scan (same neighbours required).

Goals (exit code 1 when one is missed): the full size in under 300 s (with ``--full`` measured; else
projected: the matcher build as measured, the matching scaled to 1,000,000 listings); brute force
at least 50× slower than the indexed path; ``match`` precision >= 0.95 and ``match``-or-``review``
recall >= 0.95 against the truth; photo lookup at least 5× faster than the linear scan.

    .venv/bin/python bench/bench_matching.py [--full] [--listings 200000] [--references 100000]

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
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.goals import Goal, Scorecard  # noqa: E402
from matchers import Matcher, Offer, Reference, Thresholds, Verdict  # noqa: E402
from matchers.normalise import normalise  # noqa: E402
from matchers.photos import HashIndex, linear_scan  # noqa: E402

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
#: One alphabet for every model code, entries' and listings' alike: 12 × 16 × 9,900 codes, so with
#: 100,000 entries about one unrelated listing in twenty carries a code some entry has.
MODEL_PREFIXES = ("KA", "RI", "TO", "MI", "NA", "SU", "LE", "PO", "VA", "XE", "LU", "ZO")
MODEL_LETTERS = "ABCDEFGHKMNPRSTX"
FULL = {"listings": 1_000_000, "references": 100_000, "sample": 1000}
WALL_GOAL = Goal("full-size wall time (1,000,000 x 100,000)", at_most=300.0, unit=" s")
SPEED_GOAL = Goal("brute force / indexed time", at_least=50.0, unit="x")
PRECISION_GOAL = Goal("match precision", at_least=0.95)
RECALL_GOAL = Goal("match-or-review recall", at_least=0.95)
PHOTO_GOAL = Goal("photo linear scan / multi-index time, same neighbours", at_least=5.0, unit="x")


def _gtin(rng: random.Random) -> str:
    body = "69" + "".join(rng.choice("0123456789") for _ in range(10))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def model_code(rng: random.Random) -> str:
    return f"{rng.choice(MODEL_PREFIXES)}-{rng.choice(MODEL_LETTERS)}{rng.randint(100, 9999)}"


@dataclass
class World:
    seed: int
    brands: list[tuple[str, str]]
    refs: list[Reference]
    #: model code -> (entry index, the entry's Latin brand) for every entry with that code
    by_model: dict[str, list[tuple[int, str]]]


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
    by_model: dict[str, list[tuple[int, str]]] = {}
    for i in range(n_refs):
        latin, zh = brands[rng.randrange(n_brands)]
        noun_zh, noun_en = NOUNS[rng.randrange(len(NOUNS))]
        while True:
            model = model_code(rng)
            if model not in by_model:
                by_model[model] = [(i, latin)]
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
    return World(seed, brands, refs, by_model)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def make_listing(world: World, i: int) -> tuple[Offer, tuple[str, ...]]:
    """Listing ``i`` and its truth (the entries it is a copy of): about 3% are planted copies of an entry,
    the rest unrelated listings whose model code comes from the same alphabet (a copy only when brand
    and code both equal an entry's)."""
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
        return offer, (ref.ref_id,)
    latin, zh = world.brands[rng.randrange(len(world.brands))]
    noun_zh, _noun_en = NOUNS[rng.randrange(len(NOUNS))]
    model = model_code(rng)
    title = f"{noise} {rng.choice([latin, zh])} {rng.choice(ADJECTIVES)} {noun_zh} {model}"
    truth = tuple(world.refs[k].ref_id for k, brand in world.by_model.get(model, ()) if brand == latin)
    offer = Offer(
        f"L{i}", title, brand=None, shop=f"店铺{rng.randrange(10000)}", photo_hashes=[rng.getrandbits(64)]
    )
    return offer, truth


_MATCHER: Matcher | None = None
_WORLD: World | None = None
BLOCK = 500
COUNTS = (
    "listings",
    "truth_pairs",
    "match_true",
    "match_false",
    "review_true",
    "review_false",
    "truth_found_match",
    "truth_found_any",
    "planted",
    "planted_found_any",
    "hard_negatives",
    "hard_negatives_matched",
    "candidates",
)


def _generate(job: tuple[str, int, int, int]) -> int:
    """Listings ``start..end`` written as JSON lines (the truth kept beside each, for scoring)."""
    path, start, end, _stride = job
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
                "truth": list(truth),
                "hard_negative": not truth and _carries_entry_code(_WORLD, offer.title),
            }
            size += handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return size


def _carries_entry_code(world: World, title: str) -> bool:
    return title.rsplit(" ", 1)[-1] in world.by_model


def generate_listings(
    world: World, n_listings: int, workers: int, folder: str, stride: int
) -> dict[str, Any]:
    """The listings, generated once into JSON-lines files (one per span), before the timed run."""
    global _WORLD
    _WORLD = world
    chunk = 5000
    jobs = [
        (os.path.join(folder, f"listings-{s:08d}.jsonl"), s, min(s + chunk, n_listings), stride)
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


def _read(line: str) -> tuple[Offer, set[str], bool]:
    record = json.loads(line)
    offer = Offer(
        record["listing_id"],
        record["title"],
        brand=record.get("brand"),
        shop=record.get("shop"),
        attributes=record.get("attributes") or {},
        photo_hashes=record.get("photo_hashes") or [],
    )
    return offer, set(record.get("truth") or ()), bool(record.get("hard_negative"))


def score_listing(counts: dict[str, int], kept: list[Any], truth: set[str], hard_negative: bool) -> None:
    """Add one listing's surfaced pairs to ``counts``: ``match`` and ``review`` apart, true or false."""
    matched = {r.ref_id for r in kept if r.verdict is Verdict.MATCH}
    reviewed = {r.ref_id for r in kept if r.verdict is Verdict.REVIEW}
    counts["listings"] += 1
    counts["match_true"] += len(matched & truth)
    counts["match_false"] += len(matched - truth)
    counts["review_true"] += len(reviewed & truth)
    counts["review_false"] += len(reviewed - truth)
    counts["truth_pairs"] += len(truth)
    counts["truth_found_match"] += len(truth & matched)
    counts["truth_found_any"] += len(truth & (matched | reviewed))
    if truth:
        counts["planted"] += 1
        counts["planted_found_any"] += bool(truth & (matched | reviewed))
    if hard_negative:
        counts["hard_negatives"] += 1
        counts["hard_negatives_matched"] += bool(matched)


def _work(job: tuple[str, int, int, int]) -> dict[str, Any]:
    """One span of listings read from its file and matched, block by block."""
    assert _MATCHER is not None
    matcher = _MATCHER
    path, start, _end, stride = job
    cpu_started = time.process_time()
    counts = dict.fromkeys(COUNTS, 0)
    reading = 0.0
    decisions: dict[int, dict[str, Any]] = {}
    with open(path, encoding="utf-8") as handle:
        lines = handle.readlines()
    for first in range(0, len(lines), BLOCK):
        t0 = time.process_time()
        block = [_read(line) for line in lines[first : first + BLOCK]]
        reading += time.process_time() - t0
        prepared = [matcher.prepare(offer) for offer, _truth, _hard in block]
        for k, (offer, cands) in enumerate(zip(prepared, matcher.candidates_many(prepared), strict=True)):
            _offer, truth, hard = block[k]
            counts["candidates"] += len(cands)
            kept = matcher.match_prepared(offer, cands)
            score_listing(counts, kept, truth, hard)
            i = start + first + k
            if i % stride == 0:
                top = kept[0] if kept else None
                decisions[i] = {
                    "ref_id": top.ref_id if top else None,
                    "verdict": str(top.verdict) if top else None,
                    "surfaced": [r.ref_id for r in kept],
                }
    return {**counts, "reading": reading, "cpu": time.process_time() - cpu_started, "decisions": decisions}


def indexed_run(
    jobs: list[tuple[str, int, int, int]], refs: list[Reference], workers: int, thresholds: Thresholds
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
        totals: dict[str, Any] = {**dict.fromkeys(COUNTS, 0), "reading": 0.0, "cpu": 0.0}
        decisions: dict[int, dict[str, Any]] = {}
        gc.freeze()
        with mp.get_context("fork").Pool(workers, initializer=gc.enable) as pool:
            for part in pool.imap_unordered(_work, jobs):
                for key in totals:
                    totals[key] += part[key]
                decisions.update(part["decisions"])
        wall = time.perf_counter() - started
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()
        _MATCHER = None
    return {
        **totals,
        "build_seconds": built,
        "wall_seconds": wall,
        "decisions": decisions,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def brute_force(world: World, sample_ids: list[int], n_listings: int, cutoff: float) -> dict[str, Any]:
    """Every sampled listing against every entry: rapidfuzz ``token_set_ratio`` over all pairs on all
    cores; a listing's decision is its best entry when that scores at least ``cutoff``."""
    choices = [normalise(f"{r.brand} {r.product_name} {' '.join(r.models)}") for r in world.refs]
    queries = [normalise(make_listing(world, i)[0].title) for i in sample_ids]
    started = time.perf_counter()
    matrix = process.cdist(queries, choices, scorer=fuzz.token_set_ratio, workers=-1, dtype=np.uint8)
    seconds = time.perf_counter() - started
    best = matrix.argmax(axis=1)
    decided = {
        i: (world.refs[int(j)].ref_id if row[j] >= cutoff else None)
        for i, j, row in zip(sample_ids, best, matrix, strict=True)
    }
    return {
        "sample": len(sample_ids),
        "pairs": len(sample_ids) * len(choices),
        "seconds": seconds,
        "extrapolated_seconds": seconds * n_listings / max(1, len(sample_ids)),
        "decided": decided,
    }


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def sample_comparison(world: World, indexed: dict[str, Any], brute: dict[str, Any]) -> dict[str, Any]:
    """Decision-level agreement on the sample, and how right each side is against the truth."""
    truths = {i: set(make_listing(world, i)[1]) for i in brute["decided"]}
    same = brute_in_surfaced = brute_found = 0
    right = {"indexed": 0, "brute_force": 0}
    named = {"indexed": 0, "brute_force": 0}
    for i, brute_ref in brute["decided"].items():
        mine = indexed["decisions"].get(i, {})
        my_ref = mine.get("ref_id")
        same += my_ref == brute_ref
        if brute_ref is not None:
            brute_found += 1
            brute_in_surfaced += brute_ref in mine.get("surfaced", ())
        for side, ref in (("indexed", my_ref), ("brute_force", brute_ref)):
            named[side] += ref is not None
            right[side] += ref is not None and ref in truths[i]
    with_truth = sum(1 for t in truths.values() if t)
    return {
        "sample": len(truths),
        "listings_with_truth": with_truth,
        "decision_agreement": ratio(same, len(truths)),
        "brute_force_finds_surfaced_by_indexed": ratio(brute_in_surfaced, brute_found),
        "indexed_top_precision": ratio(right["indexed"], named["indexed"]),
        "indexed_top_recall": ratio(right["indexed"], with_truth),
        "brute_force_precision": ratio(right["brute_force"], named["brute_force"]),
        "brute_force_recall": ratio(right["brute_force"], with_truth),
    }


def quality(totals: dict[str, Any]) -> dict[str, Any]:
    """Precision and recall over every listing, ``match`` and ``review`` counted apart."""
    return {
        "truth_pairs": totals["truth_pairs"],
        "match_pairs": totals["match_true"] + totals["match_false"],
        "review_pairs": totals["review_true"] + totals["review_false"],
        "match_precision": ratio(totals["match_true"], totals["match_true"] + totals["match_false"]),
        "review_precision": ratio(totals["review_true"], totals["review_true"] + totals["review_false"]),
        "match_or_review_precision": ratio(
            totals["match_true"] + totals["review_true"],
            totals["match_true"] + totals["match_false"] + totals["review_true"] + totals["review_false"],
        ),
        "match_recall": ratio(totals["truth_found_match"], totals["truth_pairs"]),
        "match_or_review_recall": ratio(totals["truth_found_any"], totals["truth_pairs"]),
        "hard_negatives": totals["hard_negatives"],
        "hard_negatives_matched": totals["hard_negatives_matched"],
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
        "speed_ratio": round(t_linear / t_index, 2) if t_index else None,
        "same_neighbours": indexed == linear,
        "neighbours_found": sum(len(x) for x in indexed),
    }


def peak_memory_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"parent_mb": round(own, 1), "largest_worker_mb": round(children, 1)}


def projected_full_seconds(indexed: dict[str, Any], listings: int) -> float:
    """The timed run scaled to the full number of listings: the matcher build as measured (at the full
    100,000 entries by default), the matching after it in proportion to listings."""
    build = indexed["build_seconds"]
    return build + (indexed["wall_seconds"] - build) * FULL["listings"] / listings


def run(args: argparse.Namespace) -> dict[str, Any]:
    stride = max(1, args.listings // args.sample)
    total_started = time.perf_counter()
    world = make_world(args.seed, args.references)
    generated = time.perf_counter() - total_started
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as folder:
        listings = generate_listings(world, args.listings, args.workers, folder, stride)
        indexed = indexed_run(listings["jobs"], world.refs, args.workers, Thresholds())
    sample_ids = sorted(indexed["decisions"])
    brute = brute_force(world, sample_ids, args.listings, args.cutoff)
    photos = photo_bench(args.photo_hashes, args.photo_queries, args.photo_radius, args.seed)
    full = args.listings == FULL["listings"] and args.references == FULL["references"]
    projected = projected_full_seconds(indexed, args.listings)
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
            "wall_seconds": round(indexed["wall_seconds"], 1),
            "timed": "matcher build + reading the listing files + preparing + candidates + scoring + collecting",
            "matcher_build_seconds": round(indexed["build_seconds"], 1),
            "full_size_seconds": round(projected, 1),
            "full_size_is": "measured"
            if full
            else f"projected: build as measured at {args.references:,} entries, matching x listings",
            "workers_cpu_seconds": round(indexed["cpu"], 1),
            "of_which_reading_listings_cpu_seconds": round(indexed["reading"], 1),
            "listings_per_second": round(args.listings / indexed["wall_seconds"]),
            "candidates_per_listing": round(indexed["candidates"] / args.listings, 2),
            "load_average_before": indexed["load_average_before"],
            "load_average_after": indexed["load_average_after"],
        },
        "quality": quality(indexed),
        "brute_force": {
            "scorer": "rapidfuzz token_set_ratio, every pair, cdist on all cores",
            "cutoff": args.cutoff,
            "sample": brute["sample"],
            "pairs_scored": brute["pairs"],
            "seconds_on_sample": round(brute["seconds"], 2),
            "extrapolated_seconds_all_listings": round(brute["extrapolated_seconds"]),
        },
        "sample_comparison": sample_comparison(world, indexed, brute),
        "speed_ratio_brute_force_over_indexed": round(
            brute["extrapolated_seconds"] / max(indexed["wall_seconds"], 1e-9), 1
        ),
        "photos": photos,
        "peak_memory": peak_memory_mb(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "total_seconds": round(time.perf_counter() - total_started, 1),
    }


def judge(report: dict[str, Any], card: Scorecard) -> None:
    indexed, found = report["indexed"], report["quality"]
    card.record(WALL_GOAL, indexed["full_size_seconds"], indexed["full_size_is"])
    card.record(
        SPEED_GOAL,
        report["speed_ratio_brute_force_over_indexed"],
        f"{report['brute_force']['extrapolated_seconds_all_listings']} s extrapolated from "
        f"{report['brute_force']['sample']} listings vs {indexed['wall_seconds']} s",
    )
    card.record(PRECISION_GOAL, found["match_precision"], f"{found['match_pairs']} match pairs")
    card.record(RECALL_GOAL, found["match_or_review_recall"], f"{found['truth_pairs']} true pairs")
    photos = report["photos"]
    card.record(
        PHOTO_GOAL,
        (photos["speed_ratio"] or 0.0) if photos["same_neighbours"] else 0.0,
        f"{photos['hashes']} hashes, same neighbours: {photos['same_neighbours']}",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="1,000,000 listings x 100,000 entries.")
    parser.add_argument("--listings", type=int, default=200_000)
    parser.add_argument("--references", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--sample", type=int, default=300, help="Listings sampled for brute force.")
    parser.add_argument(
        "--cutoff", type=float, default=90.0, help="Brute-force similarity that names an entry."
    )
    parser.add_argument("--photo-hashes", type=int, default=1_000_000)
    parser.add_argument("--photo-queries", type=int, default=1000)
    parser.add_argument("--photo-radius", type=int, default=6)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    if args.full:
        args.listings, args.references, args.sample = FULL["listings"], FULL["references"], FULL["sample"]
    card = Scorecard("matching")
    card.state(WALL_GOAL, SPEED_GOAL, PRECISION_GOAL, RECALL_GOAL, PHOTO_GOAL)
    report = run(args)
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    judge(report, card)
    return card.exit_code()


if __name__ == "__main__":
    sys.exit(main())
