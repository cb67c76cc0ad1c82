"""Time as a parameter: clocks, UTC normalisation and display in the regulator's zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from crawler.config import DISPLAY_TIMEZONE


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to; for tests and replayed nights."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def __post_init__(self) -> None:
        self.current = ensure_utc(self.current)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        self.current = self.current + delta
        return self.current


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; naive datetimes are refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
    return value.astimezone(UTC)


def to_local(value: datetime, zone: str = DISPLAY_TIMEZONE) -> datetime:
    return ensure_utc(value).astimezone(ZoneInfo(zone))


def format_local(value: datetime | None, zone: str = DISPLAY_TIMEZONE, with_zone: bool = True) -> str:
    if value is None:
        return ""
    local = to_local(value, zone)
    text = local.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text} {local.strftime('%Z') or zone}" if with_zone else text
