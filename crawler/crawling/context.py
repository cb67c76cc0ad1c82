"""The crawl's view of the system, built from Scrapy settings when a crawler starts (never at import)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawler.config import load_settings
from crawler.context import AppContext
from crawler.timeutil import Clock, FixedClock, SystemClock


def clock_from(settings: Any) -> Clock:
    """``SURVEIL_NOW`` (ISO time with zone) pins the clock, for replayed nights and tests."""
    pinned = settings.get("SURVEIL_NOW")
    if pinned:
        return FixedClock(datetime.fromisoformat(pinned))
    return SystemClock()


def context_from(settings: Any) -> AppContext:
    overrides: dict[str, Any] = {}
    for name in ("database_url", "data_dir", "sandbox_url", "browser_executable"):
        value = settings.get(f"SURVEIL_{name.upper()}")
        if value:
            overrides[name] = value
    return AppContext(settings=load_settings(**overrides), clock=clock_from(settings))
