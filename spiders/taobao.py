"""Taobao and Tmall: mtop search with the token exchange, and item pages rendered in the mobile browser
(or read through the mtop detail API with ``-a item_via=api``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from playwright.async_api import Error as PlaywrightError
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.page import PageMethod

from crawler.crawling import mtop
from crawler.crawling.base import CARRIED_META, PlatformSpider
from crawler.pages import taobao
from crawler.pages.base import SearchRow
from crawler.pages.blocks import is_token_failure

SEARCH_API = "mtop.relationrecommend.wirelessrecommend.recommend"
DETAIL_API = "mtop.taobao.detail.getdetail"
#: The page has rendered its product, its off-shelf note or an error, or has given up loading (its own
#: call to the detail API failed): no need to wait out the timeout to know.
RENDERED = "#app h1.item-title, #app .off-shelf, #app .error, #app:not(:has(.loading))"
PAGES_PER_CONTEXT = 100


class TaobaoSpider(PlatformSpider):
    name = "taobao"
    pages = taobao
    #: A rendered page's own detail API calls meet rate limits and 5xx bursts (up to three in a row) that
    #: the crawler's retries never see; loading the page again is the only retry, so one more is allowed.
    refetch_limit = 3

    def __init__(self, *args: Any, item_via: str = "browser", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if item_via not in ("browser", "api"):
            raise ValueError("item_via must be 'browser' or 'api'")
        self.item_via = item_via
        self.token = ""
        self.rendered = 0
        self.contexts: dict[int, Any] = {}
        self.issued: dict[int, int] = {}
        self.finished_pages: dict[int, int] = {}

    def _signed(self, host: str, api: str, version: str, data: dict[str, Any]) -> Request:
        now_ms = int(self.context.clock.now().timestamp() * 1000)
        return Request(
            mtop.request_url(host, api, version, data, self.token, now_ms),
            headers={"Accept": "application/json", "Referer": "https://h5.m.taobao.com/"},
            meta={"mtop": (host, api, version, data)},
        )

    def search_request(self, term: str, page: int, state: dict[str, Any]) -> Request:
        params = {"q": term, "page": page, "n": 20, "tab": "all", "sort": "_coefp"}
        data = {"appId": "34385", "params": json.dumps(params, ensure_ascii=False, separators=(",", ":"))}
        return self._signed("h5api.m.taobao.com", SEARCH_API, "2.0", data)

    def renew(self, response: Response) -> Request | None:
        """The mtop token dance: a token-empty or token-expired answer sets a new ``_m_h5_tk`` cookie;
        re-sign with it and send again. A signature made with a token replaced meanwhile by a parallel
        request is re-signed too; a rendered page that met either is loaded again."""
        if response.meta.get("playwright"):
            error = response.css("#app .error::text").get() or ""
            if error.startswith(("FAIL_SYS_TOKEN", "FAIL_SYS_INVALID_SIGNATURE")):
                return self.item_request(response.meta["row"])
            return None
        if "mtop" not in response.meta or response.text.lstrip()[:1] not in "{m":
            return None
        try:
            data = taobao.envelope(response.text)
        except ValueError:
            return None
        if not is_token_failure(data) and taobao.ret_code(data) != "FAIL_SYS_INVALID_SIGNATURE":
            return None
        token = mtop.token_from_set_cookie(response.headers.getlist(b"Set-Cookie"))
        if token:
            self.token = token
        host, api, version, payload = response.meta["mtop"]
        return self._signed(host, api, version, payload)

    def item_request(self, row: SearchRow) -> Request:
        if self.item_via == "api":
            return self._signed("h5api.m.taobao.com", DETAIL_API, "6.0", {"itemNumId": row.item_id})
        sandbox = self.settings.get("SURVEIL_SANDBOX_URL") or self.context.settings.sandbox_url
        return Request(
            row.url or taobao.item_url(row.item_id),
            meta={
                "playwright": True,
                "playwright_context_kwargs": self.session.browser_context_kwargs(proxy=sandbox),
                "playwright_include_page": True,
                "playwright_page_methods": [PageMethod("wait_for_selector", RENDERED, timeout=20_000)],
            },
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> TaobaoSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._to_context, signal=signals.request_reached_downloader)
        return spider

    def _to_context(self, request: Request, spider: Any = None) -> None:
        """A page gets its browser context when it reaches the downloader, whose queue is first in, first
        out: pages are rendered in the order they were given out, so at most two generations of contexts
        are busy at a time. (Given out when the request is made, the scheduler's last-in-first-out order
        left every generation with pages waiting behind newer ones until every context slot was held and
        the crawl stood still.)"""
        if not request.meta.get("playwright") or "context_generation" in request.meta:
            return
        generation = self.rendered // PAGES_PER_CONTEXT
        self.rendered += 1
        self.issued[generation] = self.issued.get(generation, 0) + 1
        request.meta["playwright_context"] = f"{self.name}-mobile-{generation}"
        request.meta["context_generation"] = generation

    async def _page_done(self, meta: dict[str, Any]) -> None:
        """Pages are closed as soon as they are read; a browser context is closed when every page it was
        given is done, so memory stays bounded however many pages a night renders."""
        page = meta.pop("playwright_page", None)
        if "context_generation" not in meta:
            return
        generation = meta["context_generation"]
        self.finished_pages[generation] = self.finished_pages.get(generation, 0) + 1
        if page is not None:
            self.contexts.setdefault(generation, page.context)
            await page.close()
        current = (self.rendered - 1) // PAGES_PER_CONTEXT
        for gen in list(self.contexts):
            if gen < current and self.finished_pages.get(gen, 0) >= self.issued.get(gen, 0):
                await self.contexts.pop(gen).close()

    async def parse_item(self, response: Response):  # type: ignore[override]
        await self._page_done(response.meta)
        for output in super().parse_item(response):
            yield output

    def _reload(self, request: Request) -> Request:
        """The same product page again, to be rendered in a new browser page."""
        again = self.item_request(request.meta["row"])
        again.meta.update(
            {
                k: v
                for k, v in request.meta.items()
                if k in CARRIED_META or k in ("refetches", "retry_times", "download_slot")
            }
        )
        return again.replace(callback=request.callback, errback=request.errback, dont_filter=True)

    def fresh(self, request: Request) -> Request:
        """A rendered page sent again (a retry, or an unreadable page fetched again) gets a new browser
        page; the attempt before it is done, and its page closed if it is still open."""
        if not request.meta.get("playwright") or request.meta.get("row") is None:
            return request
        asyncio.ensure_future(self._page_done(dict(request.meta)))  # noqa: RUF006 - bookkeeping only
        return self._reload(request)

    def failed(self, failure: Any):  # type: ignore[override]
        request = failure.request
        if request.meta.get("playwright"):
            asyncio.ensure_future(self._page_done(request.meta))  # noqa: RUF006 - bookkeeping only
            tries = request.meta.get("refetches", 0)
            if isinstance(failure.value, PlaywrightError) and tries < self.refetch_limit:
                # the page never rendered (its script or its API call failed): load it again
                again = self._reload(request)
                again.meta["refetches"] = tries + 1
                yield again
                return
        yield from super().failed(failure)
