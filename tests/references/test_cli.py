"""``surveil references``: the dry-run JSON of every format, import, list, show and diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from tests.conftest import shared_data

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"


def run(*args: str, db: str | None = None) -> tuple[int, str]:
    runner = CliRunner()
    prefix = ["--database-url", db] if db else []
    result = runner.invoke(app, [*prefix, "references", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.mark.parametrize(
    ("parts", "fmt", "ref_id", "expected"),
    [
        (
            ("recalls", "eu_safety_gate", "raw_weekly_xml", "report_10000319.xml"),
            "eu_safety_gate_xml",
            "SR/02275/26",
            {
                "brand": "Fiestas Guirca SL",
                "models": ["18799"],
                "barcodes": ["8434077187999"],
                "published_on": "2026-08-21",
            },
        ),
        (
            ("recalls", "eu_safety_gate", "safety_gate_notifications_online_trader.csv"),
            "eu_safety_gate_csv",
            None,
            {"list_type": "recall", "source": "eu-safety-gate"},
        ),
        (
            ("recalls", "health_canada", "HCRSAMOpenData_other_orgs_sample.json"),
            "health_canada_json",
            None,
            {"list_type": "recall", "source": "health-canada"},
        ),
        (
            ("recalls", "oecd_globalrecalls", "raw_rss", "rss_2026-08-22.xml"),
            "oecd_rss",
            None,
            {"source": "oecd"},
        ),
        (
            ("recalls", "korea_kats", "kr_recalls_canonical.jsonl"),
            "kr_kats_jsonl",
            "KR:10019385",
            {
                "models": ["T2908", "T2320"],
                "manufacturer": "앤커이노베이션코리아(주)",
                "published_on": "2023-08-22",
            },
        ),
        (
            ("recalls", "cpsc", "cpsc_recalls_2013_search_usa_gov_api.jsonl"),
            "cpsc_search_jsonl",
            "14014",
            {"manufacturer": "Ryobi", "hazard": "Fire & Fire-Related Burn", "published_on": "2013-11-05"},
        ),
        (
            ("recalls", "cpsc", "cpsc_recalls_curated_tinysafe_latest2000.jsonl"),
            "cpsc_curated_jsonl",
            "26-713",
            {
                "brand": "Shenzhen Jinhe Trade Co.",
                "category_text": "Button batteries",
                "published_on": "2026-08-20",
            },
        ),
        (
            ("recalls", "oecd_globalrecalls", "recalls_global_sample2000.jsonl"),
            "oecd_jsonl",
            "http://PoliciesApplications.oecd.org/GlobalRecalls/Recall/EN/US/07539",
            {"product_name": '"Quacker Factory" Chenille Robes', "published_on": "2007-03-27"},
        ),
        (
            ("spotcheck", "sample_national_notice.xlsx"),
            "spotcheck_xlsx",
            None,
            {"list_type": "noncompliant", "source": "spotcheck-sample_national_notice"},
        ),
    ],
)
def test_dry_run_json_of_real_files(
    parts: tuple[str, ...], fmt: str, ref_id: str | None, expected: dict[str, object], tmp_path: Path
) -> None:
    path = shared_data(*parts)
    db = tmp_path / "never.db"
    code, out = run("import", str(path), "--dry-run", "--json", db=f"sqlite:///{db}")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"records", "errors"}
    assert data["format"] == fmt
    assert all(e["severity"] == "warning" for e in data["errors"])
    records = data["records"]
    assert records
    record = next(r for r in records if r["ref_id"] == ref_id) if ref_id else records[0]
    for key, value in expected.items():
        assert record[key] == value, key
    assert record["raw"], "the original record is in the output"
    assert not db.exists(), "a dry run stores nothing"


def test_dry_run_json_of_fixtures_field_by_field() -> None:
    code, out = run("import", str(FIXTURES / "cpsc_saferproducts_api.json"), "--dry-run", "--json")
    assert code == 0
    data = json.loads(out)
    heater = data["records"][0]
    assert heater["ref_id"] == "26101"
    assert heater["models"] == ["BN-H150", "BN-H151", "BN-H152"]
    assert heater["barcodes"] == ["850012345671"] and heater["invalid_barcodes"] == ["850012345670"]
    assert heater["category"] == "space_heater"
    assert heater["published_on"] == "2026-03-12"
    assert data["errors"] == [
        {
            "file": "cpsc_saferproducts_api.json",
            "location": "record 1 (RecallNumber 26101)",
            "field": "barcode",
            "reason": "kept as invalid (not a GTIN with a valid check digit): 850012345670",
            "severity": "warning",
        }
    ]
    code, out = run("import", str(FIXTURES / "spotcheck_provincial_gbk.csv"), "--dry-run", "--json")
    rows = json.loads(out)["records"]
    assert [r["product_name"] for r in rows] == ["电吹风", "移动电源", "儿童滑板车", "电水壶"]
    assert rows[2]["batches"] == ["20240105"] and rows[2]["list_type"] == "noncompliant"


def test_unknown_format_dry_run_reports_and_fails(tmp_path: Path) -> None:
    odd = tmp_path / "odd.txt"
    odd.write_text("just some words\n", encoding="utf-8")
    code, out = run("import", str(odd), "--dry-run", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["records"] == []
    assert data["errors"][0]["location"] == "file" and "expected one of" in data["errors"][0]["reason"]


def test_import_list_show_diff(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'surveil.db'}"
    code, out = run("import", str(FIXTURES / "licence_registry.csv"), "--json", db=db)
    assert code == 0
    report = json.loads(out)
    assert report["stored"] is True and report["version"] == 1 and report["list"] == "licence-registry"
    code, out = run("import", str(FIXTURES / "licence_registry.csv"), "--json", db=db)
    assert json.loads(out)["stored"] is False
    changed = tmp_path / "licence_registry.csv"
    text = (FIXTURES / "licence_registry.csv").read_text(encoding="utf-8")
    changed.write_text(text.replace("suspended,", "cancelled,2024-06-30"), encoding="utf-8")
    code, out = run("import", str(changed), db=db)
    assert code == 0 and "version 2" in out and "~ XK-003" in out
    code, out = run("list", "--json", db=db)
    (listed,) = json.loads(out)
    assert listed["code"] == "licence-registry" and listed["versions"] == 2
    assert listed["latest"]["diff_counts"] == {"added": 0, "removed": 0, "changed": 1, "unchanged": 2}
    code, out = run("show", "licence-registry", "--json", db=db)
    shown = json.loads(out)
    assert shown["version"] == 2 and shown["entry_count"] == 3
    xk3 = next(e for e in shown["entries"] if e["ref_key"] == "XK-003")
    assert xk3["extra"]["status"] == "cancelled" and xk3["extra"]["cancelled_on"] == "2024-06-30"
    code, out = run("show", "licence-registry", "--version", "1", "--json", db=db)
    assert (
        next(e for e in json.loads(out)["entries"] if e["ref_key"] == "XK-003")["extra"]["status"]
        == "suspended"
    )
    code, out = run("diff", "licence-registry", "--json", db=db)
    diff = json.loads(out)
    assert (diff["from"], diff["to"], diff["changed"], diff["added"], diff["removed"]) == (
        1,
        2,
        ["XK-003"],
        [],
        [],
    )
    code, out = run("diff", "licence-registry", "--from", "1", "--to", "1", "--json", db=db)
    assert json.loads(out)["counts"]["unchanged"] == 3
    code, _ = run("show", "nope", db=db)
    assert code == 1


def test_refused_import_stores_nothing(tmp_path: Path) -> None:
    db_path = tmp_path / "surveil.db"
    bad = tmp_path / "bad.csv"
    bad.write_text("ref_id,list_type,product_name\nA1,recall,Kettle\nA2,someday,Lamp\n", encoding="utf-8")
    code, out = run("import", str(bad), "--json", db=f"sqlite:///{db_path}")
    assert code == 1
    data = json.loads(out)
    assert data["stored"] is False
    assert data["errors"][0]["location"] == "row 3" and data["errors"][0]["field"] == "list_type"
    code, out = run("list", "--json", db=f"sqlite:///{db_path}")
    assert json.loads(out) == []
