"""Counts every request that reaches the network against its platform × category."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.http import Request


class RequestCountingMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequestCountingMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        coverage = getattr(self.crawler.spider, "coverage", None)
        category = request.meta.get("category")
        if coverage is not None and category:
            coverage.add(category, requests=1)
