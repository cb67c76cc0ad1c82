"""Scrapy settings for the project (``scrapy.cfg`` points here). Plain values only: no I/O.

Project settings all start with ``SURVEIL_``. The database, data directory and sandbox come from the
typed configuration (``crawler/config.py``: ``SURVEIL_*`` environment variables or a TOML file) unless
set here or with ``-s``.
"""

BOT_NAME = "surveil"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# The browser only for requests that ask for it (meta "playwright"); plain HTTP otherwise.
# Non-HTTP schemes are off: nothing but http(s) is ever fetched.
DOWNLOAD_HANDLERS = {
    "http": "crawler.browser.handler.MobilePlaywrightHandler",
    "https": "crawler.browser.handler.MobilePlaywrightHandler",
    "file": None,
    "data": None,
    "ftp": None,
    "s3": None,
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_MAX_CONTEXTS = 4
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_ABORT_REQUEST = "crawler.crawling.browser_guard.should_abort"

# Politeness and obstacles: per-platform slots (request.meta["download_slot"] = platform).
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_SLOTS = {
    "jd": {"concurrency": 4, "delay": 0.0},
    "taobao": {"concurrency": 2, "delay": 0.0},
    "pdd": {"concurrency": 2, "delay": 0.0},
    "yhd": {"concurrency": 4, "delay": 0.0},
    "aliexpress": {"concurrency": 3, "delay": 0.0},
    "amazon": {"concurrency": 3, "delay": 0.0},
}
DOWNLOAD_TIMEOUT = 30
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.0
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "surveil"
COOKIES_ENABLED = True
REDIRECT_MAX_TIMES = 5
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.allowlist.AllowListMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.PlatformRobotsTxtMiddleware": 100,
    "crawler.middlewares.identity.MobileIdentityMiddleware": 390,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    "crawler.middlewares.counting.RequestCountingMiddleware": 560,
    "crawler.middlewares.blocks.BlockDetectionMiddleware": 580,
    "crawler.signing.middleware.SigningMiddleware": 590,
    "crawler.middlewares.blocks.BlockRedirectMiddleware": 620,
    "crawler.middlewares.sandbox.SandboxProxyMiddleware": 745,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
}
ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.storage.StoragePipeline": 300,
    "crawler.pipelines.images.ImagesPipeline": 400,
}

# --- the project's own settings ---------------------------------------------------------------
# Which Chromium to drive (None: Playwright's own, else Debian's chromium).
SURVEIL_BROWSER_EXECUTABLE = None
# Seconds one request signature may take in the platform's page (JD h5st, PDD anti_content).
SURVEIL_SIGNING_TIMEOUT = 10.0
# Listings (and sightings) written per transaction.
SURVEIL_BATCH_SIZE = 200
SURVEIL_IMAGES_ENABLED = True
# Cookie file of the bureau's own account per platform, e.g. {"jd": "/etc/surveil/jd-cookies.json"}.
SURVEIL_COOKIE_FILES: dict[str, str] = {}
# Device profile per platform (defaults in crawler/crawling/identity.py).
SURVEIL_DEVICES: dict[str, str] = {}
# Back-off: base and cap in seconds; a Retry-After longer than the limit gives up instead.
SURVEIL_RETRY_BACKOFF_BASE = 0.5
SURVEIL_RETRY_BACKOFF_MAX = 30.0
SURVEIL_RETRY_AFTER_MAX = 120.0
# A spider started alone finishes the run it started; `surveil crawl` finishes its own.
SURVEIL_FINISH_RUN = True
