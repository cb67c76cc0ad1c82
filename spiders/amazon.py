"""Amazon: search (``/s?k=``) and product pages (``/dp/<ASIN>``) under a mobile identity."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from scrapy import Request

from crawler.crawling.base import PlatformSpider
from crawler.pages import amazon
from crawler.pages.base import SearchRow


class AmazonSpider(PlatformSpider):
    name = "amazon"
    pages = amazon

    def search_request(self, term: str, page: int, state: dict[str, Any]) -> Request:
        return Request(f"https://www.amazon.com/s?k={quote_plus(term)}&page={page}")

    def item_request(self, row: SearchRow) -> Request:
        return Request(f"https://www.amazon.com/dp/{row.item_id}")
