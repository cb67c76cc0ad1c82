"""Mobile device profiles from Playwright's own device list (user agent, viewport, scale, touch)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

DEFAULT_DEVICE = "Pixel 7"


@dataclass(frozen=True)
class DeviceProfile:
    name: str
    user_agent: str
    viewport: dict[str, int]
    device_scale_factor: float
    is_mobile: bool
    has_touch: bool

    def context_kwargs(self, locale: str = "zh-CN", timezone_id: str = "Asia/Shanghai") -> dict[str, Any]:
        """Keyword arguments for ``browser.new_context`` that emulate this device."""
        return {
            "user_agent": self.user_agent,
            "viewport": dict(self.viewport),
            "device_scale_factor": self.device_scale_factor,
            "is_mobile": self.is_mobile,
            "has_touch": self.has_touch,
            "locale": locale,
            "timezone_id": timezone_id,
        }

    def headers(self, accept_language: str = "zh-CN,zh;q=0.9") -> dict[str, str]:
        """The same identity on plain HTTP requests, so browser and non-browser traffic agree."""
        platform = '"iOS"' if "iPhone" in self.user_agent or "iPad" in self.user_agent else '"Android"'
        return {
            "User-Agent": self.user_agent,
            "Accept-Language": accept_language,
            "sec-ch-ua-mobile": "?1" if self.is_mobile else "?0",
            "sec-ch-ua-platform": platform,
        }


def _read_devices() -> dict[str, dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {}
    error: list[BaseException] = []

    def work() -> None:
        # Playwright's sync API refuses a thread with a running event loop (Scrapy's reactor thread),
        # so the device list is read in a thread of its own.
        try:
            with sync_playwright() as pw:
                result.update(pw.devices)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=work, name="playwright-devices")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result


@lru_cache(maxsize=1)
def playwright_devices() -> dict[str, dict[str, Any]]:
    return _read_devices()


def device_profile(name: str = DEFAULT_DEVICE) -> DeviceProfile:
    devices = playwright_devices()
    if name not in devices:
        mobile = sorted(n for n, d in devices.items() if d.get("is_mobile") and "landscape" not in n)
        raise KeyError(f"unknown device {name!r}; mobile devices include: {', '.join(mobile[:15])} …")
    d = devices[name]
    return DeviceProfile(
        name=name,
        user_agent=d["user_agent"],
        viewport=dict(d["viewport"]),
        device_scale_factor=float(d["device_scale_factor"]),
        is_mobile=bool(d["is_mobile"]),
        has_touch=bool(d["has_touch"]),
    )
