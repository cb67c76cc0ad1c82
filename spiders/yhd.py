"""1号店: the mobile search fragment, item pages, and their JSONP specification call."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawler.crawling.base import PlatformSpider
from crawler.pages import yhd
from crawler.pages.base import ItemPage, SearchRow


class YhdSpider(PlatformSpider):
    name = "yhd"
    pages = yhd

    def search_request(self, term: str, page: int, state: dict[str, Any]) -> Request:
        return Request(yhd.search_url(term, page), headers={"X-Requested-With": "XMLHttpRequest"})

    def item_request(self, row: SearchRow) -> Request:
        return Request(yhd.item_url(row.item_id))

    def follow_up(self, page: ItemPage, row: SearchRow, response: Response) -> Request | None:
        pm_id = getattr(page, "pm_id", None)
        if not pm_id:
            return None
        return Request(yhd.specs_url(page.item.item_id, pm_id), headers={"Referer": response.url})

    def complete(self, page: ItemPage, response: Response) -> ItemPage:
        page.item.specs = yhd.parse_specs(response.text)
        return page
