"""Capture one page in the mobile browser: full-page screenshot, rendered HTML, every HTTP exchange.

Every request the page makes is intercepted (``page.route``) and fetched by Playwright itself
(``route.fetch``) through the browser context, then handed back to the page (``route.fulfill``). So the
bytes stored in the WARC are exactly the bytes the page rendered, bodies included, and the request
headers are the browser's own. In sandbox mode the context uses the sandbox as its HTTP proxy and
``https://`` URLs are fetched as ``http://`` (the page still sees the real URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from crawler.browser.devices import DeviceProfile
from crawler.browser.launch import launch_options
from crawler.evidence.exchanges import Exchange
from crawler.timeutil import Clock

NAVIGATION_TIMEOUT_MS = 30_000
SETTLE_TIMEOUT_MS = 5_000
PHOTO_TIMEOUT_MS = 15_000
#: A page that fails its content checks is looked at again: first scrolled through (lazy loading) with
#: a longer wait for the platform's ready element, then loaded afresh with longer waits.
MAX_ATTEMPTS = 3
SCROLL_STEP_PX = 600
SCROLL_PAUSE_MS = 150
MAX_PHOTOS = 20
MAX_REDIRECTS = 10
REDIRECTS = {301, 302, 303, 307, 308}


#: Headers that belong to one connection, not to the request or response.
HOP_HEADERS = {"host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "content-length"}
#: Response headers the browser must not see again: the body handed over is already decoded.
UNFULFILLABLE = {"content-encoding", "transfer-encoding", "content-length", "connection", "keep-alive"}


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {text}".rstrip(": ")


def _merge_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        merged[key] = (
            f"{merged[key]}\n{value}"
            if key in merged and key == "set-cookie"
            else (f"{merged[key]}, {value}" if key in merged else value)
        )
    return merged


def _multidict(headers: list[tuple[str, str]]) -> Any:
    from multidict import CIMultiDict

    return CIMultiDict(headers)


def rewrite_for_proxy(url: str, proxy: str | None) -> str:
    """In sandbox mode the real ``https://`` URL is fetched as ``http://`` through the proxy."""
    if proxy and url.startswith("https://"):
        return "http://" + url[len("https://") :]
    return url


@dataclass
class Photo:
    url: str
    body: bytes = b""
    mime: str = ""
    error: str | None = None

    @property
    def extension(self) -> str:
        ext = mimetypes.guess_extension(self.mime or "") or ".bin"
        return {".jpe": ".jpg", ".jpeg": ".jpg"}.get(ext, ext)


@dataclass
class PageCapture:
    requested_url: str
    fetched_url: str
    final_url: str = ""
    document_url: str = ""
    status: int | None = None
    title: str = ""
    screenshot: bytes | None = None
    html: str | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    browser_version: str = ""
    problems: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    #: The content check of the last attempt (``crawler.evidence.checks.CheckResult``) and what the
    #: earlier attempts found.
    check: Any = None
    retries: list[str] = field(default_factory=list)


class BrowserCapturer:
    """One Chromium for a batch of captures; each capture gets its own context and page, closed after."""

    def __init__(
        self,
        profile: DeviceProfile,
        clock: Clock,
        *,
        executable: str | None = None,
        proxy: str | None = None,
        navigation_timeout_ms: int = NAVIGATION_TIMEOUT_MS,
        settle_timeout_ms: int = SETTLE_TIMEOUT_MS,
    ) -> None:
        self.profile = profile
        self.clock = clock
        self.executable = executable
        self.proxy = proxy
        self.navigation_timeout_ms = navigation_timeout_ms
        self.settle_timeout_ms = settle_timeout_ms
        self._playwright: Any = None
        self._browser: Any = None
        self._http: Any = None

    async def __aenter__(self) -> BrowserCapturer:
        from playwright.async_api import async_playwright

        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._playwright.chromium.launch(**launch_options(self.executable))
        except BaseException:
            await self._playwright.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._http is not None:
                await self._http.close()
            if self._browser is not None:
                await self._browser.close()
        finally:
            await self._playwright.stop()

    async def capture(
        self,
        url: str,
        photo_urls: Sequence[str] = (),
        *,
        check: Callable[[PageCapture], Any] | None = None,
        ready_selector: str | None = None,
    ) -> PageCapture:
        """Capture ``url``; with ``check`` (a page -> ``CheckResult`` function) a page that does not show
        what it should is retried (scrolled, the ``ready_selector`` awaited, then loaded again)."""
        result = PageCapture(
            requested_url=url, fetched_url=rewrite_for_proxy(url, self.proxy), started_at=self.clock.now()
        )
        result.browser_version = f"Chromium {self._browser.version}"
        kwargs = self.profile.context_kwargs()
        if self.proxy:
            # Every request is fulfilled from _send, which uses the proxy; the setting keeps any
            # request that escapes interception (e.g. a service worker) off the real network too.
            kwargs["proxy"] = {"server": self.proxy}
        context = await self._browser.new_context(**kwargs)
        try:
            page = await context.new_page()
            try:
                await page.route("**/*", lambda route: self._intercept(route, result))
                await self._load(page, url, result)
                if check is not None:
                    await self._until_shown(page, url, result, check, ready_selector)
                await self._photos(context, photo_urls, result)
            finally:
                await page.close()
        finally:
            await context.close()
        return result

    async def _intercept(self, route: Any, result: PageCapture) -> None:
        request = route.request
        exchange = Exchange(
            url=request.url,
            fetched_url=rewrite_for_proxy(request.url, self.proxy),
            method=request.method,
            request_headers=[],
            started_at=self.clock.now(),
            resource_type=request.resource_type,
        )
        result.exchanges.append(exchange)
        try:
            exchange.request_headers = [(h["name"], h["value"]) for h in await request.headers_array()]
            exchange.request_body = request.post_data_buffer or b""
            await self._send(exchange)
            for _hop in range(MAX_REDIRECTS):
                location = exchange.header("location")
                if exchange.status not in REDIRECTS or not location:
                    break
                exchange = self._follow(exchange, urljoin(exchange.url, location))
                result.exchanges.append(exchange)
                await self._send(exchange)
            if request.is_navigation_request() and request.frame == request.frame.page.main_frame:
                result.document_url = exchange.url
            headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in UNFULFILLABLE]
            await route.fulfill(status=exchange.status, headers=_merge_headers(headers), body=exchange.body)
        except Exception as exc:  # noqa: BLE001 - a failed subresource is recorded, not fatal
            exchange.error = exchange.error or _describe(exc)
            result.problems.append(f"{request.method} {request.url}: {exchange.error}")
            with contextlib.suppress(Exception):  # the page may be gone already
                await route.abort()

    def _follow(self, previous: Exchange, url: str) -> Exchange:
        keep_method = previous.status in (307, 308)
        headers = [(k, v) for k, v in previous.request_headers if keep_method or k.lower() != "content-type"]
        return Exchange(
            url=url,
            fetched_url=rewrite_for_proxy(url, self.proxy),
            method=previous.method if keep_method else "GET",
            request_headers=headers,
            request_body=previous.request_body if keep_method else b"",
            started_at=self.clock.now(),
            resource_type=previous.resource_type,
        )

    async def _send(self, exchange: Exchange) -> None:
        """Send the browser's request over HTTP (through the sandbox proxy in sandbox mode)."""
        http = await self._session()
        headers = [(k, v) for k, v in exchange.request_headers if k.lower() not in HOP_HEADERS]
        try:
            async with http.request(
                exchange.method,
                exchange.fetched_url,
                headers=_multidict(headers),
                data=exchange.request_body or None,
                proxy=self.proxy,
                allow_redirects=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
            ) as response:
                exchange.status = response.status
                exchange.reason = response.reason or ""
                exchange.response_headers = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers
                ]
                exchange.body = await response.read()
        except Exception as exc:
            exchange.error = _describe(exc)
            raise

    async def _session(self) -> Any:
        import aiohttp

        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.navigation_timeout_ms / 1000),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._http

    async def _load(self, page: Any, url: str, result: PageCapture) -> None:
        try:
            response = await page.goto(url, wait_until="load", timeout=self.navigation_timeout_ms)
        except Exception as exc:  # noqa: BLE001
            result.problems.append(f"page did not load: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
            response = None
        if response is not None:
            result.status = response.status
        try:
            await page.wait_for_load_state("networkidle", timeout=self.settle_timeout_ms)
        except Exception:  # noqa: BLE001 - a page that never goes quiet is still captured
            result.problems.append(f"network still busy after {self.settle_timeout_ms} ms")
        await self._snapshot(page, result)

    async def _until_shown(
        self,
        page: Any,
        url: str,
        result: PageCapture,
        check: Callable[[PageCapture], Any],
        ready_selector: str | None,
    ) -> None:
        outcome = check(result)
        attempts = 1
        for attempt in range(2, MAX_ATTEMPTS + 1):
            if not outcome.findings or not outcome.retryable:
                break
            attempts = attempt
            result.retries.append(f"attempt {attempt - 1}: {outcome.detail()}")
            wait_ms = self.settle_timeout_ms * attempt
            if attempt > 2:
                with contextlib.suppress(Exception):  # a failed reload is seen by the next check
                    await page.goto(url, wait_until="load", timeout=self.navigation_timeout_ms)
            await self._scroll_through(page)
            if ready_selector:
                try:
                    await page.wait_for_selector(ready_selector, state="visible", timeout=wait_ms)
                except Exception:  # noqa: BLE001 - recorded by the check that follows
                    result.retries.append(
                        f"attempt {attempt}: '{ready_selector}' did not appear in {wait_ms} ms"
                    )
            with contextlib.suppress(Exception):
                await page.wait_for_load_state("networkidle", timeout=wait_ms)
            await page.wait_for_timeout(250 * attempt)
            with contextlib.suppress(Exception):
                await page.evaluate("window.scrollTo(0, 0)")
            await self._snapshot(page, result)
            outcome = check(result)
        outcome.attempts = attempts
        result.check = outcome

    async def _scroll_through(self, page: Any) -> None:
        """Scroll to the bottom in steps, so lazily loaded parts of the page are fetched and drawn."""
        with contextlib.suppress(Exception):
            height = await page.evaluate("document.documentElement.scrollHeight")
            for y in range(0, int(height or 0) + SCROLL_STEP_PX, SCROLL_STEP_PX):
                await page.evaluate(f"window.scrollTo(0, {y})")
                await page.wait_for_timeout(SCROLL_PAUSE_MS)

    async def _snapshot(self, page: Any, result: PageCapture) -> None:
        result.final_url = result.document_url or page.url
        try:
            result.title = await page.title()
            result.html = await page.content()
            result.screenshot = await page.screenshot(full_page=True, type="png", animations="disabled")
        except Exception as exc:  # noqa: BLE001
            result.problems.append(f"page not rendered: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")

    async def _photos(self, context: Any, photo_urls: Sequence[str], result: PageCapture) -> None:
        loaded = {e.url: e for e in result.exchanges if e.status == 200 and e.body}
        for url in list(dict.fromkeys(u for u in photo_urls if u))[:MAX_PHOTOS]:
            photo = Photo(url=url)
            result.photos.append(photo)
            exchange = loaded.get(url)
            if exchange is None:
                exchange = await self._fetch(context, url)
                result.exchanges.append(exchange)
            if exchange.error or exchange.status != 200:
                photo.error = exchange.error or f"HTTP {exchange.status}"
                result.problems.append(f"photo {url}: {photo.error}")
                continue
            photo.body = exchange.body
            photo.mime = exchange.mime

    async def _fetch(self, context: Any, url: str) -> Exchange:
        headers = self.profile.headers()
        headers["Accept"] = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
        exchange = Exchange(
            url=url,
            fetched_url=rewrite_for_proxy(url, self.proxy),
            method="GET",
            request_headers=list(headers.items()),
            started_at=self.clock.now(),
            resource_type="image",
        )
        with contextlib.suppress(Exception):  # the error is on the exchange
            await self._send(exchange)
        return exchange


def run_coroutine(coro: Any) -> Any:
    """Run ``coro`` to completion, in a thread of its own when the caller already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import threading

    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=work, name="evidence-capture")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
