"""JD (京东): the mobile search API (api.m.jd.com, signed with h5st) and mobile product pages."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from scrapy import Request

from crawler.crawling.base import PlatformSpider
from crawler.crawling.h5st import fingerprint, h5st
from crawler.pages import jd
from crawler.pages.base import SearchRow

AREA = "1_72_2799_0"


class JdSpider(PlatformSpider):
    name = "jd"
    pages = jd

    def search_request(self, term: str, page: int, state: dict[str, Any]) -> Request:
        now = self.context.clock.now()
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
            "t": str(int(now.timestamp() * 1000)),
            "keyword": term,
        }
        token = "tk03" + fingerprint(f"{self.name}-token")[:12]
        params["h5st"] = h5st(params, body, now, fingerprint(self.session.device.name), token)
        params["body"] = body
        return Request(
            f"https://api.m.jd.com/api?{urlencode(params)}",
            headers={
                "x-referer-page": "https://so.m.jd.com/ware/search.action",
                "Accept": "application/json",
            },
        )

    def item_request(self, row: SearchRow) -> Request:
        return Request(jd.item_url(row.item_id))
