from datetime import UTC, datetime, timedelta

import pytest

from crawler.timeutil import FixedClock, ensure_utc, format_local


def test_display_is_asia_shanghai():
    assert format_local(datetime(2026, 11, 20, 18, 0, tzinfo=UTC)) == "2026-11-21 02:00:00 CST"


def test_fixed_clock_moves_only_when_told():
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == clock.now()
    assert clock.advance(timedelta(hours=1)) == datetime(2026, 1, 1, 1, tzinfo=UTC)


def test_naive_is_refused():
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 1, 1))
