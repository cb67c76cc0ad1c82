"""Quality on the sandbox marketplace, whose ground truth says which listings sell which list entry."""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path
from typing import Any

from crawler.matching.convert import reference_from_record
from crawler.references import read_records
from matchers import Matcher, Offer, Thresholds, Verdict
from matchers.evaluation.metrics import Scores
from matchers.photo_hashing import listing_hash
from matchers.photos import default_hasher


def _photo_hash(data: bytes) -> int:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return listing_hash(image.convert("RGB"))


def evaluate_sandbox(seed: int = 1, size: int = 300, thresholds: Thresholds | None = None) -> dict[str, Any]:
    """Every listing of every platform against the sandbox's reference list; pairs decided ``match``
    are compared with the planted truth (precision, recall), and so are pairs surfaced at all."""
    from crawler.sandbox import photos
    from crawler.sandbox.config import PLATFORMS
    from crawler.sandbox.content import Market
    from crawler.sandbox.testing import make_config
    from crawler.sandbox.truth import write_reference_list

    started = time.perf_counter()
    market = Market(make_config(seed=seed, size=size))
    hasher = default_hasher()
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = write_reference_list(market, Path(tmp))
        imported = read_records(path)
        refs = [
            reference_from_record(r, path.parent, hasher, lambda w, m: problems.append(f"{w}: {m}"))
            for r in imported.records
        ]
    matcher = Matcher(refs, thresholds=thresholds)
    offers: list[Offer] = []
    truth: set[tuple[str, str]] = set()
    traps: dict[str, str] = {}  # offer id -> the trap its listing plays
    edits: dict[str, str] = {}  # offer id -> the edit its photo carries (the photo_edit trap)
    for platform in PLATFORMS:
        for index in market.all_indexes():
            listing = market.listing(platform, index)
            offer_id = f"{platform}:{listing.item_id}"
            hashes = []
            if listing.images:
                data = photos.variant_bytes(seed, listing.product.key, f"{platform}:{listing.index}", 0)
                hashes.append(_photo_hash(data))
            offer = Offer(
                offer_id=offer_id,
                title=listing.title,
                platform=platform,
                brand=listing.brand_shown,
                model=listing.model_in_specs,
                shop=listing.shop_name,
                attributes=dict(listing.specs),
                photo_hashes=hashes,
            )
            offers.append(offer)
            if listing.product.trap is not None:
                traps[offer_id] = listing.product.trap
                if listing.product.photo_edit:
                    edits[offer_id] = listing.product.photo_edit
            if listing.product.kind == "match" and listing.product.ref is not None:
                truth.add((offer_id, listing.product.ref.ref_id))
    learned = matcher.learn_brands(offers)
    matched: set[tuple[str, str]] = set()
    surfaced: set[tuple[str, str]] = set()
    for offer in offers:
        for result in matcher.match(offer):
            surfaced.add((offer.offer_id, result.ref_id))
            if result.verdict is Verdict.MATCH:
                matched.add((offer.offer_id, result.ref_id))
    # the headline rows keep to the listings planted before traps were, so they stay comparable; each
    # trap is a row of its own (``trap_scores``)
    plain_truth = {p for p in truth if p[0] not in traps}
    plain_matched = {p for p in matched if p[0] not in traps}
    plain_surfaced = {p for p in surfaced if p[0] not in traps}
    strict = Scores(
        len(plain_matched & plain_truth),
        len(plain_matched - plain_truth),
        len(plain_truth - plain_matched),
        0,
    )
    loose = Scores(
        len(plain_surfaced & plain_truth),
        len(plain_surfaced - plain_truth),
        len(plain_truth - plain_surfaced),
        0,
    )
    trap_figures = trap_scores(traps, truth, matched, surfaced, strict, edits)
    return {
        "data_set": f"sandbox (seed {seed}, size {size}, {len(PLATFORMS)} platforms)",
        "listings": len(offers),
        "brand_aliases_learned": [f"{a} = {b}" for a, b in learned],
        "references": len(refs),
        "true_pairs": len(plain_truth),
        "traps": trap_figures,
        "decision_match": {k: v for k, v in strict.to_json().items() if k != "tn"},
        "match_or_review": {k: v for k, v in loose.to_json().items() if k != "tn"},
        "seconds": round(time.perf_counter() - started, 1),
        "problems": problems + [str(p) for p in imported.problems],
    }


def trap_scores(
    traps: dict[str, str],
    truth: set[tuple[str, str]],
    matched: set[tuple[str, str]],
    surfaced: set[tuple[str, str]],
    planted: Scores,
    edits: dict[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Figures per trap, over the listings that play it.

    A trap whose listings sell the entry (re-typed model, traditional title, edited photo, English entry
    under a Chinese title) has recall: of its true pairs, how many were decided ``match`` and how many
    surfaced at all (``match`` or ``review``). A trap whose listings do not (accessory, white label,
    same brand's other product) has precision: that of the ``match`` decisions over the planted true
    pairs and these listings together, so each wrong match on them costs precision as it would in the
    queue; and how many of its listings were decided ``match`` or sent to review.
    """
    out: dict[str, dict[str, Any]] = {}
    for trap in sorted(set(traps.values())):
        ids = {offer for offer, t in traps.items() if t == trap}
        pairs = {p for p in truth if p[0] in ids}
        decided = {p for p in matched if p[0] in ids}
        shown = {p for p in surfaced if p[0] in ids}
        if pairs:
            out[trap] = {
                "sells_the_entry": True,
                "listings": len(ids),
                "true_pairs": len(pairs),
                "decided_match": len(decided & pairs),
                "surfaced": len(shown & pairs),
                "recall_match": round(len(decided & pairs) / len(pairs), 4),
                "recall_surfaced": round(len(shown & pairs) / len(pairs), 4),
                "wrong_pairs_surfaced": len(shown - pairs),
            }
            by_edit: dict[str, list[int]] = {}
            for offer, ref in pairs:
                if edits and offer in edits:
                    counts = by_edit.setdefault(edits[offer], [0, 0])
                    counts[0] += (offer, ref) in shown
                    counts[1] += 1
            if by_edit:
                out[trap]["surfaced_by_edit"] = {k: f"{a}/{b}" for k, (a, b) in sorted(by_edit.items())}
        else:
            wrong = {p[0] for p in decided}
            tp = planted.tp
            out[trap] = {
                "sells_the_entry": False,
                "listings": len(ids),
                "listings_decided_match": len(wrong),
                "listings_surfaced": len({p[0] for p in shown}),
                "precision_with_planted": round(tp / (tp + planted.fp + len(decided)), 4)
                if tp + planted.fp + len(decided)
                else 0.0,
            }
    return out


def trap_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One ``surveil eval`` row per sandbox trap."""
    rows = []
    for trap, f in report.get("traps", {}).items():
        if f["sells_the_entry"]:
            p = None
            r = f["recall_surfaced"]
            notes = (
                f"recall {f['true_pairs']} true pairs: {f['decided_match']} match, {f['surfaced']} surfaced "
                f"(match recall {f['recall_match']:.4f}); {f['wrong_pairs_surfaced']} other entries surfaced"
            )
            if f.get("surfaced_by_edit"):
                notes += "; by edit: " + ", ".join(f"{k} {v}" for k, v in f["surfaced_by_edit"].items())
        else:
            p = f["precision_with_planted"]
            r = None
            notes = (
                f"precision of match decisions over planted pairs + these {f['listings']} listings: "
                f"{f['listings_decided_match']} decided match, {f['listings_surfaced']} surfaced"
            )
        rows.append(
            {
                "data_set": f"sandbox trap: {trap}",
                "precision": p,
                "recall": r,
                "f1": None,
                "notes": notes,
            }
        )
    return rows
