"""Pinduoduo: the server-rendered first search page, then the paged search API (logged in, with a
one-time ``anti_content`` token per request), and goods pages."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Request

from crawler.crawling.base import PlatformSpider
from crawler.pages import pdd
from crawler.pages.base import SearchRow

PAGE_SIZE = 20


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
            "anti_content": secrets.token_hex(24),
        }
        headers = {"Referer": "https://mobile.yangkeduo.com/search_result.html", "Accept": "application/json"}
        token = (self.session.cookies if self.session else {}).get("PDDAccessToken")
        if token:
            headers["AccessToken"] = token
        return Request(f"https://mobile.yangkeduo.com/proxy/api/search?{urlencode(query)}", headers=headers)

    def fresh(self, request: Request) -> Request:
        """A one-time ``anti_content`` token is never sent twice: a retry gets a new one."""
        if "/proxy/api/search" not in request.url:
            return request
        parts = urlsplit(request.url)
        query = [(k, secrets.token_hex(24) if k == "anti_content" else v) for k, v in parse_qsl(parts.query)]
        return request.replace(url=urlunsplit(parts._replace(query=urlencode(query))))

    def item_request(self, row: SearchRow) -> Request:
        return Request(pdd.goods_url(row.item_id))
