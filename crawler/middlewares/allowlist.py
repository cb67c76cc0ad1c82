"""Only hosts on the platform's allow-list are ever requested (redirect targets included), over HTTP(S)."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.middlewares.hosts import url_allowed

log = logging.getLogger(__name__)


class OffAllowListError(IgnoreRequest):
    pass


class AllowListMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowListMiddleware:
        return cls(crawler)

    def _patterns(self) -> list[str] | None:
        return getattr(self.crawler.spider, "allowed_hosts", None)

    def process_request(self, request: Request) -> None:
        patterns = self._patterns()
        if patterns is None:
            return
        ok, reason = url_allowed(request.url, patterns)
        if not ok:
            self.crawler.stats.inc_value("surveil/offsite_refused")
            log.warning("refused %s: %s", request.url, reason)
            raise OffAllowListError(f"refused: {reason}")

    def process_response(self, request: Request, response: Response) -> Response:
        """A redirect to a host off the allow-list is refused here, before it is followed."""
        patterns = self._patterns()
        if patterns is None or not 300 <= response.status < 400:
            return response
        location = response.headers.get(b"Location")
        if location:
            from urllib.parse import urljoin

            target = urljoin(request.url, location.decode("latin-1"))
            ok, reason = url_allowed(target, patterns)
            if not ok:
                self.crawler.stats.inc_value("surveil/offsite_redirect_refused")
                log.warning("refused redirect %s -> %s: %s", request.url, target, reason)
                raise OffAllowListError(f"redirect refused: {reason}")
        return response
