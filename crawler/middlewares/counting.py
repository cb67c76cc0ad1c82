"""Counts every request that reaches the network against its platform × category."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.http import Request


class RequestCountingMiddleware:
    """Also writes every request's kind, method, URL and download slot to ``SURVEIL_REQUEST_LOG`` when set
    (audits, benchmarks: the slot lets a baseline fetch the same URLs in the same slots)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        path = crawler.settings.get("SURVEIL_REQUEST_LOG")
        self.log = open(path, "a", encoding="utf-8", buffering=1) if path else None  # noqa: SIM115

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequestCountingMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        coverage = getattr(self.crawler.spider, "coverage", None)
        category = request.meta.get("category")
        if coverage is not None and category:
            coverage.add(category, requests=1)
        if self.log is not None:
            kind = request.meta.get("kind", "")
            slot = request.meta.get("download_slot", "")
            self.log.write(f"{kind}\t{request.method}\t{request.url}\t{slot}\n")
