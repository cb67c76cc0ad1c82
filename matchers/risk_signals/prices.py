"""Robust price statistics: the median and median absolute deviation of comparable listings."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from matchers.risk_signals.findings import Finding

MIN_PEERS = 5
MAX_RATIO = 0.25
MIN_ROBUST_Z = 3.0
#: Peers whose prices spread wider than this (scaled MAD over median) are not comparable goods.
MAX_SPREAD = 0.5


@dataclass(frozen=True)
class PriceStats:
    median: float
    mad: float
    n: int


def robust_stats(prices: list[float | None]) -> PriceStats | None:
    """Median and MAD of the known, positive prices (None when there are none)."""
    values = [float(p) for p in prices if p is not None and float(p) > 0]
    if not values:
        return None
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    return PriceStats(median=median, mad=mad, n=len(values))


def price_anomaly(
    price: float | None,
    peers: list[float | None],
    group: str,
    min_peers: int = MIN_PEERS,
    max_ratio: float = MAX_RATIO,
    min_z: float = MIN_ROBUST_Z,
    max_spread: float = MAX_SPREAD,
) -> Finding | None:
    """A finding when ``price`` is far below the robust median of ``peers`` (the listing itself excluded
    by the caller): at most ``max_ratio`` of the median and at least ``min_z`` scaled MADs below it.
    Unknown or masked prices (None) are never used, on either side; peers spread wider than
    ``max_spread`` (scaled MAD over median) are not taken as comparable."""
    if price is None or price <= 0:
        return None
    stats = robust_stats(peers)
    if stats is None or stats.n < min_peers or stats.median <= 0:
        return None
    ratio = price / stats.median
    scale = 1.4826 * stats.mad
    if scale / stats.median > max_spread:
        return None
    z = (stats.median - price) / scale if scale > 0 else float("inf")
    if ratio > max_ratio or z < min_z:
        return None
    strength = min(1.0, 0.5 + (max_ratio - ratio) / max_ratio * 0.5)
    reason = (
        f"price {price:.2f} is {ratio:.0%} of the median {stats.median:.2f} of {stats.n} comparable listings"
        f" ({group}; MAD {stats.mad:.2f}, {min(z, 99):.1f} MADs below)"
    )
    return Finding(
        kind="price",
        subject=f"price:{group}",
        strength=round(strength, 3),
        reasons=[reason],
        details={
            "median": stats.median,
            "mad": stats.mad,
            "n": stats.n,
            "ratio": round(ratio, 4),
            "group": group,
        },
    )
