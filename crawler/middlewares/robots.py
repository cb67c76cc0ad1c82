"""robots.txt is obeyed per platform unless an administrator turned it off (``Platform.obey_robots``)."""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request


class PlatformRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        spider = self.crawler.spider
        if spider is not None and getattr(spider, "obey_robots", True) is False:
            return
        if request.meta.get("kind") == "image":
            return
        await super().process_request(request)
