"""Pinduoduo: the server-rendered first search page, then the paged search API (logged in, with a
one-time ``anti_content`` per request, made by PDD's own page script, see ``crawler/signing``), and goods
pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from scrapy import Request

from crawler.crawling.base import PlatformSpider
from crawler.pages import pdd
from crawler.pages.base import SearchRow
from crawler.signing.marks import sign_with

PAGE_SIZE = 20
SEARCH_API = "https://mobile.yangkeduo.com/proxy/api/search"


class PddSpider(PlatformSpider):
    name = "pdd"
    pages = pdd

    def search_request(self, term: str, page: int, state: dict[str, Any]) -> Request:
        if page == 1:
            return Request(
                f"https://mobile.yangkeduo.com/search_result.html?{urlencode({'search_key': term})}"
            )
        query = {
            "q": term,
            "page": page,
            "size": PAGE_SIZE,
            "sort": "default",
            "list_id": state.get("list_id") or "",
            "flip": state.get("flip") or "",
        }
        headers = {"Referer": "https://mobile.yangkeduo.com/search_result.html", "Accept": "application/json"}
        token = (self.session.cookies if self.session else {}).get("PDDAccessToken")
        if token:
            headers["AccessToken"] = token
        # anti_content is added when the request is sent (and anew on every retry)
        request = Request(f"{SEARCH_API}?{urlencode(query)}", headers=headers)
        return sign_with(request, self.name)

    def fresh(self, request: Request) -> Request:
        """A one-time ``anti_content`` is never sent twice: a request sent again is signed again."""
        return sign_with(request, self.name) if request.url.startswith(SEARCH_API) else request

    def item_request(self, row: SearchRow) -> Request:
        return Request(pdd.goods_url(row.item_id))
