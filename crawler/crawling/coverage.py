"""Per platform × category bookkeeping during a run: what was fetched, seen, stored, blocked.

The spider and middlewares add to it; the storage pipeline takes the deltas and writes them in the same
transaction as the listings they describe, so a crash never leaves counters and listings disagreeing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

COUNTERS = ("requests", "pages_fetched", "listings_seen", "new", "changed", "gone", "errors")


@dataclass
class CategoryProgress:
    pending: int = 0  # search requests in flight for the category
    exhausted: bool = False  # a search term reached its last page before the depth limit
    truncated: bool = False  # the depth or listing limit stopped a term before its last page


@dataclass
class CoverageBook:
    platform: str
    deltas: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    )
    totals: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    )
    blocked: dict[str, str] = field(default_factory=dict)
    unsaved_blocks: dict[str, str] = field(default_factory=dict)
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    progress: dict[str, CategoryProgress] = field(default_factory=lambda: defaultdict(CategoryProgress))

    def add(self, category: str | None, **counts: int) -> None:
        if not category:
            return
        for name, value in counts.items():
            if name not in COUNTERS:
                raise ValueError(f"unknown counter {name!r}")
            self.deltas[category][name] += value
            self.totals[category][name] += value

    def saw(self, category: str | None, item_id: str) -> bool:
        """Count a listing seen on a search page once per category; True when first seen."""
        if not category or item_id in self.seen[category]:
            return False
        self.seen[category].add(item_id)
        self.add(category, listings_seen=1)
        return True

    def block(self, category: str | None, reason: str) -> bool:
        """Mark the category blocked for this run; True the first time."""
        if not category or category in self.blocked:
            return False
        self.blocked[category] = reason
        self.unsaved_blocks[category] = reason
        return True

    def is_blocked(self, category: str | None) -> bool:
        return bool(category) and category in self.blocked

    def take(self) -> tuple[dict[str, dict[str, int]], dict[str, str]]:
        """The counts and blocks not yet written, and forget them (they are now the caller's to write)."""
        deltas = {cat: dict(vals) for cat, vals in self.deltas.items() if any(vals.values())}
        blocks = dict(self.unsaved_blocks)
        self.deltas.clear()
        self.unsaved_blocks.clear()
        return deltas, blocks

    def give_back(self, deltas: dict[str, dict[str, int]], blocks: dict[str, str]) -> None:
        """Undo :meth:`take` after a failed write, so nothing is lost."""
        for cat, vals in deltas.items():
            for name, value in vals.items():
                self.deltas[cat][name] += value
        self.unsaved_blocks.update(blocks)

    def requests_total(self) -> int:
        return sum(v["requests"] for v in self.totals.values())

    def seen_total(self) -> int:
        return sum(v["listings_seen"] for v in self.totals.values())
