"""JD (京东): the mobile search API (api.m.jd.com, its ``h5st`` made by JD's own page script, see
``crawler/signing``) and mobile product pages."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from scrapy import Request

from crawler.crawling.base import PlatformSpider
from crawler.pages import jd
from crawler.pages.base import SearchRow
from crawler.signing.marks import sign_with

AREA = "1_72_2799_0"
API = "https://api.m.jd.com/api?"


class JdSpider(PlatformSpider):
    name = "jd"
    pages = jd

    def search_request(self, term: str, page: int, state: dict[str, Any]) -> Request:
        body = json.dumps(
            {"keyword": term, "enc": "utf-8", "area": AREA, "page": page, "s": (page - 1) * 30 + 1},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        params = {
            "appid": "search-pc-java",
            "functionId": "pc_search_searchWare",
            "client": "m",
            "clientVersion": "1.0.0",
            "keyword": term,
            "body": body,
        }
        # t and h5st are added when the request is sent, by JD's ParamsSign in a so.m.jd.com page
        request = Request(
            f"https://api.m.jd.com/api?{urlencode(params)}",
            headers={
                "x-referer-page": "https://so.m.jd.com/ware/search.action",
                "Accept": "application/json",
            },
        )
        return sign_with(request, self.name)

    def fresh(self, request: Request) -> Request:
        """A search request sent again is signed again (JD refuses replayed signatures)."""
        return sign_with(request, self.name) if request.url.startswith(API) else request

    def item_request(self, row: SearchRow) -> Request:
        return Request(jd.item_url(row.item_id))
