"""Captcha, risk, rate-limit and login pages are recognised here and never reach a page object.

Two places: redirects are looked at before they are followed (a 302 to a risk handler or login page is
the block itself), and bodies after decompression but before retries (an Amazon captcha served with 503
is a block, not a reason to retry). A blocked platform × category gets no further requests in the run.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.crawling.base import BlockedError
from crawler.middlewares.retry import backoff_seconds, wait
from crawler.pages.base import Block
from crawler.pages.blocks import block_from_url, detect_block

#: Blocks worth one more try after a pause (a captcha episode can pass); logins and robots are not.
RETRYABLE = frozenset({"captcha", "risk", "rate_limit"})


#: Words of a challenge page (any platform, any generation) that came back where JSON was asked for.
CHALLENGE_WORDS = ("captcha", "验证", "slider", "verify", "robot", "安全检查", "security check")


def html_where_json_expected(request: Request, response: Response) -> Block | None:
    """An HTML page answering a request that asked for JSON only (``Accept: application/json``, no HTML) is
    a challenge or interstitial, not an unreadable page: a ``captcha`` block when it says so, else a
    ``risk`` block. Without this it would be parsed as "not JSON" and fetched again until the refetch
    limit."""
    accept = (request.headers.get(b"Accept") or b"").decode("latin-1").lower()
    if "json" not in accept or "html" in accept or not 200 <= response.status < 300:
        return None
    head = (response.body or b"")[:4096].lstrip().lower()
    if not head.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<div", b"<!--")):
        return None
    text = head.decode("utf-8", "replace")
    if any(word in text for word in CHALLENGE_WORDS):
        return Block("captcha", "an HTML challenge page where JSON was asked for")
    return Block("risk", "an HTML page where JSON was asked for")


class BlockedRequest(IgnoreRequest):
    def __init__(self, error: BlockedError) -> None:
        super().__init__(str(error))
        self.block = error.block
        self.__cause__ = error


class SkippedAfterBlock(IgnoreRequest):
    """A request of a platform × category already blocked in this run: not sent."""


class _Base:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.retries = crawler.settings.getint("SURVEIL_BLOCK_RETRIES", 1)
        self.pause = crawler.settings.getfloat("SURVEIL_BLOCK_PAUSE", 2.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler):  # noqa: ANN206
        return cls(crawler)

    async def _handle(self, request: Request, block: Block) -> Request:
        """Once more after a pause for a captcha or risk page; then the block stands."""
        tries = request.meta.get("block_retries", 0)
        if block.kind in RETRYABLE and tries < self.retries:
            self.crawler.stats.inc_value(f"surveil/block_retried/{block.kind}")
            await wait(backoff_seconds(tries + 1, self.pause / 2, self.pause * 4))
            again = request.replace(dont_filter=True)
            again.meta["block_retries"] = tries + 1
            fresh = getattr(self.crawler.spider, "fresh", None)
            return fresh(again) if fresh else again
        self.crawler.stats.inc_value(f"surveil/blocked/{block.kind}")
        raise BlockedRequest(BlockedError(block))


class BlockRedirectMiddleware(_Base):
    async def process_response(self, request: Request, response: Response) -> Response | Request:
        if 300 <= response.status < 400 and request.meta.get("kind") != "image":
            location = response.headers.get(b"Location")
            if location:
                block = block_from_url(location.decode("latin-1"))
                if block:
                    return await self._handle(request, block)
        return response


class BlockDetectionMiddleware(_Base):
    def process_request(self, request: Request) -> None:
        coverage = getattr(self.crawler.spider, "coverage", None)
        category = request.meta.get("category")
        if (
            coverage is not None
            and category
            and coverage.is_blocked(category)
            and request.meta.get("kind") == "search"
        ):
            raise SkippedAfterBlock(f"{category} is blocked for this run")

    async def process_response(self, request: Request, response: Response) -> Response | Request:
        if request.meta.get("kind") in {"image", None}:
            return response
        block = detect_block(response) or html_where_json_expected(request, response)
        if block:
            return await self._handle(request, block)
        return response
