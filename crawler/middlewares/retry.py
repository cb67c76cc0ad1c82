"""Retries with exponential back-off that honour ``Retry-After`` (seconds or an HTTP date)."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor
from twisted.internet.task import deferLater

log = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Full-jitter exponential back-off: uniform in [0, min(cap, base·2^attempt)]."""
    ceiling = min(cap, base * (2**attempt))
    return (rng or random).uniform(ceiling / 2, ceiling)


async def wait(seconds: float) -> None:
    if seconds > 0:
        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings) -> None:  # noqa: ANN001
        super().__init__(settings)
        self.base = settings.getfloat("SURVEIL_RETRY_BACKOFF_BASE", 0.5)
        self.cap = settings.getfloat("SURVEIL_RETRY_BACKOFF_MAX", 30.0)
        self.max_retry_after = settings.getfloat("SURVEIL_RETRY_AFTER_MAX", 120.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        o = cls(crawler.settings)
        o.crawler = crawler
        return o

    async def _wait(self, seconds: float) -> None:
        await wait(seconds)

    def _retry(self, request: Request, reason) -> Request | None:  # noqa: ANN001
        retry = super()._retry(request, reason)
        fresh = getattr(self.crawler.spider, "fresh", None)
        return fresh(retry) if retry is not None and fresh else retry

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        attempt = request.meta.get("retry_times", 0)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.max_retry_after:
            log.warning("%s: Retry-After %.0fs is beyond the limit, giving up", request.url, wait)
            return response
        if wait is None:
            wait = backoff_seconds(attempt, self.base, self.cap)
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        self.crawler.stats.inc_value("surveil/retry_wait_seconds", int(wait))
        await self._wait(wait)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await self._wait(backoff_seconds(request.meta.get("retry_times", 0), self.base, self.cap))
        return retry
