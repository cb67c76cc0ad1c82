"""What a sandbox run is: everything served follows from these values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PLATFORMS = ("jd", "taobao", "pdd", "yhd", "aliexpress", "amazon", "ocj")
ENGLISH_PLATFORMS = ("aliexpress", "amazon")


@dataclass(frozen=True)
class SandboxConfig:
    seed: int = 1
    size: int = 3000
    """Listings per platform on night 0."""
    night: int = 0
    faults: frozenset[str] = field(default_factory=frozenset)
    layouts: str = "jd:searchm"
    """With the ``layout`` fault profile: ``platform:layout,...``, the search layout each named platform
    switches to from ``layout_night`` on (``unknown``: a shape no page object knows; see ``faults``)."""
    layout_night: int = 1
    references: str | Path | None = "auto"
    """"shipped", a shared-data directory, or "auto" (the shared data when present, else shipped)."""
    block: int = 20
    """Each run of ``block`` search slots of a category holds one planted match and two near misses."""
    growth_per_night: float = 0.04
    takedown_rate: float = 0.03
    takedown_rate_match: float = 0.15
    change_rate: float = 0.12
    """Share of listings that change on a night: always the price, with ``retitle_share`` of them the
    title's wording too (the rest are price-only changes, which search pages show in full)."""
    retitle_share: float = 0.25
    relist_rate: float = 0.35
    fault_rate: float = 0.08
    """Share of requests that meet a fault episode when fault profiles are on."""
    slow_seconds: float = 3.0
    limit_per_minute: int = 140
    token_uses: int = 40
    """Requests one mtop token serves before it expires (fault profile token_expiry)."""
    session_uses: int = 200
    """Requests one minted session serves before it expires (fault profile session_expiry)."""
    hostile: bool = False
    """Listings carry injection payloads in titles, shop names and specifications (see ``hostile``)."""
    hostile_share: float = 0.5
    """Share of listings that carry payloads when ``hostile`` is on."""
    traps: bool = True
    """Plant the marketplace's traps in plain slots: accessories and spare parts for planted models,
    white-label and same-brand other products, and true listings written oddly (traditional characters,
    re-typed model codes, edited photos, English entries under Chinese titles); see ``content.TRAPS``."""
    signals: bool = False
    """Plant risk-signal cases (cancelled licence, missing CCC, fake licensed goods, blacklisted maker,
    underpriced copy) in plain listings; see ``signal_cases``."""

    @property
    def growth(self) -> int:
        return max(1, int(self.size * self.growth_per_night))

    def count(self, night: int | None = None) -> int:
        """How many listing indexes exist (alive or not) by ``night``."""
        n = self.night if night is None else night
        return self.size + max(0, n) * self.growth

    def born(self, index: int) -> int:
        if index < self.size:
            return 0
        return (index - self.size) // self.growth + 1
