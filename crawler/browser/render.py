"""Render one page in the mobile browser through Scrapy and scrapy-playwright.

Used by ``surveil browser render`` to check a machine's browser set-up end to end: the device profile's
user agent, viewport and scale reach the page, Chinese text renders, and a screenshot is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.browser.devices import DeviceProfile


@dataclass
class RenderResult:
    url: str
    final_url: str = ""
    status: int = 0
    title: str = ""
    text: str = ""
    screenshot: str = ""
    device: str = ""
    user_agent: str = ""
    errors: list[str] = field(default_factory=list)


class RenderSpider(scrapy.Spider):
    name = "render_probe"

    def __init__(
        self,
        url: str,
        profile: DeviceProfile,
        screenshot: Path,
        selector: str,
        result: RenderResult,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.profile = profile
        self.screenshot = screenshot
        self.selector = selector
        self.result = result

    async def start(self):  # type: ignore[override]
        yield scrapy.Request(
            self.url,
            headers=self.profile.headers(),
            meta={
                "playwright": True,
                "playwright_context": f"device:{self.profile.name}",
                "playwright_context_kwargs": self.profile.context_kwargs(),
                "playwright_include_page": True,
            },
            callback=self.parse,
            errback=self.failed,
            dont_filter=True,
        )

    async def parse(self, response: scrapy.http.Response) -> None:
        page = response.meta["playwright_page"]
        try:
            await page.wait_for_selector(self.selector, timeout=15_000)
            self.result.final_url = page.url
            self.result.status = response.status
            self.result.title = await page.title()
            self.result.text = await page.inner_text(self.selector)
            self.screenshot.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(self.screenshot), full_page=False)
            self.result.screenshot = str(self.screenshot)
        finally:
            await page.close()
            await page.context.close()

    async def failed(self, failure: Any) -> None:
        page = failure.request.meta.get("playwright_page")
        if page is not None:
            await page.close()
        self.result.errors.append(repr(failure.value))


def render(
    url: str,
    profile: DeviceProfile,
    screenshot: Path,
    selector: str = "body",
    browser_executable: str | None = None,
) -> RenderResult:
    """Render ``url`` once and return what the browser showed. Runs a Scrapy process: call it once."""
    from crawler import settings as project_settings

    settings = Settings()
    settings.setmodule(project_settings)
    settings.set("ROBOTSTXT_OBEY", False)
    # A probe of the browser set-up, not a platform crawl: none of the crawl's guards and pipelines.
    settings.set("PLAYWRIGHT_ABORT_REQUEST", None)
    settings.set("DOWNLOADER_MIDDLEWARES", {})
    settings.set("ITEM_PIPELINES", {})
    settings.set("LOG_LEVEL", "WARNING")
    settings.set("SURVEIL_BROWSER_EXECUTABLE", browser_executable)
    result = RenderResult(url=url, device=profile.name, user_agent=profile.user_agent)
    process = CrawlerProcess(settings)
    process.crawl(
        RenderSpider, url=url, profile=profile, screenshot=screenshot, selector=selector, result=result
    )
    process.start()
    return result
