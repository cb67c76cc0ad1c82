"""Per-platform politeness across workers: one shared request slot clock per platform in Redis.

scrapy-redis shares the queue but not Scrapy's download slots, so each worker's ``DOWNLOAD_SLOTS`` only
bounds that worker. This downloader middleware reserves, atomically on the Redis server's clock, the next
start time for the platform (``SURVEIL_PLATFORM_INTERVAL`` seconds after the previous reservation by any
worker) and waits until then: N workers together never exceed one request per interval per platform.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.crawler import Crawler

from crawler.distributed.keys import Keys

RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local step = tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, nxt)
redis.call('SET', KEYS[1], start + step, 'PX', math.floor(step * 2 + 60000))
return start - now
"""


class PlatformRateLimiter:
    def __init__(self, server: Any, keys: Keys) -> None:
        self.server = server
        self.keys = keys
        self._reserve = server.register_script(RESERVE)

    def reserve(self, platform: str, interval: float) -> float:
        """Seconds to wait before this request may start (0 when the platform is free)."""
        if interval <= 0:
            return 0.0
        wait_ms = int(self._reserve(keys=[self.keys.rate(platform)], args=[int(interval * 1000)]))
        return max(0.0, wait_ms / 1000)


class PlatformRateLimitMiddleware:
    """``SURVEIL_PLATFORM_INTERVAL = {"jd": 0.25, ...}`` (seconds between requests, all workers together)."""

    def __init__(self, crawler: Crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings
        self.crawler = crawler
        self.intervals = {
            k: float(v) for k, v in (settings.getdict("SURVEIL_PLATFORM_INTERVAL") or {}).items()
        }
        self.limiter = PlatformRateLimiter(
            get_redis_from_settings(settings), Keys(settings.get("SURVEIL_REDIS_PREFIX") or "surveil")
        )
        self.waited = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PlatformRateLimitMiddleware:
        return cls(crawler)

    async def process_request(self, request: Any, spider: Any = None) -> None:
        platform = request.meta.get("download_slot") or getattr(self.crawler.spider, "name", "")
        wait = self.limiter.reserve(platform, self.intervals.get(platform, 0.0))
        if wait > 0:
            self.waited += wait
            await asyncio.sleep(wait)
        return None
