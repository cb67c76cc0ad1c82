"""The project's page objects (written against the real captures) read the sandbox's pages as well."""

from __future__ import annotations

from decimal import Decimal

import pytest
from scrapy.http import HtmlResponse, TextResponse

from crawler.sandbox.testing import running_sandbox
from tests.sandbox.client import fetch, jd_search


@pytest.mark.sandbox(size=3000)
@pytest.mark.parametrize(
    "platform, url",
    [
        ("amazon", "https://www.amazon.com/s?k=hair+dryer&page=2"),
        ("aliexpress", "https://www.aliexpress.com/w/wholesale-power-bank.html?SearchText=power+bank"),
    ],
)
def test_search_and_item_pages_of_the_international_platforms(sandbox, platform: str, url: str) -> None:
    import importlib

    module = importlib.import_module(f"crawler.pages.{platform}")
    truth = {r["item_id"]: r for r in sandbox.truth(platform)}
    page = module.parse_search(HtmlResponse(url=url, body=fetch(sandbox, url).body, encoding="utf-8"))
    assert len(page.rows) in (24, 40) and page.has_next
    for row in page.rows:
        assert (row.title, row.price) == (truth[row.item_id]["title"], Decimal(truth[row.item_id]["price"]))
    row = page.rows[0]
    item = module.parse_item(
        HtmlResponse(url=row.url, body=fetch(sandbox, row.url).body, encoding="utf-8")
    ).item
    assert (
        item.item_id == row.item_id
        and item.title == row.title
        and item.seller_name == truth[row.item_id]["shop_name"]
    )


def test_jd_search_and_item(sandbox) -> None:
    from crawler.pages import jd

    resp = jd_search(sandbox, "口罩", cookies=sandbox.session("jd"))
    page = jd.parse_search(TextResponse(url="https://api.m.jd.com/api", body=resp.body, encoding="utf-8"))
    truth = {r["item_id"]: r for r in sandbox.truth("jd")}
    assert page.rows and all(row.title == truth[row.item_id]["title"] for row in page.rows)
    url = page.rows[0].url
    logged_out = jd.parse_item(HtmlResponse(url=url, body=fetch(sandbox, url).body, encoding="utf-8"))
    assert logged_out.login_required and logged_out.item.price is None


def test_sandbox_as_a_child_process() -> None:
    with running_sandbox(size=300, in_process=False) as sb:
        assert sb.sandbox is None
        resp = fetch(sb, "https://m.ocj.com.cn/api/search?keyword=口罩")
        items = resp.json()["data"]["items"]
        truth = {r["item_id"]: r["title"] for r in sb.truth("ocj")}
        assert items and all(truth[i["itemCode"]] == i["itemName"] for i in items)
