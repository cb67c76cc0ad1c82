"""The hand-made lists: the CPSC API shape, provincial spot-check layouts, the generic layout and its
licence, allow-list and blacklist uses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crawler.references import read_records
from crawler.storage.models import ListType

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"


def test_cpsc_saferproducts_api_shape() -> None:
    result = read_records(FIXTURES / "cpsc_saferproducts_api.json")
    assert result.format == "cpsc_api_json" and result.source == "cpsc"
    assert result.errors == []
    heater, helmet = result.records
    assert heater.ref_id == "26101"
    assert heater.product_name == "Brightnest Portable Space Heaters"
    assert heater.models == ["BN-H150", "BN-H151", "BN-H152"]
    assert heater.barcodes == ["850012345671"]
    assert heater.invalid_barcodes == ["850012345670"]
    assert heater.manufacturer == "Ningbo Brightnest Electric Appliance Co., Ltd."
    assert heater.category == "space_heater" and heater.category_text == "Heaters"
    assert heater.hazard == "The heaters can overheat, posing fire and burn hazards."
    assert heater.published_on == date(2026, 3, 12)
    assert heater.photos == [
        "https://www.cpsc.gov/s3fs-public/brightnest-heater-front.jpg",
        "https://www.cpsc.gov/s3fs-public/brightnest-heater-label.jpg",
    ]
    assert heater.extra["retailers"] == ["Amazon.com", "Walmart.com"]
    assert heater.extra["importers"] == ["Brightnest Home LLC, of Dover, Delaware"]
    assert heater.extra["manufacturer_countries"] == ["China"]
    assert heater.extra["units"] == ["About 41,000"]
    assert heater.extra["remedies"] == ["Refund"]
    assert heater.raw["RecallID"] == 9801
    warning = result.warnings[0]
    assert (warning.file, warning.location, warning.field) == (
        "cpsc_saferproducts_api.json",
        "record 1 (RecallNumber 26101)",
        "barcode",
    )
    assert helmet.models == ["HK-20", "HK-21", "HK-22", "HK-23"]
    assert helmet.category == "helmet"
    assert helmet.extra["distributors"] == ["Hoppi USA"]


def test_provincial_gbk_csv_with_title_rows_and_footnote() -> None:
    result = read_records(FIXTURES / "spotcheck_provincial_gbk.csv")
    assert result.format == "spotcheck_csv"
    assert result.problems == []
    assert result.source == "spotcheck-spotcheck_provincial_gbk"
    dryer, bank, scooter, kettle = result.records
    assert {r.list_type for r in result.records} == {ListType.NONCOMPLIANT}
    assert dryer.product_name == "电吹风" and dryer.category == "hair_dryer"
    assert dryer.brand == "风之语"
    assert dryer.models == ["FY-2200", "FY-2201"]
    assert dryer.production_dates == ["2024-03"]
    assert dryer.manufacturer == "慈溪市风之语电器有限公司"
    assert dryer.extra["sampled_from"] == "杭州优选电器商行"
    assert dryer.hazard == "输入功率和电流、发热"
    assert dryer.extra["lab"] == "浙江方圆检测集团股份有限公司"
    assert dryer.published_on == date(2024, 6, 18)
    assert bank.brand is None and bank.category == "power_bank"
    assert bank.production_dates == ["2024-02-15"] and bank.extra["notes"] == "网售"
    assert scooter.models == ["LT-S3", "LT-S4", "LT-S5"]
    assert scooter.batches == ["20240105"] and scooter.production_dates == []
    assert "sampled_from" not in scooter.extra
    assert kettle.production_dates == [] and kettle.batches == []


def test_provincial_online_xlsx_merged_cells_verdicts() -> None:
    result = read_records(FIXTURES / "spotcheck_provincial_online.xlsx")
    assert result.format == "spotcheck_xlsx"
    assert result.errors == []
    assert [w.location for w in result.warnings] == ["row 5"]
    assert "passed sample" in result.warnings[0].reason
    seat, stroller, glasses = result.records
    assert seat.models == ["ATB-01", "ATB-02"]
    assert seat.production_dates == ["2024-01-20"] and seat.batches == ["ATB240120"]
    assert seat.hazard == "动态试验、产品标识"
    assert seat.extra["platform"] == "京东"
    assert stroller.manufacturer == "东莞安途宝儿童用品有限公司"  # from the merged cell above
    assert stroller.batches == [] and stroller.production_dates == ["2024-02"]
    assert stroller.category == "baby_stroller"
    assert glasses.models == ["QK-3001", "QK-3002", "QK-3003"]
    assert glasses.production_dates == ["2023-12"] and glasses.category == "sunglasses"


def test_generic_csv_with_images() -> None:
    result = read_records(FIXTURES / "generic_recalls.csv")
    assert result.format == "generic_csv" and result.source == "bureau-recalls"
    assert result.errors == []
    kettle, bear, helmet = result.records
    assert kettle.models == ["MF-1718", "MF-1719"] and kettle.batches == ["B2403", "B2404"]
    assert kettle.barcodes == ["6901234567892"]
    assert kettle.category == "electric_kettle"
    assert kettle.photos == [
        str((FIXTURES / "images" / "kettle_front.png").resolve()),
        str((FIXTURES / "images" / "kettle_label.png").resolve()),
    ]
    assert kettle.published_on == date(2024, 5, 6)
    assert bear.models == ["CB-10", "CB-11", "CB-12"] and bear.invalid_barcodes == ["6923450657710"]
    assert bear.category == "toys" and bear.published_on == date(2024, 5, 6)
    assert bear.photos == ["https://example.org/bear.jpg"]
    assert helmet.brand is None and helmet.models == [] and helmet.category == "helmet"
    assert helmet.published_on == date(2024, 5, 7)
    reasons = {(w.location, w.field): w.reason for w in result.warnings}
    assert "not found" in reasons[("row 4", "image_paths")] or "outside" in reasons[("row 4", "image_paths")]
    assert not any("outside.png" in p for p in helmet.photos)


def test_licence_registry_allow_list_and_blacklist() -> None:
    licences = read_records(FIXTURES / "licence_registry.csv")
    assert licences.errors == [] and licences.source == "licence-registry"
    cancelled = next(r for r in licences.records if r.ref_id == "XK-002")
    assert cancelled.list_type is ListType.LICENCE
    assert cancelled.extra["licence_no"] == "(津)XK16-002-00456"
    assert cancelled.extra["status"] == "cancelled"
    assert cancelled.extra["cancelled_on"] == "2024-03-31"
    assert cancelled.extra["holder"] == "天津骏驰车业有限公司"
    assert cancelled.category == "electric_bicycle"
    allowed = read_records(FIXTURES / "licensed_products.csv")
    assert allowed.errors == [] and {r.list_type for r in allowed.records} == {ListType.LICENSED}
    assert allowed.records[0].barcodes == ["6952300011115"]
    assert allowed.records[1].models == ["BX-Safe 9", "BX-Safe 10"]
    blacklist = read_records(FIXTURES / "company_blacklist.csv")
    assert blacklist.errors == [] and blacklist.source == "bureau-blacklist"
    first = blacklist.records[0]
    assert first.list_type is ListType.BLACKLIST and first.manufacturer == "义乌彩虹文具厂"
    assert first.extra["reason_detail"] == "连续三批次可迁移元素超标"


def test_unknown_format_is_refused_with_what_was_expected(tmp_path: Path) -> None:
    odd = tmp_path / "notes.csv"
    odd.write_text("colour,size\nred,1\n", encoding="utf-8")
    result = read_records(odd)
    assert result.records == [] and result.format == ""
    (problem,) = result.problems
    assert problem.file == "notes.csv" and problem.location == "file"
    assert "unknown format" in problem.reason and "generic_csv" in problem.reason
    assert "eu_safety_gate_xml" in problem.reason
    xml = tmp_path / "feed.xml"
    xml.write_text("<catalog><item/></catalog>", encoding="utf-8")
    assert "root element <catalog>" in read_records(xml).problems[0].reason


def test_generic_row_problems_name_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "ref_id,list_type,product_name,published_on\nA1,recall,Kettle,2024-01-01\nA2,wanted,Heater,2024-01-02\n"
        ",recall,Nameless,2024-01-03\nA4,,Lamp,2024-01-04\n",
        encoding="utf-8",
    )
    result = read_records(path)
    assert [r.ref_id for r in result.records] == ["A1"]
    found = {(p.location, p.field) for p in result.errors}
    assert found == {("row 3", "list_type"), ("row 4", "ref_id"), ("row 5", "list_type")}
    with_default = read_records(path, list_type="risk")
    assert [r.ref_id for r in with_default.records] == ["A1", "A4"]
    assert next(r for r in with_default.records if r.ref_id == "A4").list_type is ListType.RISK
