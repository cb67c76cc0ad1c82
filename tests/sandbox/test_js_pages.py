"""Taobao/Tmall product pages show the product only in a real browser that runs their JavaScript."""

from __future__ import annotations

import pytest

from crawler.browser.launch import launch_options
from tests.resources import require_chromium

pytestmark = pytest.mark.browser

MOBILE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.mark.sandbox(size=600)
def test_browser_renders_what_plain_http_cannot_see(sandbox) -> None:
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    records = [r for r in sandbox.truth("taobao") if r["status"] == "live"]
    targets = [
        next(r for r in records if "tmall" in r["url"]),
        next(r for r in records if "tmall" not in r["url"]),
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options(executable))
        try:
            context = browser.new_context(
                proxy={"server": sandbox.url},
                user_agent=MOBILE_UA,
                viewport={"width": 390, "height": 844},
                is_mobile=True,
                has_touch=True,
            )
            page = context.new_page()
            for record in targets:
                page.goto(record["url"].replace("https://", "http://"), wait_until="domcontentloaded")
                page.wait_for_selector("h1.item-title", timeout=20_000)
                assert page.inner_text("h1.item-title") == record["title"]
                assert page.inner_text(".item-price") == "¥" + record["price"]
                assert page.inner_text(".shop-name") == record["shop_name"]
            cookies = {c["name"] for c in context.cookies()}
            assert "_m_h5_tk" in cookies  # the page went through the token dance itself
        finally:
            browser.close()
