"""AliExpress: search result pages (``/w/wholesale-<slug>.html``) and item pages (``window.runParams``)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote_plus

from scrapy import Request

from crawler.crawling.base import PlatformSpider
from crawler.pages import aliexpress
from crawler.pages.base import SearchRow


class AliexpressSpider(PlatformSpider):
    name = "aliexpress"
    pages = aliexpress

    def search_request(self, term: str, page: int, state: dict[str, Any]) -> Request:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", term).strip("-").lower() or "all"
        return Request(
            f"https://www.aliexpress.com/w/wholesale-{slug}.html?SearchText={quote_plus(term)}&page={page}&g=y"
        )

    def item_request(self, row: SearchRow) -> Request:
        return Request(aliexpress.item_url(row.item_id))
