from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.catalogue.schema import (
    CatalogueError,
    dump_categories,
    load_categories,
    load_platforms,
    parse_categories,
)

REQUIRED = {
    "children_clothing",
    "school_uniform",
    "towel",
    "shower_head",
    "knitted_tshirt",
    "mask",
    "swimwear",
    "child_safety_seat",
    "children_stationery",
    "leather_shoes",
    "children_furniture",
    "furniture",
    "interior_coating",
    "sunglasses",
    "cool_mat",
    "electric_bicycle",
    "ebike_charger",
    "power_bank",
    "space_heater",
    "hair_dryer",
    "toys",
    "helmet",
}


def surveil(*args: str, cwd: Path, env_db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", "--database-url", env_db, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_shipped_catalogue_covers_the_monitored_categories():
    catalogue = load_categories()
    codes = {c.code for c in catalogue.categories}
    assert len(codes) >= 25
    assert codes >= REQUIRED
    for spec in catalogue.categories:
        assert spec.name_zh and spec.name_en and spec.risk_factors and spec.test_items
        assert spec.search_terms["zh"] and spec.search_terms["en"]
    platforms = {p.code: p for p in load_platforms()}
    assert set(platforms) == {"jd", "taobao", "pdd", "yhd", "aliexpress", "amazon", "ocj"}
    heater = catalogue.by_code("space_heater")
    assert heater.ccc_required and heater.terms_for("jd", "zh")[0] == "取暖器"
    assert heater.terms_for("amazon", "en") == ["space heater", "electric heater"]


def test_export_round_trips():
    specs = load_categories().categories
    again = parse_categories(dump_categories(specs)).categories
    assert again == specs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "categories:\n  - code: ok_one\n    name_zh: 甲\n    name_en: A\n    priority: 9\n    search_terms: {zh: [甲]}\n",
            ":2: category 'ok_one': priority: Input should be less than or equal to 5",
        ),
        (
            "categories:\n  - code: Bad Code\n    name_zh: 甲\n    name_en: A\n    priority: 1\n    search_terms: {zh: [甲]}\n",
            ":2: category 'Bad Code': code: Value error, must be 2-63 characters",
        ),
        (
            "categories:\n  - code: a1\n    name_zh: 甲\n    name_en: A\n    priority: 1\n    search_terms: {}\n",
            ":2: category 'a1': search_terms: Value error, needs search terms",
        ),
        (
            "categories:\n  - code: a1\n    name_zh: 甲\n    name_en: A\n    priority: 1\n    search_terms: {zh: [x]}\n"
            "  - code: a1\n    name_zh: 乙\n    name_en: B\n    priority: 1\n    search_terms: {zh: [y]}\n",
            ":7: category 'a1': code: duplicate of the entry on line 2",
        ),
        ("categories:\n  - code: a1\n    name_zh: [unclosed\n", ":4: not valid YAML"),
        ("items: []\n", ":1: expected a top-level 'categories:' list"),
        (
            "categories:\n  - code: a1\n    colour: red\n    name_zh: 甲\n    name_en: A\n    priority: 1\n    search_terms: {zh: [x]}\n",
            ":2: category 'a1': colour: Extra inputs are not permitted",
        ),
    ],
)
def test_malformed_catalogue_is_refused_with_line_and_reason(text, expected):
    with pytest.raises(CatalogueError) as info:
        parse_categories(text, "cat.yaml")
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_cli_import_export_reimport(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    first = surveil("catalogue", "import", cwd=tmp_path, env_db=db)
    assert first.returncode == 0, first.stderr
    assert "added" in first.stdout
    out = tmp_path / "cat.yaml"
    assert surveil("catalogue", "export", "--out", str(out), cwd=tmp_path, env_db=db).returncode == 0
    edited = out.read_text("utf-8").replace("name_en: Towels", "name_en: Towels and bath towels")
    out.write_text(edited, "utf-8")
    second = surveil("catalogue", "import", str(out), cwd=tmp_path, env_db=db)
    assert second.returncode == 0, second.stderr
    assert "1 changed" in second.stdout and "0 added" in second.stdout
    listed = json.loads(surveil("catalogue", "list", "--json", cwd=tmp_path, env_db=db).stdout)
    assert {c["code"]: c["name_en"] for c in listed}["towel"] == "Towels and bath towels"


def test_cli_refuses_a_malformed_file_and_keeps_the_stored_catalogue(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert surveil("catalogue", "import", cwd=tmp_path, env_db=db).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "categories:\n  - code: x1\n    name_zh: 甲\n    name_en: A\n    priority: 0\n"
        "    search_terms: {zh: [甲]}\n",
        "utf-8",
    )
    result = surveil("catalogue", "import", str(bad), cwd=tmp_path, env_db=db)
    assert result.returncode == 1
    assert "bad.yaml:2: category 'x1': priority" in result.stderr
    listed = json.loads(surveil("catalogue", "list", "--json", cwd=tmp_path, env_db=db).stdout)
    assert len(listed) == len(load_categories().categories)
