"""Recorded sandbox responses (tests/fixtures/pages) parse to their expected items, which agree with the
sandbox's ground truth at recording time (truth.json)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse

from crawler.pages import aliexpress, amazon, jd, pdd, taobao, yhd
from crawler.pages.blocks import detect_block, is_token_failure
from crawler.pages.specs import fill_from_specs

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
MODULES = {"jd": jd, "pdd": pdd, "yhd": yhd, "aliexpress": aliexpress, "amazon": amazon, "taobao": taobao}
TRUTH = json.loads((ROOT / "truth.json").read_text("utf-8"))
FIXTURES = sorted(
    p for p in ROOT.glob("*/*.*") if p.suffix in (".html", ".json") and not p.name.endswith(".expected.json")
)


def _response(path: Path) -> TextResponse:
    url = path.with_suffix(".url").read_text().strip()
    if path.suffix == ".json":
        return TextResponse(url=url, body=path.read_bytes(), encoding="utf-8")
    return HtmlResponse(url=url, body=path.read_bytes())


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_parses_to_its_expected_items(path: Path) -> None:
    platform = path.parent.name
    expected = json.loads(path.with_name(f"{path.stem}.expected.json").read_text("utf-8"))
    response = _response(path)
    module = MODULES[platform]
    if expected["kind"] == "token":
        assert is_token_failure(json.loads(response.text)) is expected["token_failure"]
        assert detect_block(response) is None
        return
    assert detect_block(response) is None
    if expected["kind"] == "search":
        page = module.parse_search(response)
        got = [
            {
                "rank": r.rank,
                "item_id": r.item_id,
                "title": r.title,
                "price": None if r.price is None else str(r.price),
                "price_masked": r.price_masked,
                "seller_id": r.seller_id,
                "seller_name": r.seller_name,
                "image_url": r.image_url,
            }
            for r in page.rows
        ]
        assert len(got) == expected["count"]
        assert got[:3] == expected["rows"]
        assert page.layout == expected["layout"] and page.has_next is expected["has_next"]
        return
    page = module.parse_item(response, TRUTH[platform]["item_id"])
    item = fill_from_specs(page.item).to_dict()
    for name, value in expected["item"].items():
        assert item[name] == value, name
    assert page.gone is expected["gone"] and page.login_required is expected["login_required"]


@pytest.mark.parametrize("platform", sorted(TRUTH))
def test_expected_items_agree_with_the_truth(platform: str) -> None:
    truth = TRUTH[platform]
    for path in ROOT.joinpath(platform).glob("*.expected.json"):
        expected = json.loads(path.read_text("utf-8"))
        if expected["kind"] == "item":
            item = expected["item"]
            assert item["item_id"] == truth["item_id"] and item["title"] == truth["title"]
            assert item["seller_name"] == truth["shop_name"]
            if item["price_masked"]:
                assert item["price"] is None
            else:
                assert Decimal(item["price"]) == Decimal(truth["price"])
        elif expected["kind"] == "search":
            ids = [row["item_id"] for row in expected["rows"]]
            assert truth["item_id"] in ids


def test_masked_jd_price_is_never_a_number() -> None:
    masked = json.loads((ROOT / "jd" / "item_masked.expected.json").read_text("utf-8"))["item"]
    assert masked["price"] is None and masked["price_masked"] is True
    rows = json.loads((ROOT / "jd" / "search_masked.expected.json").read_text("utf-8"))["rows"]
    assert all(r["price"] is None and r["price_masked"] for r in rows)
