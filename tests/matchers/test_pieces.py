"""The pieces on their own: normalisation, model numbers, barcodes, brands, photo index."""

from __future__ import annotations

import random

import numpy as np
import pytest

from matchers import Matcher, Offer, Reference, Verdict, barcodes
from matchers.brands import BrandResolver, split_names
from matchers.models import canonical, codes_from_fields, extract_codes, neighbouring
from matchers.normalise import Segmenter, index_tokens, nfkc, normalise
from matchers.photos import HashIndex, PerceptualHasher, linear_scan, to_array


def test_normalise_folds_width_case_punctuation_and_noise():
    assert nfkc("ＬＦ－ＨＤ２２") == "LF-HD22"
    assert normalise("【包邮】正品 新款 LittleFox 吹风机！！") == "littlefox 吹风机"
    assert normalise("FREE SHIPPING Hair-Dryer, 2000W") == "hair-dryer 2000w"


def test_segmentation_and_index_tokens():
    words = Segmenter().segment(normalise("儿童电吹风机 LF-HD22"))
    assert "lf-hd22" in words and any(len(w) >= 2 for w in words if w != "lf-hd22")
    assert {"儿童", "童电", "lf-hd22"} <= index_tokens(normalise("儿童电吹风 LF-HD22"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("LF-HD22 吹风机", {"LFHD22"}),
        ("型号：ＬＦ／ＨＤ２２", {"LFHD22"}),
        ("XK 900 儿童平衡车", {"XK900"}),
        ("220V 1200W 500ml 3.5mm 2024年", set()),
    ],
)
def test_model_codes_from_text(text, expected):
    assert expected <= set(extract_codes(text))
    if not expected:
        assert set(extract_codes(text)) == set()


def test_model_codes_from_attributes_and_neighbours():
    assert "LFHD22" in codes_from_fields(None, {"规格型号": "LF HD22"})
    assert canonical("lf hd-22") == "LFHD22"
    assert neighbouring("LFHD22", "LFHD23")
    assert neighbouring("LFHD22", "LFHD22PRO")
    assert not neighbouring("LFHD22", "SR200")


def test_gtin_validation_and_forms():
    assert barcodes.gtin14("0850012345671") == "00850012345671"
    assert barcodes.gtin14("850012345671") == "00850012345671"  # UPC-A = EAN-13 with a leading 0
    assert barcodes.gtin14("0850012345678") is None
    assert barcodes.gtin14("96385074") == "00000096385074"
    assert barcodes.from_attributes({"EAN": "6901234567892", "备注": "0850012345671"}) == {
        "06901234567892",
        "00850012345671",
    }


def test_brand_aliases_across_scripts_and_cooccurrence():
    brands = BrandResolver()
    assert split_names("小狐狸（LittleFox）") == ["小狐狸", "LittleFox"]
    canonical_name = brands.add_field("小狐狸（LittleFox）")
    assert brands.resolve("littlefox") == canonical_name
    assert brands.resolve("Little Fox") == canonical_name
    assert brands.resolve("xiaohuli") == canonical_name
    assert brands.find_in_text("LittleFox旗舰店") == {canonical_name}
    assert brands.resolve("无品牌") is None
    pairs = [("小狐狸", f"Foxy 吹风机 款{i}") for i in range(4)] + [("小狐狸", "吹风机")]
    learned = brands.learn_cooccurrence(pairs)
    assert ("foxy", canonical_name) in learned
    assert brands.resolve("FOXY") == canonical_name


def test_hash_index_finds_exactly_what_a_linear_scan_finds():
    rng = random.Random(7)
    hashes = [rng.getrandbits(64) for _ in range(20000)]
    base = hashes[123]
    for flips in (1, 3, 5, 6):
        near = base
        for bit in rng.sample(range(64), flips):
            near ^= 1 << bit
        hashes.append(near)
    array = to_array(hashes)
    index = HashIndex(array)
    for query in (base, hashes[5], rng.getrandbits(64)):
        for radius in (0, 4, 6, 9):
            got = sorted(p for p, _ in index.search(query, radius))
            assert got == sorted(linear_scan(array, query, radius).tolist())
    assert len(index.search(base, 6)) >= 5
    queries = [base, hashes[5], rng.getrandbits(64), hashes[-1]]
    for radius in (0, 4, 6, 9):
        assert index.search_many(queries, radius) == [index.search(q, radius) for q in queries]
    assert index.search_many([], 6) == []


def _catalogue(rng: random.Random, n: int) -> list[Reference]:
    brands = [("Kari" + str(i), "小熊" + "猫狐龙凤"[i % 4] * (1 + i % 2)) for i in range(12)]
    nouns = ["儿童吹风机", "电暖器", "移动电源", "kids helmet", "power bank", "电热水壶"]
    refs = []
    for i in range(n):
        latin, zh = rng.choice(brands)
        refs.append(
            Reference(
                ref_id=f"R{i}",
                product_name=f"{rng.choice(['加厚', '静音', '便携', ''])} {rng.choice(nouns)}",
                brand=f"{zh}（{latin}）" if i % 2 else latin,
                models=[f"{latin[:2].upper()}-{rng.randint(100, 999)}"],
                barcodes=[f"69{rng.randrange(10**11):011d}"] if i % 3 == 0 else [],
                photo_hashes=[rng.getrandbits(64)] if i % 4 == 0 else [],
            )
        )
    return refs


def test_batched_lookup_and_skipped_hopeless_pairs_change_no_result():
    rng = random.Random(11)
    refs = _catalogue(rng, 400)
    matcher = Matcher(refs, segment=False)
    offers = []
    for i in range(300):
        ref = rng.choice(refs)
        title = f"{rng.choice(['包邮', '新款'])} {rng.choice([ref.brand, ''])} {ref.product_name} "
        title += rng.choice([ref.models[0], ref.models[0].replace("-", " "), f"ZZ-{rng.randint(100, 999)}"])
        photo = [ref.photo_hashes[0] ^ 3] if ref.photo_hashes and i % 2 else [rng.getrandbits(64)]
        attributes = {"条形码": ref.barcodes[0]} if ref.barcodes and i % 5 == 0 else {}
        offers.append(Offer(f"L{i}", title, attributes=attributes, photo_hashes=photo))
    prepared = [matcher.prepare(o) for o in offers]
    batched = matcher.candidates_many(prepared)
    assert batched == [matcher.candidates(p) for p in prepared]
    assert sum(map(len, batched)) > len(offers)
    surfaced = 0
    for offer, candidates in zip(offers, batched, strict=True):
        every = [r for r in matcher.match(offer, keep_none=True) if r.verdict is not Verdict.NONE]
        quick = matcher.match_prepared(matcher.prepare(offer), candidates)
        assert [(r.ref_id, r.score, r.verdict, r.reasons) for r in quick] == [
            (r.ref_id, r.score, r.verdict, r.reasons) for r in every
        ]
        surfaced += len(quick)
    assert surfaced > 50


def test_perceptual_hash_of_a_resized_copy_is_close(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(1)
    pixels = (rng.random((64, 64, 3)) * 255).astype("uint8")
    Image.fromarray(pixels).resize((256, 256)).save(tmp_path / "a.png")
    Image.fromarray(pixels).resize((200, 200)).save(tmp_path / "b.jpg", quality=70)
    hasher = PerceptualHasher()
    a, b = hasher.hash_file(tmp_path / "a.png"), hasher.hash_file(tmp_path / "b.jpg")
    assert (a ^ b).bit_count() <= 6
