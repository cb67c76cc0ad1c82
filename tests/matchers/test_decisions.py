"""Hand-made cases that pin how a listing/entry pair is decided and explained."""

from __future__ import annotations

import pytest

from matchers import Matcher, Offer, Reference, Thresholds, Verdict
from matchers.normalise import Segmenter

HAIR_DRYER = Reference(
    ref_id="R1",
    product_name="儿童电吹风 LittleFox 小狐狸",
    brand="小狐狸（LittleFox）",
    models=["LF-HD22"],
    barcodes=["0850012345671"],
    batches=["20240301A"],
    manufacturer="深圳小狐狸电器有限公司",
    photo_hashes=[0x8F3C_1A2B_55AA_0F0F],
)
HELMET = Reference(
    ref_id="R2",
    product_name="Kids bicycle helmet",
    brand="SafeRide",
    models=["SR-200"],
)


# One segmenter for the module: jieba's dictionary loads once, on first use.
SEGMENTER = Segmenter()


def _match(offer: Offer, refs=(HAIR_DRYER, HELMET), **kw) -> dict[str, object]:
    matcher = Matcher(list(refs), segment=SEGMENTER, **kw)
    return {r.ref_id: r for r in matcher.match(offer, keep_none=True)}


def test_chinese_title_with_brand_and_model_matches_and_says_why():
    offer = Offer("L1", "【包邮】小狐狸 儿童吹风机 LF-HD22 家用静音 正品新款", brand="小狐狸")
    result = _match(offer)["R1"]
    assert result.verdict is Verdict.MATCH
    assert "model LF-HD22 = LF-HD22" in result.reasons
    assert any(r.startswith("brand ") for r in result.reasons)
    assert 0.8 <= result.score <= 1.0


def test_full_width_and_spaced_model_is_the_same_model():
    offer = Offer("L2", "ＬｉｔｔｌｅＦｏｘ 吹风机 ＬＦ－ＨＤ２２ 恒温护发")
    result = _match(offer)["R1"]
    assert result.verdict is Verdict.MATCH
    assert "model LF-HD22 = LF-HD22" in result.reasons
    spaced = _match(Offer("L3", "LittleFox hair dryer LF HD22"))["R1"]
    assert spaced.verdict is Verdict.MATCH
    assert "model LF-HD22 = LF HD22" in spaced.reasons


def test_neighbouring_model_of_the_same_brand_is_not_a_match():
    offer = Offer("L4", "小狐狸 儿童电吹风 LF-HD23", brand="小狐狸")
    result = _match(offer).get("R1")
    assert result is not None and result.verdict is not Verdict.MATCH
    assert any("neighbouring model" in r for r in result.reasons)


def test_suffixed_variant_is_a_neighbour_too():
    result = _match(Offer("L5", "LittleFox LF-HD22S 吹风机", brand="LittleFox"))["R1"]
    assert result.verdict is not Verdict.MATCH


def test_model_string_on_another_brands_unrelated_product_is_not_a_match():
    offer = Offer("L6", "Anker 手机壳 适用 LF-HD22 防摔", brand="Anker", shop="Anker官方旗舰店")
    refs = [HAIR_DRYER, HELMET, Reference("R9", "Anker power bank", brand="Anker", models=["A1263"])]
    matcher = Matcher(refs, segment=SEGMENTER)
    result = {r.ref_id: r for r in matcher.match(offer, keep_none=True)}["R1"]
    assert result.verdict is Verdict.NONE
    assert any(r.startswith("brand Anker ≠") for r in result.reasons)


def test_brand_only_in_shop_name_counts_and_is_named():
    offer = Offer("L7", "儿童吹风机 LF-HD22 静音", shop="LittleFox母婴专营店")
    result = _match(offer)["R1"]
    assert result.verdict is Verdict.MATCH
    assert "brand 小狐狸（LittleFox） in shop name" in result.reasons


def test_barcode_only_in_specs_matches():
    offer = Offer("L8", "电吹风 家用 大功率", attributes={"商品条码": "0850012345671", "功率": "1200W"})
    result = _match(offer)["R1"]
    assert result.verdict is Verdict.MATCH
    assert "barcode 0850012345671 equal" in result.reasons


def test_a_different_barcode_is_no_match_and_a_wrong_check_digit_is_shown():
    offer = Offer("L9", "电吹风 家用", attributes={"条码": "0850012345678"})
    result = _match(offer).get("R1")
    assert result is None or result.verdict is Verdict.NONE
    wrong = Reference("R3", "电吹风", barcodes=["0850012345678"])
    same = _match(offer, refs=(wrong,))["R3"]
    assert same.verdict is Verdict.MATCH
    assert "barcode 0850012345678 (check digit wrong) equal" in same.reasons


def test_same_photo_without_brand_or_model_is_at_least_review():
    offer = Offer("L10", "吹风机 家用 冷热风", photo_hashes=[0x8F3C_1A2B_55AA_0F0F ^ 0b1011])
    result = _match(offer)["R1"]
    assert result.verdict in (Verdict.REVIEW, Verdict.MATCH)
    assert "photo distance 3/64" in result.reasons


def test_distant_photo_is_no_evidence():
    offer = Offer("L11", "吹风机", photo_hashes=[~0x8F3C_1A2B_55AA_0F0F & 0xFFFFFFFFFFFFFFFF])
    assert "R1" not in {k for k, v in _match(offer).items() if v.verdict is not Verdict.NONE}


def test_batch_and_manufacturer_are_explained():
    offer = Offer(
        "L12",
        "小狐狸吹风机 LF-HD22",
        attributes={"批号": "20240301A", "生产厂家": "深圳小狐狸电器有限公司"},
    )
    reasons = _match(offer)["R1"].reasons
    assert "batch 20240301A in listing" in reasons
    assert any(r.startswith("manufacturer ") and "1.00" in r for r in reasons)


def test_pinyin_brand_resolves_to_the_chinese_name():
    result = _match(Offer("L13", "Xiaohuli kids hair dryer LF-HD22"))["R1"]
    assert result.verdict is Verdict.MATCH
    assert "brand 小狐狸（LittleFox） in title" in result.reasons


def test_unrelated_listing_surfaces_nothing():
    assert _match(Offer("L14", "不锈钢保温杯 500ml")) == {}


@pytest.mark.parametrize("threshold, verdict", [(0.99, Verdict.REVIEW), (0.5, Verdict.MATCH)])
def test_thresholds_are_configurable(threshold, verdict):
    offer = Offer("L15", "儿童吹风机 LF-HD22")
    result = _match(offer, thresholds=Thresholds(match=threshold))["R1"]
    assert result.verdict is verdict


def test_json_output_shape():
    result = _match(Offer("L16", "小狐狸 LF-HD22 吹风机"))["R1"].to_json()
    assert set(result) == {"listing_id", "ref_id", "score", "decision", "reasons"}
    assert result["decision"] == "match"
