"""scrapy-playwright's download handler, started on the resolved Chromium.

``SURVEIL_BROWSER_EXECUTABLE`` (a Scrapy setting) picks the executable; otherwise Playwright's own
browser or Debian's ``chromium`` is found when the crawl starts, not at import.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.browser.launch import find_chromium, launch_options


class MobilePlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        remote = self.config.cdp_url or self.config.connect_url
        if not self.config.launch_options and not remote:
            executable = find_chromium(crawler.settings.get("SURVEIL_BROWSER_EXECUTABLE"))
            self.config.launch_options = launch_options(executable)
