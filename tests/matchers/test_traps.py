"""Marketplace traps: accessories sold for a listed product, one code on two products, re-typed codes,
Traditional titles, foreign entries against Chinese listings, sizes read as models."""

from __future__ import annotations

import csv

import pytest

from matchers import Matcher, Offer, Reference, Verdict
from matchers.brands import BrandResolver
from matchers.models import canonical, extract_codes, is_quantity, neighbouring, reference_codes
from matchers.normalise import Segmenter, normalise, to_simplified
from matchers.product_types import title_type
from tests.conftest import shared_data

SEGMENTER = Segmenter()

TOOTHBRUSH = Reference("T1", product_name="飞利浦声波电动牙刷", brand="飞利浦（Philips）", models=["HX6730"])
CHILD_SEAT = Reference("S1", product_name="儿童安全座椅", brand="凯迪", models=["KD-P20"])
HEATER = Reference("H1", product_name="暖阳电暖器", brand="暖阳", models=["NY-2000"])
LUNCH_BOX = Reference("L1", product_name="儿童饭盒 分格餐盒", brand="乐扣", models=["LK-500"])


def _decide(offer: Offer, ref: Reference):
    results = Matcher([ref], segment=SEGMENTER).match(offer, keep_none=True)
    assert results, f"{offer.title}: not even a candidate of {ref.ref_id}"
    return results[0]


# --- accessories and compatible parts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "ref", "part"),
    [
        ("适用于飞利浦电动牙刷头HX6730替换刷头 4支装 软毛", TOOTHBRUSH, "刷头"),
        ("凯迪 KD-P20 安全座椅专用遮阳罩 防晒遮阳篷", CHILD_SEAT, "遮阳"),
        ("暖阳 NY-2000 取暖器遥控器 原装遥控", HEATER, "遥控器"),
        ("適用於飛利浦電動牙刷頭 HX6730 替換刷頭", TOOTHBRUSH, "刷头"),
        ("Replacement Brush Heads for Philips Sonicare HX6730, 8 Pack", TOOTHBRUSH, "brush heads"),
        ("Remote Control for NY-2000 heater", HEATER, "remote control"),
    ],
)
def test_a_part_sold_for_a_listed_product_is_not_that_product(title, ref, part):
    result = _decide(Offer("A", title, brand=ref.brand), ref)
    assert result.verdict is Verdict.NONE
    model = ref.models[0]
    accessory = [r for r in result.reasons if r.startswith(f"accessory for {model}")]
    assert accessory and part in accessory[0]


def test_a_part_listed_as_the_entry_is_a_match():
    heads = Reference("P1", product_name="电动牙刷替换刷头", brand="飞利浦（Philips）", models=["HX6064"])
    result = _decide(Offer("A", "适用于飞利浦电动牙刷头HX6064 替换刷头 4支装", brand="飞利浦"), heads)
    assert result.verdict is Verdict.MATCH
    assert not any(r.startswith("accessory") for r in result.reasons)


@pytest.mark.parametrize(
    "title",
    [
        "飞利浦电动牙刷HX6730 成人声波震动 送2支刷头",
        "Philips Sonicare HX6730 Electric Toothbrush with 2 Brush Heads and Travel Case",
    ],
)
def test_a_part_bundled_with_the_product_does_not_make_it_an_accessory(title):
    result = _decide(Offer("B", title, brand="Philips"), TOOTHBRUSH)
    assert result.verdict is Verdict.MATCH


@pytest.mark.parametrize(
    ("title", "ref"),
    [
        # Real JD titles of one shop that writes 适用于 before its own products (jd_titles).
        (
            "适用于生化培养箱低温培养箱BOD培养箱细菌微生物霉菌培养箱恒温恒湿箱霉菌培养箱MJX-50B不锈钢内胆",
            Reference("W1", product_name="霉菌培养箱", models=["MJX-50B"]),
        ),
        ("适用于HH-601/HH-501恒温水浴锅/带循环泵/内循环外循环实验室", Reference("W2", models=["HH-601"])),
        (
            "适用于宿舍学生电吹风机 LF-HD22 大功率负离子",
            Reference("W3", product_name="电吹风", models=["LF-HD22"]),
        ),
    ],
)
def test_white_label_titles_that_start_with_shiyongyu_sell_the_product_itself(title, ref):
    result = _decide(Offer("W", title), ref)
    assert result.verdict is not Verdict.NONE
    assert not any(r.startswith("accessory") for r in result.reasons)


def test_real_white_label_titles_are_mostly_not_taken_for_accessories():
    """Of the real JD titles that start with 适用于, the ones naming no part are not accessories."""
    path = shared_data("listings", "jd_titles", "jd_search_titles_shawmoden.csv")
    with path.open(encoding="utf-8") as handle:
        titles = [row["title"] for row in csv.DictReader(handle) if row["title"].startswith("适用于")]
    assert len(titles) > 50
    parts = [t for t in titles if title_type(normalise(t)).part]
    # Only titles whose head noun is a part (配件, 滤网, …) are parts; the shop's own instruments are not.
    assert len(parts) < len(titles) * 0.2
    for title in parts:
        assert title_type(normalise(title)).head.type.is_part


# --- product type must agree ---------------------------------------------------------------------


def test_another_product_of_the_brand_under_the_same_code_is_at_most_review():
    result = _decide(Offer("C", "乐扣 LK-500 儿童保温水杯 吸管杯 500ml", brand="乐扣"), LUNCH_BOX)
    assert result.verdict is Verdict.REVIEW
    assert "type 保温水杯 ≠ 饭盒" in result.reasons or any(
        r.startswith("type ") and "≠" in r for r in result.reasons
    )
    same = _decide(Offer("C2", "乐扣 LK-500 儿童饭盒 不锈钢分格", brand="乐扣"), LUNCH_BOX)
    assert same.verdict is Verdict.MATCH


def test_english_entry_type_is_compared_with_the_chinese_listing_type():
    kettle = Reference("K1", product_name="Electric kettle", brand="Supor", models=["SW-17S"])
    other = _decide(Offer("C", "苏泊尔 SW-17S 电饭煲 3L", brand="苏泊尔"), kettle)
    assert other.verdict is not Verdict.MATCH
    assert any("电饭煲 ≠ electric kettle" in r for r in other.reasons)
    same = _decide(Offer("C", "苏泊尔 SW-17S 电水壶 家用烧水壶", brand="苏泊尔"), kettle)
    assert same.verdict is Verdict.MATCH
    assert any(r.startswith("type ") and "=" in r for r in same.reasons)


# --- model codes written another way -------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["kd p20 pro", "KD-P20 Pro", "ＫＤ－Ｐ２０ ＰＲＯ", "KD-P20Pro", "kdp20pro"]
)
def test_model_codes_are_equal_across_case_hyphens_spaces_full_width_and_glued_suffixes(written):
    assert "KDP20PRO" in extract_codes(f"凯迪 {written} 儿童安全座椅")
    ref = Reference("S2", product_name="儿童安全座椅", brand="凯迪", models=["KD-P20 Pro"])
    assert _decide(Offer("M", f"凯迪 {written} 儿童安全座椅", brand="凯迪"), ref).verdict is Verdict.MATCH


@pytest.mark.parametrize("other", ["KD-P2", "KD-P200", "KD-P20S", "kdp20s", "KD-P20 Pro"])
def test_neighbouring_models_are_never_merged(other):
    codes = extract_codes(f"凯迪 {other} 儿童安全座椅")
    assert "KDP20" not in codes
    assert any(neighbouring(code, "KDP20") for code in codes)
    result = _decide(Offer("N", f"凯迪 {other} 儿童安全座椅", brand="凯迪"), CHILD_SEAT)
    assert result.verdict is not Verdict.MATCH
    assert any("≠" in r for r in result.reasons)


def test_a_regional_suffix_after_a_slash_keeps_the_model():
    assert "HX6730" in reference_codes(["HX6730/02"])
    ref = Reference("E1", product_name="Sonicare electric toothbrush", brand="Philips", models=["HX6730/02"])
    assert (
        _decide(Offer("R", "飞利浦 声波电动牙刷 hx6730 成人款", brand="飞利浦"), ref).verdict is Verdict.MATCH
    )


def test_traditional_titles_are_read_as_simplified():
    assert to_simplified("飛利浦 聲波電動牙刷") == "飞利浦 声波电动牙刷"
    assert to_simplified("KD-P20 child seat") == "KD-P20 child seat"
    result = _decide(Offer("TC", "飛利浦 聲波電動牙刷 HX6730 成人款", brand="飛利浦"), TOOTHBRUSH)
    assert result.verdict is Verdict.MATCH
    assert any(r.startswith("brand ") and "≠" not in r for r in result.reasons)


# --- sizes, weights, ages, capacities are not models ---------------------------------------------


@pytest.mark.parametrize("token", ["0-13kg", "40-85cm", "2.2-54kg", "0-36m", "20000mAh", "15-36kg", "40-150"])
def test_quantities_and_their_ranges_are_not_model_codes(token):
    assert is_quantity(token)
    assert canonical(token) not in extract_codes(f"儿童安全座椅 {token} ISOFIX R44/04")


def test_a_size_range_does_not_fight_an_equal_barcode():
    ref = Reference(
        "B1", product_name="儿童安全座椅", brand="凯迪", models=["KD-P20"], barcodes=["6923456789012"]
    )
    offer = Offer("SZ", "儿童安全座椅 9-36kg 3-12岁 ISOFIX R44/04", brand="凯迪", barcodes=["6923456789012"])
    result = _decide(offer, ref)
    assert result.verdict is Verdict.MATCH
    assert not any("≠" in r for r in result.reasons)


# --- foreign entries against Chinese listings ----------------------------------------------------


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Philips", "飞利浦"),
        ("Braun", "博朗"),
        ("Xiaomi", "小米"),
        ("IKEA", "宜家"),
        ("Joie", "巧儿宜"),
        ("Maxi-Cosi", "迈可适"),
        ("Philips Avent", "新安怡"),
        ("Fisher-Price", "费雪"),
        ("Midea", "美的"),
    ],
)
def test_well_known_brands_resolve_across_languages(english, chinese):
    brands = BrandResolver()
    brands.add_known()
    assert brands.resolve(chinese) == brands.resolve(english) is not None


def test_an_everyday_word_brand_is_not_found_inside_other_words():
    brands = BrandResolver()
    brands.add_known()
    assert brands.find_in_text("完美的礼物 儿童水杯") == set()
    assert "Midea" in brands.find_in_text("美的 取暖器 家用")
    assert brands.find_in_text("micro usb cable") == set()


def test_brand_attribute_and_short_model_field_identify_a_foreign_entry():
    pebble = Reference("EU1", product_name="Infant car seat", brand="Maxi-Cosi", models=["Pebble"])
    offer = Offer("X", "安全座椅 0-13kg 婴儿提篮 汽车用", attributes={"品牌": "迈可适", "型号": "Pebble"})
    result = _decide(offer, pebble)
    assert result.verdict is Verdict.MATCH
    assert "model Pebble = Pebble" in result.reasons


def test_a_letters_only_code_as_the_entry_publishes_it_counts():
    stool = Reference("EU2", product_name="Children's stool", brand="IKEA", models=["MAMMUT"])
    result = _decide(Offer("X", "宜家 儿童凳子 MAMMUT 玛莫特 室内外用"), stool)
    assert result.verdict is Verdict.MATCH
    assert any(r.startswith("model MAMMUT = MAMMUT") for r in result.reasons)


def test_brand_and_type_alone_surface_for_review():
    rocker = Reference("EU3", product_name="Infant rocker", brand="Fisher-Price")
    assert _decide(Offer("X", "费雪 婴儿摇椅 安抚椅 新生儿", brand="费雪"), rocker).verdict is Verdict.REVIEW
    other = _decide(Offer("Y", "费雪 婴儿健身架 脚踏钢琴 0-36个月", brand="费雪"), rocker)
    assert other.verdict is Verdict.NONE


def _safety_gate(barcode: str) -> Reference:
    path = shared_data("recalls", "eu_safety_gate", "safety_gate_notifications_latest2000.csv")
    with path.open(encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["barcode"].strip() == barcode)
    return Reference(
        ref_id=row["caseNumber"] or row["reference"],
        product_name=row["name"] or row["product"],
        brand=row["brand"] or None,
        models=[m.strip() for m in row["type_numberOfModel"].split(",") if m.strip()],
        barcodes=[row["barcode"].strip()],
    )


def test_real_safety_gate_child_seat_against_a_chinese_listing_with_sizes():
    joie = _safety_gate("5056080611112")  # JOIE signature I-Level, children's car seat
    offer = Offer("J", "JOIE 巧儿宜 signature i-Level 婴儿提篮 40-85cm 0-13kg", barcodes=["5056080611112"])
    result = _decide(offer, joie)
    assert result.verdict is Verdict.MATCH
    assert not any("≠" in r for r in result.reasons)


def test_real_safety_gate_car_seat_base_is_a_part_that_matches_a_base():
    base = _safety_gate("8712930022312")  # MAXI COSI FamilyFix base
    listing = Offer("B", "迈可适 FamilyFix 安全座椅底座 ISOFIX底座 8065057110")
    assert _decide(listing, base).verdict is Verdict.MATCH
    cover = Offer("C", "适用于迈可适 FamilyFix 底座 防尘罩 收纳袋")
    assert _decide(cover, base).verdict is Verdict.NONE


def test_a_car_seat_cover_is_a_product_of_its_own_and_an_accessory_for_a_child_seat():
    cushion = Reference(
        "CI", product_name="汽车坐垫 驰安", brand="驰安", models=["CA-ZD918"], category="car_interior"
    )
    offer = Offer(
        "C1", "Upgraded 驰安 Universal Fit Breathable Full Set Car Seat Cover CA-ZD918", brand="驰安"
    )
    assert _decide(offer, cushion).verdict is Verdict.MATCH
    seat = Reference("JS", product_name="Children's car seat", brand="Joie", models=["i-Spin 360"])
    result = _decide(Offer("C2", "Seat Cover for Joie i-Spin 360 car seat"), seat)
    assert result.verdict is Verdict.NONE
    assert any(r.startswith("accessory for i-Spin 360") for r in result.reasons)


def test_a_brand_named_only_as_what_a_product_is_for_is_not_its_brand():
    jacket = Reference("ZY", product_name="皮革夹克", brand="卓羽", models=["ZY-PY2023"])
    copy = _decide(Offer("W1", "适用于卓羽 ZY-PY2023 新款 真皮 机车 皮革夹克 绵羊皮 XXL"), jacket)
    assert copy.verdict is Verdict.REVIEW
    assert "brand 卓羽 named as what the listing is for" in copy.reasons
    own = _decide(Offer("W2", "卓羽 ZY-PY2023 真皮 机车 皮革夹克", brand="卓羽"), jacket)
    assert own.verdict is Verdict.MATCH
