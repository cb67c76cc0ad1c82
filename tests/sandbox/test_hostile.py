"""Hostile listings: opt-in, deterministic, and carried as text in every platform's own encoding."""

from __future__ import annotations

import json
import re

import pytest
from parsel import Selector

from crawler.sandbox.content import Market
from crawler.sandbox.hostile import PAYLOADS, SHOP_ID_BASE
from crawler.sandbox.testing import make_config
from tests.sandbox.client import fetch, jd_search

CATEGORY = "toys"


def _category_listings(market: Market, platform: str, count: int = 200):
    c = market.codes.index(CATEGORY)
    return [market.listing(platform, c + k * len(market.codes)) for k in range(count)]


def test_hostile_listings_are_opt_in_deterministic_and_leave_the_rest_alone() -> None:
    plain = Market(make_config(size=6000))
    hostile = Market(make_config(size=6000, hostile=True))
    again = Market(make_config(size=6000, hostile=True))
    none = Market(make_config(size=6000, hostile=True, hostile_share=0.0))
    for platform in ("jd", "yhd", "amazon"):
        before = _category_listings(plain, platform)
        after = _category_listings(hostile, platform)
        assert not any("hostile" in x.variations for x in before)
        assert not any("hostile" in x.variations for x in _category_listings(none, platform))
        marked = [x for x in after if "hostile" in x.variations]
        assert 0.35 < len(marked) / len(after) < 0.65, platform
        assert [x.title for x in after] == [x.title for x in _category_listings(again, platform)]
        for b, a in zip(before, after, strict=True):
            if "hostile" not in a.variations:
                assert a == b
                continue
            assert a.title.startswith(b.title + " ") and a.title[len(b.title) + 1 :] in PAYLOADS
            assert any(a.shop_name.startswith(p) for p in PAYLOADS) and int(a.shop_id) >= SHOP_ID_BASE
            assert a.specs[: len(b.specs)] == b.specs and any(
                v in PAYLOADS for _, v in a.specs[len(b.specs) :]
            )
            assert a.product == b.product and a.price == b.price
        assert len({x.title.rsplit(" ", 1)[-1] for x in marked}) > 20, "the corpus is spread over listings"
    assert all(p.isascii() for p in PAYLOADS), "GBK pages carry every payload unchanged"


def _hostile_with(market: Market, platform: str, needle: str, within: int = 100):
    return next(
        x
        for x in _category_listings(market, platform, within)
        if "hostile" in x.variations and needle in x.title
    )


@pytest.mark.sandbox(size=3000, hostile=True)
def test_payloads_are_text_in_every_encoding(sandbox) -> None:
    market = sandbox.market
    jd = _hostile_with(market, "jd", "</script>")
    wares = [
        w
        for page in (1, 2, 3, 4)
        for w in jd_search(sandbox, "儿童玩具", page).json()["data"]["wareList"]
        if w["wareId"] == jd.item_id
    ]
    assert wares and wares[0]["wareName"] == jd.title and wares[0]["shopName"] == jd.shop_name

    page = fetch(sandbox, f"https://item.m.jd.com/product/{jd.item_id}.html").text()
    doc = Selector(text=page)
    assert doc.css("#itemName::text").get() == jd.title
    assert doc.css(".shop-name::text").get() == jd.shop_name
    assert page.count("</script>") == 1, "the page state cannot close its own script block"
    assert [s.xpath("string(.)").get() for s in doc.css(".spec-list li em")] == [v for _, v in jd.specs]

    yhd = _hostile_with(market, "yhd", "<")
    html = fetch(sandbox, f"https://item.m.yhd.com/item/{yhd.item_id}").body.decode("gbk")
    doc = Selector(text=html)
    assert doc.css("#pd_product-title::text").get() == yhd.title
    assert doc.css(".pd_shop::text").get() == yhd.shop_name
    assert not doc.css("#pd_product-title *") and not doc.css(".pd_shop *"), "no markup from the seller"
    jsonp = fetch(
        sandbox, f"https://item.m.yhd.com/item/ajaxProductDesc.do?productId={yhd.item_id}&callback=cb"
    ).body.decode("gbk")
    specs = json.loads(jsonp[3:-1])["productParamsVoList"][0]["descParamVoList"]
    assert [(s["attributeName"], s["attributeValue"]) for s in specs] == list(yhd.specs)

    pdd = _hostile_with(market, "pdd", "</script>")
    goods = fetch(sandbox, f"https://mobile.yangkeduo.com/goods.html?goods_id={pdd.item_id}").text()
    # Every script closes where it opened (the page data and the page's own rendering script): the
    # payload adds no closing tag of its own.
    assert goods.count("</script>") == goods.count("<script") == 2 and "\\u003c/script\\u003e" in goods
    raw = json.loads(re.search(r"window\.rawData= (\{.*?\});</script>", goods).group(1))
    assert raw["store"]["initDataObj"]["goods"]["goodsName"] == pdd.title

    amazon = _hostile_with(market, "amazon", '"')
    html = fetch(sandbox, f"https://www.amazon.com/dp/{amazon.item_id}").text()
    doc = Selector(text=html)
    assert doc.css("#productTitle::text").get().strip() == amazon.title
    assert doc.css("#landingImage::attr(alt)").get() == amazon.title


def test_serve_command_takes_the_hostile_options() -> None:
    from crawler.sandbox.testing import running_sandbox

    with running_sandbox(size=300, hostile=True, hostile_share=0.9, in_process=False) as sandbox:
        listing = _hostile_with(sandbox.market, "yhd", "<", within=10)
        assert sandbox.config.hostile_share == 0.9
        html = fetch(sandbox, f"https://item.m.yhd.com/item/{listing.item_id}").body.decode("gbk")
        assert Selector(text=html).css("#pd_product-title::text").get() == listing.title
