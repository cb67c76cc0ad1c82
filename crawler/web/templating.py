"""Jinja2 set up so that scraped text is always escaped: autoescape everywhere, no raw-HTML filters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from crawler.timeutil import format_local

SAFE_SCHEMES = ("http", "https")


def http_url(value: object) -> str | None:
    """``value`` if it is an absolute http(s) URL, else ``None`` (shown as text, never as a link)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if any(ord(ch) < 0x20 for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    return text


def money(price: Decimal | None, currency: str = "CNY") -> str:
    if price is None:
        return "—"
    symbol = {"CNY": "¥", "USD": "$", "EUR": "€"}.get(currency, f"{currency} ")
    return f"{symbol}{price:,.2f}"


def make_environment(zone: str) -> Environment:
    env = Environment(
        loader=PackageLoader("crawler.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def local(value: datetime | None, seconds: bool = False) -> str:
        text = format_local(value, zone, with_zone=False)
        return text if seconds else text[:16]

    def query(params: dict[str, Any], **changes: Any) -> str:
        merged = {**params, **changes}
        return urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    env.filters["local"] = local
    env.filters["money"] = money
    env.filters["http_url"] = http_url
    env.globals["query"] = query
    return env
