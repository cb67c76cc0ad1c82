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
from crawler.pages.blocks import block_from_url, detect_block


class BlockedRequest(IgnoreRequest):
    def __init__(self, error: BlockedError) -> None:
        super().__init__(str(error))
        self.block = error.block
        self.__cause__ = error


class _Base:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):  # noqa: ANN206
        return cls(crawler)

    def _raise(self, request: Request, block) -> None:  # noqa: ANN001
        self.crawler.stats.inc_value(f"surveil/blocked/{block.kind}")
        raise BlockedRequest(BlockedError(block))


class BlockRedirectMiddleware(_Base):
    def process_response(self, request: Request, response: Response) -> Response:
        if 300 <= response.status < 400 and request.meta.get("kind") != "image":
            location = response.headers.get(b"Location")
            if location:
                block = block_from_url(location.decode("latin-1"))
                if block:
                    self._raise(request, block)
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
            raise IgnoreRequest(f"{category} is blocked for this run")

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("kind") in {"image", None} and request.meta.get("category") is None:
            return response
        if request.meta.get("kind") == "image":
            return response
        block = detect_block(response)
        if block:
            self._raise(request, block)
        return response
