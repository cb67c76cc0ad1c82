"""Signs the requests that ask for it, just before they are sent, with their platform's signer.

A spider marks a request with :func:`crawler.signing.marks.sign_with` (``meta["signer"] = "jd"``) and builds it unsigned. Here,
after the block middleware has let it through and before the sandbox routing, its query is signed (the
same page-cached signer for the whole crawl) and its URL replaced in place; every retry passes here
again and is signed afresh (one-time tokens are never re-sent). A signature the platform refuses makes
the signer reload its page (the page's script may have changed) and the request is sent once more.

Every failure to sign becomes a ``signing`` block for the request's category (``BlockedRequest``, as
the block middleware raises): a category that could not be signed ends ``blocked (signing)``, never
``empty``. Per-signature times go to the crawl's stats (``surveil/signing/<platform>/…``).
"""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playwright.async_api import Page
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils import httpobj

from crawler.crawling.base import BlockedError, PlatformSpider
from crawler.crawling.context import clock_from
from crawler.middlewares.blocks import BlockedRequest
from crawler.signing.base import Signer, SigningFailed, signing_block
from crawler.signing.jd import JdSigner
from crawler.signing.marks import META, RELOADS, UNSIGNED
from crawler.signing.page import SigningPage
from crawler.signing.pdd import PddSigner

log = logging.getLogger(__name__)
#: Which opening of the platform's page signed a request (its ``opened`` count).
SIGNED_BY_PAGE = "signed_by_page"

#: The platforms whose requests are signed in their own page, and their signers.
BROWSER_SIGNERS: dict[str, type[JdSigner] | type[PddSigner]] = {"jd": JdSigner, "pdd": PddSigner}


def _set_url(request: Request, url: str) -> None:
    """Change a request's URL in place, as the sandbox routing does: the request object (its cookie jar
    slot, callbacks, retry bookkeeping) stays the same, only the query gains its signature."""
    request._set_url(url)
    httpobj._urlparse_cache.pop(request, None)


class SigningMiddleware:
    def __init__(self, crawler: Crawler, timeout: float, sandbox_url: str | None) -> None:
        self.crawler = crawler
        self.timeout = timeout
        self.sandbox_url = sandbox_url or None
        self.clock = clock_from(crawler.settings)
        self.signers: dict[str, Signer] = {}
        self.pages: dict[str, SigningPage] = {}
        self.timing: dict[str, list[float]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SigningMiddleware:
        sandbox = crawler.settings.get("SURVEIL_SANDBOX_URL")
        if sandbox is None:
            from crawler.config import load_settings

            sandbox = load_settings().sandbox_url
        middleware = cls(crawler, crawler.settings.getfloat("SURVEIL_SIGNING_TIMEOUT", 10.0), sandbox)
        crawler.signals.connect(middleware.closed, signal=signals.spider_closed)
        return middleware

    def signer(self, platform: str) -> Signer:
        if platform not in self.signers:
            kind = BROWSER_SIGNERS[platform]
            page = SigningPage(partial(self._open, platform, kind.home), timeout=self.timeout)
            self.pages[platform] = page
            self.signers[platform] = kind(page)
        return self.signers[platform]

    async def _open(self, platform: str, home: str) -> Page:
        """The platform's page, loaded through the crawl's own browser (scrapy-playwright) in a context of
        its own, with the crawl's mobile identity and its routing."""
        spider = self.crawler.spider
        session = spider.session if isinstance(spider, PlatformSpider) else None
        if session is not None:
            context_kwargs = session.browser_context_kwargs(proxy=self.sandbox_url)
        else:
            context_kwargs = {"proxy": {"server": self.sandbox_url}} if self.sandbox_url else {}
        request = Request(
            home,
            dont_filter=True,
            meta={
                "playwright": True,
                "playwright_include_page": True,
                "playwright_context": f"{platform}-signing",
                "playwright_context_kwargs": context_kwargs,
                "download_slot": f"{platform}-signing",
                # the page's scripts have run by DOMContentLoaded: no need to wait for anything else
                "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded", "timeout": 60_000},
            },
        )
        response = await self.crawler.engine.download_async(request)
        page: Page | None = response.meta.get("playwright_page")
        if page is None:
            raise SigningFailed(f"no browser page for {home}")
        if response.status >= 400:
            await page.close()
            raise SigningFailed(f"the signing page {home} answered HTTP {response.status}")
        self.crawler.stats.inc_value(f"surveil/signing/{platform}/pages_opened")
        return page

    def _block(self, platform: str, error: SigningFailed | str) -> BlockedRequest:
        self.crawler.stats.inc_value(f"surveil/signing/{platform}/failed")
        self.crawler.stats.inc_value("surveil/blocked/signing")
        return BlockedRequest(BlockedError(signing_block(error, platform)))

    async def process_request(self, request: Request) -> None:
        platform = request.meta.get(META)
        if not platform:
            return
        unsigned = request.meta.setdefault(UNSIGNED, request.url)
        parts = urlsplit(unsigned)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        signer = self.signer(platform)
        opened = self.pages[platform].opened
        started = time.perf_counter()
        try:
            signed = await signer.sign(params, self.clock.now())
        except SigningFailed as exc:
            log.warning("%s: signing failed for %s: %s", platform, request.url[:120], exc)
            raise self._block(platform, exc) from exc
        if self.pages[platform].opened == opened:  # the time of a signature, not of opening the page
            self.timing.setdefault(platform, []).append((time.perf_counter() - started) * 1000)
        self.crawler.stats.inc_value(f"surveil/signing/{platform}/signatures")
        request.meta[SIGNED_BY_PAGE] = self.pages[platform].opened
        _set_url(request, urlunsplit(parts._replace(query=urlencode(signed.params))))
        for name, value in signed.headers.items():
            request.headers[name] = value

    def process_response(self, request: Request, response: Response) -> Request | Response:
        platform = request.meta.get(META)
        signer = self.signers.get(platform) if platform else None
        if signer is None or not signer.refused(response.status, response.body):
            return response
        if request.meta.get(RELOADS, 0) >= 1:
            if signer.refusal_is_block:
                raise self._block(
                    platform, "the signature was refused again after the signing page was reloaded"
                )
            return response
        self.crawler.stats.inc_value(f"surveil/signing/{platform}/refused")
        if request.meta.get(SIGNED_BY_PAGE) == self.pages[platform].opened:
            signer.forget()  # not when another refused request has already had the page reloaded
        again = request.replace(url=request.meta.get(UNSIGNED, request.url), dont_filter=True)
        again.meta[RELOADS] = request.meta.get(RELOADS, 0) + 1
        return again

    async def closed(self, spider: Any = None, reason: str = "") -> None:
        for platform, times in self.timing.items():
            if not times:
                continue
            ordered = sorted(times)
            mean = sum(ordered) / len(ordered)
            median = ordered[len(ordered) // 2]
            self.crawler.stats.set_value(f"surveil/signing/{platform}/mean_ms", round(mean, 2))
            self.crawler.stats.set_value(f"surveil/signing/{platform}/median_ms", round(median, 2))
            log.info(
                "%s: %d signatures through the platform's page, mean %.1f ms, median %.1f ms, %d page(s) opened",
                platform,
                len(ordered),
                mean,
                median,
                self.pages[platform].opened,
            )
        for signer in self.signers.values():
            await signer.close()
