"""Every request carries the platform session's mobile identity: headers and the bureau's cookies."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.http import Request


class MobileIdentityMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MobileIdentityMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        session = getattr(self.crawler.spider, "session", None)
        if session is None:
            return
        for name, value in session.headers().items():
            if name.lower() == "user-agent":
                request.headers[name] = value  # one device per platform session, always
            else:
                request.headers.setdefault(name, value)
        if session.cookies and not request.meta.get("surveil_cookies_set"):
            for name, value in session.cookies.items():
                if isinstance(request.cookies, dict):
                    request.cookies.setdefault(name, value)
            request.meta["surveil_cookies_set"] = True
