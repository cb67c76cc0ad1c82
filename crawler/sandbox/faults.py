"""Named fault profiles, decided by a hash of the request and how often it was asked: predictable, and a
crawler that retries always gets through (an episode lasts one attempt, a 5xx burst up to three)."""

from __future__ import annotations

from collections import OrderedDict

from crawler.sandbox.hashing import h64, unit

#: Faults that hit one request key for one episode (tried in this order of names).
EPISODIC = ("captcha", "ratelimit", "5xx", "slow", "malformed")
#: Faults that are a platform behaviour switched on: tokens that expire, one-time tokens, limits, sessions.
BEHAVIOURAL = ("token_expiry", "anti_content", "limit_page", "session_expiry")
PROFILES = EPISODIC + BEHAVIOURAL


class FaultError(ValueError):
    pass


def parse_profiles(text: str | None) -> frozenset[str]:
    """``"ratelimit,5xx"`` or ``"all"`` -> the set of profile names; unknown names are refused."""
    if not text:
        return frozenset()
    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    if "all" in names:
        return frozenset(PROFILES)
    unknown = sorted(names - set(PROFILES))
    if unknown:
        raise FaultError(f"unknown fault profile(s): {', '.join(unknown)}; known: {', '.join(PROFILES)}, all")
    return frozenset(names)


def burst_length(seed: int, key: str) -> int:
    return 1 + h64(seed, "fault-burst", key) % 3


def decide(seed: int, active: frozenset[str], key: str, attempt: int, rate: float) -> str | None:
    """The fault (if any) for the ``attempt``-th request (from 0) with this key."""
    kinds = [k for k in EPISODIC if k in active]
    if not kinds or unit(seed, "fault", key) >= rate:
        return None
    kind = kinds[h64(seed, "fault-kind", key) % len(kinds)]
    length = burst_length(seed, key) if kind == "5xx" else 1
    return kind if attempt < length else None


class AttemptCounter:
    """How often each request key was asked (bounded: the oldest keys are forgotten)."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._counts: OrderedDict[str, int] = OrderedDict()

    def next(self, key: str) -> int:
        count = self._counts.pop(key, 0)
        self._counts[key] = count + 1
        if len(self._counts) > self.limit:
            self._counts.popitem(last=False)
        return count


class UseCounter(AttemptCounter):
    """Uses of a token or session; same bounded store."""
