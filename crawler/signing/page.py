"""One browser page of a platform, opened once and reused for every signature of a crawl.

Opening a page costs a navigation (hundreds of ms); calling the platform's script in an open page costs a
few ms. So the page is opened on the first signature, kept, and opened again only when it has died
(closed, crashed) or was dropped with :meth:`forget` (a signature the platform refused: the page's
script may be out of date); a page that fails to load, or does not answer in time, is tried once more
on a new page. Every call is bounded by a timeout; every failure is :class:`SigningFailed`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from crawler.signing.base import SigningFailed

#: Playwright's words for a page that is gone: opened again once, then the failure stands.
_DEAD = ("closed", "crashed", "Target page", "detached", "destroyed")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


class SigningPage:
    """``open_page`` opens and loads the platform's page (returns it ready); ``timeout`` bounds each
    signature and ``open_timeout`` each opening, in seconds."""

    def __init__(
        self, open_page: Callable[[], Awaitable[Page]], timeout: float = 5.0, open_timeout: float = 90.0
    ) -> None:
        self.open_page = open_page
        self.timeout = timeout
        self.open_timeout = open_timeout
        self.page: Page | None = None
        self.opened = 0
        self._lock = asyncio.Lock()
        self._crashed = False

    async def evaluate(self, script: str, arg: Any) -> Any:
        """``script`` (a JavaScript function) called with ``arg`` in the page."""
        for attempt in (0, 1):
            page = await self._current()
            try:
                return await asyncio.wait_for(page.evaluate(script, arg), self.timeout)
            except TimeoutError as exc:
                self.forget()  # a stuck page (or a stalled machine): once more, on a new page
                if attempt == 0:
                    continue
                raise SigningFailed(
                    f"the page's signing code did not answer within {self.timeout:g} s, twice"
                ) from exc
            except PlaywrightError as exc:
                dead = self._crashed or page.is_closed() or any(word in str(exc) for word in _DEAD)
                if dead and attempt == 0:
                    self.forget()
                    continue
                raise SigningFailed(f"the page's signing code failed: {_first_line(exc)}") from exc
        raise SigningFailed("the signing page died twice")

    async def _current(self) -> Page:
        async with self._lock:
            if self.page is not None and not self.page.is_closed() and not self._crashed:
                return self.page
            self.forget()
            try:
                page = await self._open()
            except SigningFailed:  # a page that failed to load (a timeout on a busy machine): once more
                page = await self._open()
            self._crashed = False
            page.on("crash", self._on_crash)
            self.page = page
            self.opened += 1
            return page

    async def _open(self) -> Page:
        try:
            return await asyncio.wait_for(self.open_page(), self.open_timeout)
        except SigningFailed:
            raise
        except TimeoutError as exc:
            raise SigningFailed(f"the signing page did not load within {self.open_timeout:g} s") from exc
        except Exception as exc:  # noqa: BLE001 - any failure to open is reported as signing
            raise SigningFailed(f"the signing page could not be opened: {_first_line(exc)}") from exc

    def _on_crash(self, *_: Any) -> None:
        self._crashed = True

    def forget(self) -> None:
        """Drop the page; the next signature opens a new one (the old one is closed in the background)."""
        page, self.page = self.page, None
        if page is not None and not page.is_closed():
            asyncio.ensure_future(_close_quietly(page))  # noqa: RUF006 - nothing waits on a dropped page

    async def close(self) -> None:
        page, self.page = self.page, None
        if page is not None:
            await _close_quietly(page)


async def _close_quietly(page: Page) -> None:
    with contextlib.suppress(PlaywrightError):
        await page.close()
