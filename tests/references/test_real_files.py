"""Every real list in shared/data reads with no errors, and the normalised fields are the ones in the files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.references import ReferenceRecord, read_records
from crawler.references.categorise import CategoryMapper
from crawler.references.result import ImportResult
from crawler.storage.models import ListType
from tests.conftest import shared_data

REAL_FILES = [
    ("recalls/eu_safety_gate/raw_weekly_xml/report_100.xml", "eu_safety_gate_xml", 22),
    ("recalls/eu_safety_gate/raw_weekly_xml/report_10000012.xml", "eu_safety_gate_xml", 26),
    ("recalls/eu_safety_gate/raw_weekly_xml/report_10000316.xml", "eu_safety_gate_xml", 41),
    ("recalls/eu_safety_gate/raw_weekly_xml/report_10000317.xml", "eu_safety_gate_xml", 60),
    ("recalls/eu_safety_gate/raw_weekly_xml/report_10000318.xml", "eu_safety_gate_xml", 80),
    ("recalls/eu_safety_gate/raw_weekly_xml/report_10000319.xml", "eu_safety_gate_xml", 64),
    ("recalls/eu_safety_gate/safety_gate_notifications_latest2000.csv", "eu_safety_gate_csv", 2000),
    ("recalls/eu_safety_gate/safety_gate_notifications_online_trader.csv", "eu_safety_gate_csv", 310),
    ("recalls/health_canada/HCRSAMOpenData_consumer_products_latest2000.json", "health_canada_json", 2000),
    ("recalls/health_canada/HCRSAMOpenData_other_orgs_sample.json", "health_canada_json", 200),
    ("recalls/cpsc/cpsc_recalls_curated_tinysafe_latest2000.jsonl", "cpsc_curated_jsonl", 2000),
    ("recalls/cpsc/cpsc_recalls_2013_search_usa_gov_api.jsonl", "cpsc_search_jsonl", 3153),
    ("recalls/oecd_globalrecalls/raw_rss/rss_2026-08-21.xml", "oecd_rss", 58),
    ("recalls/oecd_globalrecalls/raw_rss/rss_2026-08-22.xml", "oecd_rss", 46),
    ("recalls/oecd_globalrecalls/recalls_global_sample2000.jsonl", "oecd_jsonl", 2000),
    ("recalls/korea_kats/kr_recalls_canonical.jsonl", "kr_kats_jsonl", 766),
    ("spotcheck/sample_national_notice_utf8bom.csv", "spotcheck_csv", 8),
    ("spotcheck/sample_national_notice.xlsx", "spotcheck_xlsx", 8),
]
EXPLAINED_WARNING = "kept as invalid (not a GTIN with a valid check digit)"


_cache: dict[str, ImportResult] = {}


def read(relative: str) -> ImportResult:
    path = shared_data(*relative.split("/"))
    if relative not in _cache:
        from crawler.references.reader import read_records as read_with

        _cache[relative] = read_with(path, categories=_mapper())
    return _cache[relative]


_mapper_cache: list[CategoryMapper] = []


def _mapper() -> CategoryMapper:
    if not _mapper_cache:
        _mapper_cache.append(CategoryMapper.shipped())
    return _mapper_cache[0]


def by_id(result: ImportResult, ref_id: str) -> ReferenceRecord:
    return next(r for r in result.records if r.ref_id == ref_id)


@pytest.mark.parametrize(("relative", "fmt", "count"), REAL_FILES, ids=[Path(f[0]).name for f in REAL_FILES])
def test_every_real_file_reads_without_unexplained_problems(relative: str, fmt: str, count: int) -> None:
    result = read(relative)
    assert result.format == fmt
    assert result.errors == [], [str(p) for p in result.errors[:5]]
    assert len(result.records) == count
    unexplained = [p for p in result.warnings if not (p.field == "barcode" and EXPLAINED_WARNING in p.reason)]
    assert unexplained == [], [str(p) for p in unexplained[:5]]
    assert len({r.ref_id for r in result.records}) == count
    for record in result.records:
        assert record.raw, "the original record is kept"
        assert all(len(code) in (8, 12, 13, 14) and code.isdigit() for code in record.barcodes)


def test_eu_weekly_xml_new_layout() -> None:
    result = read("recalls/eu_safety_gate/raw_weekly_xml/report_10000319.xml")
    first = by_id(result, "SR/02275/26")
    assert first.list_type is ListType.RECALL
    assert first.source == "eu-safety-gate"
    assert first.product_name == "CORBATA CON LENTEJUELAS"
    assert first.brand == "Fiestas Guirca SL"
    assert first.models == ["18799"]
    assert first.barcodes == ["8434077187999"]
    assert first.hazard == "Strangulation"
    assert first.category_text == "Clothing, textiles and fashion items"
    assert first.extra["product_type"] == "Fancy-dress accessory"
    assert first.extra["country_of_origin"] == "People's Republic of China"
    assert first.source_url == "https://ec.europa.eu/safety-gate-alerts/screen/webReport/alertDetail/10099172"
    assert first.photos[0] == "https://ec.europa.eu/safety-gate-alerts/public/api/notification/image/11009520"
    assert len(first.photos) == 6
    assert first.published_on == date(2026, 8, 21)
    assert first.raw["caseNumber"] == "SR/02275/26"
    necklace = by_id(result, "SR/02306/26")
    assert necklace.batches == ["079-0901"] and necklace.brand is None
    assert necklace.extra["online_trader"] == "Other(Shein) /"


def test_eu_weekly_xml_2005_layout() -> None:
    result = read("recalls/eu_safety_gate/raw_weekly_xml/report_100.xml")
    guns = by_id(result, "0044/05")
    assert guns.published_on == date(2005, 2, 4)
    assert guns.product_name == "" and guns.models == [] and guns.barcodes == []
    assert guns.hazard == "Injuries"
    assert guns.category_text == "Hobby/sports equipment"
    assert "CYMA P799A" in guns.extra["description"]
    assert len(guns.photos) == 4


def test_eu_csv_flattening() -> None:
    result = read("recalls/eu_safety_gate/safety_gate_notifications_latest2000.csv")
    plush = by_id(result, "SR/02319/26")
    assert plush.product_name == "Collectible Plush Ornament"
    assert plush.brand == "Hello Kitty"
    assert plush.category == "toys"
    assert plush.hazard == "Choking"
    assert plush.barcodes == []
    assert plush.invalid_barcodes == ["39000040910691142195736869727855474976972785547572"]
    assert len(plush.photos) == 10
    assert plush.published_on == date(2026, 8, 21)
    assert plush.extra["recall_url"].startswith("https://www.ages.at/")
    cartridges = by_id(result, "SR/01096/26")
    assert cartridges.barcodes == ["6976422044028", "6976422043939"]
    assert cartridges.models == ["APPLE PEACH", "KIWI PASSION FRUIT GUAVA"]
    assert cartridges.published_on == date(2026, 4, 17)
    dress = by_id(result, "SR/02101/26")
    assert dress.models == ["438200", "438202", "438394", "438395"]
    assert dress.category == "children_clothing"
    car = by_id(result, "SR/00584/26")
    assert car.production_dates == ["2020-05-28/2024-10-04"]
    assert car.extra["company_recall_code"] == "0012660600"
    location = next(p for p in result.warnings if "SR/02319/26" in str(p.location) or p.location == "row 2")
    assert location.file == "safety_gate_notifications_latest2000.csv" and location.location == "row 2"


def test_health_canada() -> None:
    result = read("recalls/health_canada/HCRSAMOpenData_consumer_products_latest2000.json")
    carrier = by_id(result, "82495")
    assert carrier.product_name == "MEC Shuttlecraft Kid Carrier"
    assert carrier.hazard == "Fall hazard"
    assert carrier.category_text == "Other"
    assert carrier.published_on == date(2026, 8, 20)
    assert carrier.source == "health-canada"
    assert carrier.source_url.endswith("mec-shuttlecraft-kid-carrier-recalled-due-potential-fall-hazard")
    assert carrier.extra["organization"] == "Consumer product safety"
    assert "&nbsp;" not in carrier.extra["what_to_do"]
    assert carrier.raw["NID"] == "82495"
    other = read("recalls/health_canada/HCRSAMOpenData_other_orgs_sample.json")
    assert {r.extra["organization"] for r in other.records} >= {"CFIA", "TC", "Medical devices"}


def test_cpsc_curated_and_2013_search_api() -> None:
    curated = read("recalls/cpsc/cpsc_recalls_curated_tinysafe_latest2000.jsonl")
    lights = by_id(curated, "26-713")
    assert lights.brand == "Shenzhen Jinhe Trade Co."
    assert lights.published_on == date(2026, 8, 20)
    assert lights.category_text == "Button batteries"
    assert lights.hazard.startswith("The LED Tea Lights violate the mandatory safety standard")
    assert lights.extra["brands"] == ["Shenzhen Jinhe Trade Co", "Mystic Zo"]
    robes = by_id(curated, "10-220")
    assert robes.extra["sold_at"].startswith("Roberta Roller Rabbit retail stores")
    assert robes.published_on == date(2010, 5, 4)
    old = read("recalls/cpsc/cpsc_recalls_2013_search_usa_gov_api.jsonl")
    chargers = by_id(old, "14014")
    assert chargers.manufacturer == "Ryobi"
    assert chargers.hazard == "Fire & Fire-Related Burn"
    assert chargers.published_on == date(2013, 11, 5)
    assert chargers.category_text == "Adapter/Power Supply/Charger/Battery"
    assert chargers.extra["countries"] == ["China"]
    assert by_id(old, "89059").published_on is None
    with_upc = [r for r in old.records if r.raw.get("upcs") == ["0-84358-04482-4"]]
    assert with_upc and with_upc[0].barcodes == ["084358044824"]


def test_oecd_rss_and_jsonl() -> None:
    rss = read("recalls/oecd_globalrecalls/raw_rss/rss_2026-08-21.xml")
    lights = by_id(rss, "http://PoliciesApplications.oecd.org/GlobalRecalls/Recall/EN/US/26713")
    assert lights.product_name == "JINHEZO Mini Waterproof LED Tea Lights"
    assert lights.published_on == date(2026, 8, 20)
    assert lights.extra["country_name"] == "United States"
    assert lights.extra["country"] == "US" and lights.extra["native_id"] == "26713"
    assert lights.source == "oecd"
    parsed = read("recalls/oecd_globalrecalls/recalls_global_sample2000.jsonl")
    robes = by_id(parsed, "http://PoliciesApplications.oecd.org/GlobalRecalls/Recall/EN/US/07539")
    assert robes.product_name == '"Quacker Factory" Chenille Robes'
    assert robes.published_on == date(2007, 3, 27)
    assert (
        robes.source_url
        == "https://www.cpsc.gov/Recalls/2007/QVC-Inc-Recalls-Quacker-Factory-Robes-for-Burn-Hazard"
    )
    assert robes.photos == ["http://PoliciesApplications.oecd.org/GlobalRecalls/Recall/EN/US/07539/07539.jpg"]
    assert robes.extra["made_in"] == ["CN"]
    assert "P48:clothes" in robes.extra["tags"]


def test_korea_kats() -> None:
    result = read("recalls/korea_kats/kr_recalls_canonical.jsonl")
    eufy = by_id(result, "KR:10019385")
    assert eufy.product_name == "Eufy Clean"
    assert eufy.models == ["T2908", "T2320"]
    assert eufy.manufacturer == "앤커이노베이션코리아(주)"
    assert eufy.published_on == date(2023, 8, 22)
    assert eufy.extra["enforcement"] == "voluntary"
    assert eufy.extra["sold_online"] is False
    mirror = by_id(result, "KR:10019389")
    assert mirror.models == ["10435304", "60435306", "60435311", "70435301", "70435315"]
    online = [r for r in result.records if r.extra["sold_online"]]
    assert online and all(not m.startswith("(온라인)") for r in online for m in r.models)


def test_national_spotcheck_csv_and_xlsx_agree() -> None:
    csv_result = read("spotcheck/sample_national_notice_utf8bom.csv")
    xlsx_result = read("spotcheck/sample_national_notice.xlsx")
    assert [r.ref_id for r in csv_result.records] == [r.ref_id for r in xlsx_result.records]
    rows = {r.extra["sequence"]: r for r in xlsx_result.records}
    first = rows["1"]
    assert first.list_type is ListType.NONCOMPLIANT
    assert first.product_name == "儿童服装" and first.category == "children_clothing"
    assert first.manufacturer == "杭州小树苗服饰有限公司"
    assert first.brand == "小树苗" and first.models == ["XSM-1102"]
    assert first.production_dates == ["2024-03-02"] and first.batches == []
    assert first.hazard == "绳带要求、纤维含量"
    assert first.extra["failed_items"] == ["绳带要求", "纤维含量"]
    assert first.extra["location"] == "浙江"
    assert first.extra["lab"] == "国家纺织品质量监督检验中心"
    assert first.source == "spotcheck-sample_national_notice"
    assert rows["2"].production_dates == ["2024-02-11"]
    assert rows["3"].production_dates == ["2024-01"] and rows["3"].category == "towel"
    assert (
        rows["4"].production_dates == [] and rows["4"].batches == [] and rows["4"].category == "shower_head"
    )
    assert rows["6"].production_dates == ["2024-05"] and rows["6"].category == "electric_bicycle"
    assert rows["7"].batches == ["BX2402"] and rows["7"].models == ["BX-Safe 9"]
    assert rows["8"].production_dates == ["2024-01-15"] and rows["8"].hazard == "可迁移元素（铅）"
    assert rows["8"].category == "children_stationery"
    assert "附件2" in rows["8"].extra["notice"]


def test_read_records_contract_signature() -> None:
    path = shared_data("spotcheck", "sample_national_notice_utf8bom.csv")
    result = read_records(path, list_type="risk", fmt="spotcheck_csv", source="bureau-spotchecks")
    assert result.format == "spotcheck_csv"
    assert result.source == "bureau-spotchecks"
    assert {r.list_type for r in result.records} == {ListType.RISK}
    assert {r.source for r in result.records} == {"bureau-spotchecks"}
