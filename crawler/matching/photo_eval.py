"""Photo matching under what sellers do to a picture, measured on photos the sandbox draws.

The set: ``products`` reference photos (half product shots on white, half full-frame pictures), each
re-published once per edit of :data:`crawler.sandbox.photos.EDITS` by Pillow; and ``unrelated`` other
product shots on white that must match nothing. Every photo goes through the whole matcher as a
photo-only pair (the listing's title says nothing), so a figure is what an analyst's queue would get:
*recall* per edit (the pair surfaced, ``match`` or ``review``) and *false photo matches* (unrelated
shots surfaced against any entry).
"""

from __future__ import annotations

import random
import time
from typing import Any

from matchers import Matcher, Offer, Reference, Thresholds, Verdict
from matchers.photo_hashing import listing_hash, reference_hashes


def photo_set(seed: int, products: int) -> list[tuple[str, Any]]:
    """(key, picture) of each reference photo: product shots on white and full-frame pictures."""
    from crawler.sandbox import photos

    half = products // 2
    out = [(f"white:{i}", photos.on_white(seed, f"photo-eval:{i}")) for i in range(half)]
    out += [(f"frame:{i}", photos.master(seed, f"photo-eval:{i}")) for i in range(products - half)]
    return out


def evaluate_photos(
    seed: int = 1, products: int = 60, unrelated: int = 200, thresholds: Thresholds | None = None
) -> dict[str, Any]:
    from crawler.sandbox import photos

    started = time.perf_counter()
    originals = photo_set(seed, products)
    refs = [
        Reference(ref_id=key, product_name="", photo_hashes=reference_hashes(picture))
        for key, picture in originals
    ]
    matcher = Matcher(refs, thresholds=thresholds)

    def surfaced(offer_id: str, picture) -> set[str]:
        offer = Offer(offer_id=offer_id, title="商品图片", photo_hashes=[listing_hash(picture)])
        return {r.ref_id for r in matcher.match(offer) if r.verdict is not Verdict.NONE}

    per_edit: dict[str, dict[str, Any]] = {}
    for edit in photos.EDITS:
        found = wrong = 0
        for key, picture in originals:
            rng = random.Random(f"{seed}:{edit}:{key}")
            got = surfaced(f"{edit}:{key}", photos.edit(picture, edit, rng))
            found += key in got
            wrong += len(got - {key})
        per_edit[edit] = {"found": found, "of": len(originals), "recall": round(found / len(originals), 4)}
        per_edit[edit]["other_entries_surfaced"] = wrong
    false_pairs = false_photos = 0
    for j in range(unrelated):
        got = surfaced(f"unrelated:{j}", photos.on_white(seed, f"photo-eval-unrelated:{j}"))
        false_pairs += len(got)
        false_photos += bool(got)
    found = sum(e["found"] for e in per_edit.values())
    total = sum(e["of"] for e in per_edit.values())
    return {
        "data_set": f"photos (seed {seed}, {len(originals)} entries, {unrelated} unrelated white shots)",
        "photo_edits": per_edit,
        "recall": round(found / total, 4) if total else 0.0,
        "false_photo_matches": {"pairs": false_pairs, "photos": false_photos, "of": unrelated},
        "hashes_per_entry": round(sum(len(r.photo_hashes) for r in refs) / max(1, len(refs)), 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def photo_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the ``surveil eval`` table: one per edit, one for the unrelated shots."""
    rows = []
    for edit, e in report["photo_edits"].items():
        surfaced = e["found"] + e["other_entries_surfaced"]
        precision = e["found"] / surfaced if surfaced else None
        recall = e["recall"]
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
        rows.append(
            {
                "data_set": f"photos: {edit}",
                "precision": round(precision, 4) if precision is not None else None,
                "recall": recall,
                "f1": round(f1, 4) if f1 is not None else None,
                "notes": f"{e['found']}/{e['of']} photo-only pairs surfaced, "
                f"{e['other_entries_surfaced']} other entries surfaced",
            }
        )
    false = report["false_photo_matches"]
    rows.append(
        {
            "data_set": "photos: unrelated white shots",
            "precision": None,
            "recall": None,
            "f1": None,
            "notes": f"{false['photos']} of {false['of']} surfaced against an entry ({false['pairs']} pairs); "
            f"{report['hashes_per_entry']} hashes per entry, {report['seconds']}s",
            "figures": report,
        }
    )
    return rows
