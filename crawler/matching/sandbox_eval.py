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
from matchers.photos import PerceptualHasher


def _photo_hash(hasher: PerceptualHasher, data: bytes) -> int:
    import imagehash
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return int(str(imagehash.phash(image.convert("RGB"))), 16)


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
    hasher = PerceptualHasher()
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
    for platform in PLATFORMS:
        for index in market.all_indexes():
            listing = market.listing(platform, index)
            offer_id = f"{platform}:{listing.item_id}"
            hashes = []
            if listing.images:
                data = photos.variant_bytes(seed, listing.product.key, f"{platform}:{listing.index}", 0)
                hashes.append(_photo_hash(hasher, data))
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
    strict = Scores(len(matched & truth), len(matched - truth), len(truth - matched), 0)
    loose = Scores(len(surfaced & truth), len(surfaced - truth), len(truth - surfaced), 0)
    return {
        "data_set": f"sandbox (seed {seed}, size {size}, {len(PLATFORMS)} platforms)",
        "listings": len(offers),
        "brand_aliases_learned": [f"{a} = {b}" for a, b in learned],
        "references": len(refs),
        "true_pairs": len(truth),
        "decision_match": {k: v for k, v in strict.to_json().items() if k != "tn"},
        "match_or_review": {k: v for k, v in loose.to_json().items() if k != "tn"},
        "seconds": round(time.perf_counter() - started, 1),
        "problems": problems + [str(p) for p in imported.problems],
    }
