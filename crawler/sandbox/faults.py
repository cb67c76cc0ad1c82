"""Named fault profiles, decided by a hash of the request and how often it was asked: predictable, and a
crawler that retries always gets through (an episode lasts one attempt, a 5xx burst up to three).

The ``layout`` profile is a switch of another kind: from ``SandboxConfig.layout_night`` on, the platforms
named in ``SandboxConfig.layouts`` serve their search results in another layout, a real later generation
(``jd:searchm``, the mobile ``searchm`` JSONP) or one no page object knows (``jd:unknown``). A retry does
not get through it; only a page object that reads the new layout does. It is not part of ``all``, which
names the faults a crawl must get through as it is.
"""

from __future__ import annotations

from collections import OrderedDict

from crawler.sandbox.hashing import h64, unit

#: Faults that hit one request key for one episode (tried in this order of names).
EPISODIC = ("captcha", "ratelimit", "5xx", "slow", "malformed")
#: Faults that are a platform behaviour switched on: tokens that expire, one-time tokens, limits, sessions.
BEHAVIOURAL = ("token_expiry", "anti_content", "limit_page", "session_expiry")
#: Switches of what the platform serves from a given night on (see the module's docstring).
SWITCHES = ("layout",)
PROFILES = EPISODIC + BEHAVIOURAL + SWITCHES
#: The search layouts each platform can switch to under the ``layout`` profile.
LAYOUTS = {"jd": ("searchm", "unknown")}


class FaultError(ValueError):
    pass


def parse_profiles(text: str | None) -> frozenset[str]:
    """``"ratelimit,5xx"`` or ``"all"`` -> the set of profile names; unknown names are refused."""
    if not text:
        return frozenset()
    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    if "all" in names:
        names = (names - {"all"}) | set(EPISODIC + BEHAVIOURAL)
    unknown = sorted(names - set(PROFILES))
    if unknown:
        raise FaultError(f"unknown fault profile(s): {', '.join(unknown)}; known: {', '.join(PROFILES)}, all")
    return frozenset(names)


def parse_layouts(text: str) -> dict[str, str]:
    """``"jd:searchm"`` -> ``{platform: layout}``; unknown platforms or layouts are refused."""
    layouts: dict[str, str] = {}
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        platform, _, layout = part.partition(":")
        platform, layout = platform.strip().lower(), layout.strip().lower()
        if layout not in LAYOUTS.get(platform, ()):
            known = "; ".join(p + ": " + ", ".join(names) for p, names in LAYOUTS.items())
            raise FaultError(f"unknown layout switch {part!r}; known: {known}")
        layouts[platform] = layout
    return layouts


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
