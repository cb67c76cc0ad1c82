"""The marketplace's traps: listings that name a planted model without selling it, and true listings
written the odd ways sellers write them. Each is labelled in the truth, deterministically per seed."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from crawler.sandbox import photos
from crawler.sandbox.config import ENGLISH_PLATFORMS, PLATFORMS, SandboxConfig
from crawler.sandbox.content import POSITIVE_TRAPS, Market
from crawler.sandbox.truth import record
from matchers.photo_hashing import listing_hash, reference_hashes
from matchers.photos import hamming

SIZE = 30 * 20 * 2


def market(**kw) -> Market:
    kw.setdefault("references", "shipped")
    kw.setdefault("size", SIZE)
    return Market(SandboxConfig(**kw))


def _traps(m: Market, trap: str, platforms=PLATFORMS):
    return [
        x for p in platforms for i in range(m.config.count()) if (x := m.listing(p, i)).product.trap == trap
    ]


def traditional_to_simplified(text: str) -> str:
    import opencc

    return opencc.OpenCC("t2s").convert(text)


@pytest.fixture(scope="module")
def m3() -> Market:
    return market(seed=3)


def _plain(text: str) -> str:
    return re.sub(r"[-_\s]", "", text).lower()


def test_traps_are_the_same_for_a_seed_and_off_when_asked() -> None:
    a, b, c = market(seed=7), market(seed=7), market(seed=8)
    plan = [
        (p, i, a.listing(p, i).product.trap, a.listing(p, i).title) for p in PLATFORMS for i in range(300)
    ]
    assert plan == [(p, i, b.listing(p, i).product.trap, b.listing(p, i).title) for p, i, _t, _x in plan]
    assert plan != [(p, i, c.listing(p, i).product.trap, c.listing(p, i).title) for p, i, _t, _x in plan]
    off = market(seed=7, traps=False)
    assert not any(off.listing(p, i).product.trap for p in PLATFORMS for i in range(300))


def test_accessories_name_the_planted_model_several_times_and_are_not_matches(m3) -> None:
    m = m3
    found = _traps(m, "accessory")
    assert found
    per_model = Counter((x.platform, x.product.ref.ref_id, x.index // 30 // 20) for x in found)
    assert set(per_model.values()) <= {1, 2, 3} and max(per_model.values()) == 3
    parts = ("适用", "专用", "for", "Fits", "Compatible")
    for x in found:
        assert x.kind == "near_miss" and x.product.near_miss == "accessory"
        assert x.product.ref.model in x.title
        assert x.brand_shown != x.product.ref.brand, "the accessory maker's brand, not the model's"
        truth = record(m, x)
        assert truth["trap"] == "accessory" and truth["ref"]["ref_id"] == x.product.ref.ref_id
    assert sum(any(w in x.title for w in parts) for x in found) > len(found) // 3


def test_white_labels_and_same_brand_other_products(m3) -> None:
    m = m3
    white = _traps(m, "white_label")
    assert white
    for x in white:
        assert x.title.startswith(("适用", "适配", "Compatible", "For ", x.product.ref.model))
        assert x.product.ref.model in x.title and x.brand_shown != x.product.ref.brand
    other = _traps(m, "same_brand_other_product")
    assert other
    for x in other:
        ref = x.product.ref
        assert x.product.brand == ref.brand and x.product.model == ref.model and x.category != ref.category


def test_true_listings_written_oddly(m3) -> None:
    m = m3
    counts = Counter(x.product.trap for x in m_all(m) if x.product.trap in POSITIVE_TRAPS)
    assert all(counts[t] > 0 for t in POSITIVE_TRAPS), counts
    for x in _traps(m, "retyped_model"):
        written = x.model_in_title or ""
        assert written != x.product.ref.model
        assert _plain(written).startswith(_plain(x.product.ref.model))
        assert record(m, x)["kind"] == "match"
    for x in _traps(m, "traditional"):
        assert x.platform not in ENGLISH_PLATFORMS
        assert traditional_to_simplified(x.title) != x.title, x.title
    for x in _traps(m, "cross_language"):
        assert x.platform not in ENGLISH_PLATFORMS and x.product.ref.product_name.isascii()
        assert re.search(r"[\u4e00-\u9fff]", x.title)


def m_all(m: Market):
    return [m.listing(p, i) for p in PLATFORMS for i in range(m.config.count())]


def test_edited_photos_carry_no_brand_or_model_and_stay_findable(m3) -> None:
    m = m3
    found = _traps(m, "photo_edit")
    assert found
    edits = Counter(x.product.photo_edit for x in found)
    assert len(edits) >= 4
    near = 0
    sample = found[:16]
    for x in sample:
        ref = x.product.ref
        assert x.brand_shown is None and x.model_in_title is None and x.model_in_specs is None
        assert ref.model not in x.title and (ref.brand or "@") not in x.title
        assert record(m, x)["photo_edit"] == x.product.photo_edit
        body = photos.variant_bytes(m.config.seed, x.product.key, f"{x.platform}:{x.index}", 0)
        from io import BytesIO

        from PIL import Image

        query = listing_hash(Image.open(BytesIO(body)))
        reference = reference_hashes(photos.master(m.config.seed, f"ref:{ref.key}"))
        near += min(hamming(query, h) for h in reference) <= 6
    assert near >= len(sample) * 3 // 4


def test_the_photo_edit_is_what_the_sandbox_serves() -> None:
    plain = photos.variant(1, "ref:x", "jd:1", 0)
    mirrored = photos.variant(1, "ref:x#edit:mirror", "jd:1", 0)
    assert plain.size == mirrored.size and plain.tobytes() != mirrored.tobytes()
    assert (
        photos.variant(1, "ref:x#edit:mirror", "jd:1", 1).size == photos.variant(1, "ref:x", "jd:1", 1).size
    )
    assert photos.edit(plain, "crop", random.Random(1)).size < plain.size
