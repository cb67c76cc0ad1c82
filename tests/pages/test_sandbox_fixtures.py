"""Recorded sandbox responses (tests/fixtures/pages) read field by field to the sandbox's ground truth at
recording time (truth.json), not to the parsers' own earlier output.

truth.json knows, for one listing per platform: its id, title, price, shop name and id, the brand it
shows and the model named in its specification table. Each fixture is checked on every one of those
fields that its page shows (the table below says which, from reading the pages); every row of a search
fixture must carry an id, a title and a price or a masked price.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from crawler.pages.base import PageOutcome
from crawler.pages.blocks import detect_block, is_token_failure
from crawler.pages.outcome import make_response, read_page
from crawler.pages.specs import fill_from_specs

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
TRUTH = json.loads((ROOT / "truth.json").read_text("utf-8"))


@dataclass(frozen=True, kw_only=True)
class Shows:
    """What a recorded page shows of the truth's listing."""

    kind: str
    masked: bool = False
    shop_name: bool = True
    shop_id: bool = False
    brand: bool = False
    model: bool = False


FIXTURES = {
    "aliexpress/item": Shows(kind="item", shop_id=True, brand=True, model=True),
    "aliexpress/search": Shows(kind="search", shop_id=True),
    "amazon/item": Shows(kind="item", shop_id=True, brand=True, model=True),
    "amazon/search": Shows(kind="search", shop_name=False),
    "jd/item_logged_in": Shows(kind="item", shop_id=True, brand=True, model=True),
    "jd/item_masked": Shows(kind="item", masked=True, shop_id=True, brand=True, model=True),
    "jd/search_masked": Shows(kind="search", masked=True, shop_id=True),
    "pdd/goods": Shows(kind="item", shop_id=True, brand=True, model=True),
    "pdd/search_ssr": Shows(kind="search"),
    "taobao/detail": Shows(kind="item", shop_id=True, brand=True, model=True),
    "yhd/item": Shows(kind="item", shop_id=True),
    "yhd/search_gbk": Shows(kind="search"),
}
FIELDS = ("item_id", "title", "price", "shop_name", "shop_id", "brand", "model")


def _path(name: str) -> Path:
    platform, stem = name.split("/")
    return next(p for p in ROOT.joinpath(platform).glob(f"{stem}.*") if p.suffix in (".html", ".json"))


def _read(name: str):
    path = _path(name)
    url = path.with_suffix(".url").read_text().strip()
    platform = name.split("/")[0]
    return read_page(
        platform, FIXTURES[name].kind, path.read_bytes(), url, item_id=TRUTH[platform]["item_id"]
    )


def _got(name: str) -> dict:
    """The truth's listing as the page object read it, in the truth's field names."""
    result = _read(name)
    assert result.status is PageOutcome.OK, result.problems
    truth = TRUTH[name.split("/")[0]]
    if FIXTURES[name].kind == "search":
        rows = {row.item_id: row for row in result.rows}
        assert truth["item_id"] in rows, f"the truth's listing is not among the rows of {name}"
        row = rows[truth["item_id"]]
        return {
            "item_id": row.item_id,
            "title": row.title,
            "price": row.price,
            "masked": row.price_masked,
            "shop_name": row.seller_name,
            "shop_id": row.seller_id,
            "brand": row.brand,
            "model": None,
        }
    item = fill_from_specs(result.item.item)
    return {
        "item_id": item.item_id,
        "title": item.title,
        "price": item.price,
        "masked": item.price_masked,
        "shop_name": item.seller_name,
        "shop_id": item.seller_id,
        "brand": item.brand,
        "model": item.model,
    }


CASES = [
    (name, field)
    for name, shows in FIXTURES.items()
    for field in FIELDS
    if field in ("item_id", "title", "price")
    or (field == "shop_name" and shows.shop_name)
    or (field == "shop_id" and shows.shop_id)
    or (field == "brand" and shows.brand)
    or (field == "model" and shows.model)
]


@pytest.mark.parametrize("name, field", CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_fixture_reads_to_the_truth(name: str, field: str) -> None:
    truth = TRUTH[name.split("/")[0]]
    got = _got(name)
    if field == "price":
        if FIXTURES[name].masked:
            assert got["price"] is None and got["masked"] is True
        else:
            assert got["price"] == Decimal(truth["price"]) and got["masked"] is False
        return
    key = {"brand": "brand_shown", "model": "model_in_specs"}.get(field, field)
    assert got[field] == truth[key]


@pytest.mark.parametrize("name", [n for n, s in FIXTURES.items() if s.kind == "search"])
def test_every_search_row_has_the_fields_its_layout_gives(name: str) -> None:
    result = _read(name)
    assert result.status is PageOutcome.OK and result.layout and result.rows
    for row in result.rows:
        assert row.item_id and row.title and row.url
        assert row.price is not None or row.price_masked
        assert row.price_masked is FIXTURES[name].masked


def test_masked_jd_pages_ask_for_a_login() -> None:
    page = _read("jd/item_masked").item
    assert page.login_required and page.item.price is None
    assert _read("jd/item_logged_in").item.login_required is False


def test_token_failure_is_not_a_block_and_not_a_page() -> None:
    path = ROOT / "taobao" / "detail_token_empty.json"
    response = make_response(path.read_bytes(), path.with_suffix(".url").read_text().strip())
    assert is_token_failure(json.loads(response.text))
    assert detect_block(response) is None
