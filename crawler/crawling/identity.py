"""A platform session's identity: one mobile device profile, its headers, and the bureau's cookies.

Cookie values are secrets of the bureau's platform accounts: they are registered with
:class:`SecretRedactor` so that no log line ever shows them, and they never enter items or exports.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from http.cookiejar import MozillaCookieJar
from pathlib import Path
from typing import Any

from crawler.browser.devices import DeviceProfile

#: Device profile per platform: each platform always sees the same phone.
PLATFORM_DEVICES = {
    "jd": "iPhone 13",
    "taobao": "iPhone 13",
    "pdd": "Pixel 7",
    "yhd": "Pixel 7",
    "aliexpress": "Pixel 7",
    "amazon": "iPhone 13",
}
#: The page a platform's H5 app sends as Referer.
PLATFORM_REFERERS = {
    "jd": "https://so.m.jd.com/",
    "taobao": "https://h5.m.taobao.com/",
    "pdd": "https://mobile.yangkeduo.com/",
    "yhd": "https://m.yhd.com/",
    "aliexpress": "https://m.aliexpress.com/",
    "amazon": "https://www.amazon.com/",
}
LANGUAGES = {"zh": "zh-CN,zh;q=0.9", "en": "en-US,en;q=0.9"}


class CookieFileError(ValueError):
    pass


def read_cookie_file(path: Path) -> dict[str, str]:
    """Cookies from a JSON file (``{"name": "value"}`` or a browser export list) or Netscape cookies.txt."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise CookieFileError(f"cookie file {path}: {exc.strerror or exc}") from exc
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            raise CookieFileError(f"cookie file {path}: not valid JSON") from exc
        if isinstance(data, dict):
            return {str(k): str(v) for k, v in data.items()}
        return {
            str(c["name"]): str(c["value"])
            for c in data
            if isinstance(c, dict) and "name" in c and "value" in c
        }
    jar = MozillaCookieJar()
    try:
        jar.load(str(path), ignore_discard=True, ignore_expires=True)
    except (OSError, ValueError) as exc:
        raise CookieFileError(f"cookie file {path}: neither JSON nor Netscape cookies.txt") from exc
    return {c.name: c.value or "" for c in jar}


class SecretRedactor(logging.Filter):
    """Replaces registered secret strings in every log record that passes through it."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, *values: str) -> None:
        self.secrets.update(v for v in values if v and len(v) >= 4)

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            redacted = self.redact(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True

    def install(self) -> None:
        root = logging.getLogger()
        if self not in root.filters:
            root.addFilter(self)
        for handler in root.handlers:
            if self not in handler.filters:
                handler.addFilter(self)

    def uninstall(self) -> None:
        root = logging.getLogger()
        root.removeFilter(self)
        for handler in root.handlers:
            handler.removeFilter(self)


@dataclass
class PlatformSession:
    """What one platform sees of us during a run: the same device, headers and cookies throughout."""

    platform: str
    device: DeviceProfile
    language: str = "zh"
    cookies: dict[str, str] = field(default_factory=dict)
    cookie_file: str | None = None
    logged_in: bool = False

    def headers(self) -> dict[str, str]:
        headers = self.device.headers(LANGUAGES.get(self.language, LANGUAGES["zh"]))
        referer = PLATFORM_REFERERS.get(self.platform)
        if referer:
            headers["Referer"] = referer
        if self.platform == "jd":
            headers["X-Requested-With"] = "XMLHttpRequest"
            headers["x-rp-client"] = "h5_1.0.0"
        return headers

    def browser_context_kwargs(self, proxy: str | None = None) -> dict[str, Any]:
        locale = "zh-CN" if self.language == "zh" else "en-US"
        kwargs = self.device.context_kwargs(locale=locale)
        if proxy:
            kwargs["proxy"] = {"server": proxy}
        return kwargs

    def describe(self) -> str:
        """For logs and reports: never the cookie values."""
        account = (
            f"logged in via {Path(self.cookie_file).name}"
            if self.logged_in and self.cookie_file
            else "anonymous"
        )
        return f"{self.platform}: {self.device.name}, {account}"


def open_session(
    platform: str,
    language: str,
    device: DeviceProfile,
    cookie_file: str | None,
    redactor: SecretRedactor | None = None,
) -> PlatformSession:
    cookies: dict[str, str] = {}
    if cookie_file:
        cookies = read_cookie_file(Path(cookie_file))
        if redactor is not None:
            redactor.add(*cookies.values())
    return PlatformSession(
        platform=platform,
        device=device,
        language=language,
        cookies=cookies,
        cookie_file=cookie_file,
        logged_in=bool(cookies),
    )
