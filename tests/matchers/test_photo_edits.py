"""Photos that survive what sellers do: each edit made by Pillow at test time on sandbox-drawn photos.

No real product photos are in the shared data (only recall records naming photo URLs), so the set is
drawn by the sandbox: product shots on a white background and full-frame pictures.
"""

from __future__ import annotations

import random

import pytest

from crawler.sandbox import photos
from matchers import Matcher, Offer, Reference, Verdict
from matchers.photo_hashing import listing_hash, reference_hashes, trim
from matchers.photos import EditTolerantHasher, HashIndex, hamming

SEED = 5


@pytest.fixture(scope="module")
def entries():
    pictures = [photos.on_white(SEED, f"t{i}") for i in range(8)]
    pictures += [photos.master(SEED, f"t{i}") for i in range(4)]
    return [(picture, reference_hashes(picture)) for picture in pictures]


@pytest.mark.parametrize("edit", photos.EDITS)
def test_an_edited_photo_stays_near_its_reference(entries, edit) -> None:
    found = 0
    for k, (picture, hashes) in enumerate(entries):
        edited = photos.edit(picture, edit, random.Random(f"{edit}:{k}"))
        query = listing_hash(edited)
        found += min(hamming(query, h) for h in hashes) <= 6
    # one miss in twelve allowed for the heavy edits (a 15 % crop into a full-frame picture, a caption
    # across one)
    assert found >= len(entries) - 1, (edit, found)


def test_unrelated_white_background_shots_stay_apart(entries) -> None:
    index = HashIndex([h for _p, hashes in entries for h in hashes])
    for j in range(60):
        query = listing_hash(photos.on_white(SEED, f"unrelated:{j}"))
        assert index.search(query, 6) == [], j


def test_trim_removes_padding_and_ignores_a_corner_logo() -> None:
    shot = photos.on_white(SEED, "trim")
    product = trim(shot)
    assert product.size < shot.size
    padded = photos.edit(shot, "pad", random.Random(1))
    assert abs(trim(padded).size[0] - product.size[0]) <= 3
    marked = photos.edit(shot, "watermark", random.Random(2))
    assert min(hamming(listing_hash(marked), h) for h in reference_hashes(shot)) <= 6
    frame = photos.master(SEED, "trim")
    assert trim(frame).size == frame.size, "a full-frame picture has no border to trim"


def test_a_photo_only_pair_surfaces_for_review(tmp_path) -> None:
    shot = photos.on_white(SEED, "only")
    path = tmp_path / "ref.jpg"
    path.write_bytes(photos.encode(shot))
    hasher = EditTolerantHasher()
    ref = Reference(ref_id="r1", product_name="Kettle", photo_hashes=hasher.hash_reference(path))
    matcher = Matcher([ref])
    for edit in ("crop", "mirror", "letterbox"):
        listed = tmp_path / f"{edit}.jpg"
        listed.write_bytes(photos.encode(photos.edit(shot, edit, random.Random(edit)), quality=70))
        offer = Offer(offer_id=edit, title="家用商品 包邮", photo_hashes=[hasher.hash_file(listed)])
        results = matcher.match(offer)
        assert [r.ref_id for r in results] == ["r1"], edit
        assert results[0].verdict is Verdict.REVIEW
    other = tmp_path / "other.jpg"
    other.write_bytes(photos.encode(photos.on_white(SEED, "someone else")))
    offer = Offer(offer_id="o", title="家用商品 包邮", photo_hashes=[hasher.hash_file(other)])
    assert [r for r in matcher.match(offer) if r.verdict is not Verdict.NONE] == []
