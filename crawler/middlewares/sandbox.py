"""Sandbox routing: real platform URLs are sent to the local sandbox marketplace, used as a proxy.

With ``SURVEIL_SANDBOX_URL`` set, ``https://`` becomes ``http://`` on the wire and the request goes
through the sandbox as an HTTP proxy; the response is handed back under the real ``https://`` URL, so
page objects, cookies and redirects see the platform's own addresses. Without it, this is switched off.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils import httpobj

ORIGINAL = "surveil_original_url"


def _reroute(request: Request, url: str) -> None:
    """Change a request's URL in place (the cookie jar and callbacks keep the same object)."""
    request._set_url(url)
    httpobj._urlparse_cache.pop(request, None)


class SandboxProxyMiddleware:
    def __init__(self, sandbox_url: str) -> None:
        self.sandbox_url = sandbox_url.rstrip("/")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SandboxProxyMiddleware:
        url = crawler.settings.get("SURVEIL_SANDBOX_URL")
        if url is None:
            from crawler.config import load_settings

            url = load_settings().sandbox_url
        if not url:
            raise NotConfigured("no sandbox: requests go to the real platforms")
        return cls(url)

    def process_request(self, request: Request) -> None:
        if request.url.startswith("https://"):
            request.meta[ORIGINAL] = request.url
            _reroute(request, "http://" + request.url[len("https://") :])
        if not request.meta.get("playwright"):  # a browser context carries the proxy itself
            request.meta["proxy"] = self.sandbox_url

    def process_response(self, request: Request, response: Response) -> Response:
        original = request.meta.pop(ORIGINAL, None)
        if original:
            _reroute(request, original)
            return response.replace(url=original)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        original = request.meta.pop(ORIGINAL, None)
        if original:
            _reroute(request, original)
