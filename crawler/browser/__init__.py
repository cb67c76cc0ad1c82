"""The real mobile browser: Chromium through Playwright and scrapy-playwright, with device emulation."""
