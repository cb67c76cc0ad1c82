"""Per platform × category bookkeeping during a run: what was fetched, seen, stored, blocked, and which
pages no known layout could read.

The spider and middlewares add to it; the storage pipeline takes the deltas and writes them in the same
transaction as the listings they describe, so a crash never leaves counters and listings disagreeing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from crawler.storage.repositories.runs import COUNTERS

#: Blocked product pages of one category after which the category is blocked (one captcha on one product
#: page only costs that listing its product page).
ITEM_BLOCK_LIMIT = 3


@dataclass
class CategoryProgress:
    pending: int = 0  # search requests in flight for the category
    exhausted: bool = False  # a search term reached its last page before the depth limit
    truncated: bool = False  # the depth or listing limit stopped a term before its last page


@dataclass(kw_only=True)
class Unsaved:
    """What :meth:`CoverageBook.take` hands to the storage pipeline for one transaction."""

    deltas: dict[str, dict[str, int]]  # counter increments per category
    blocks: dict[str, str]  # newly blocked categories, with the reason
    layouts: dict[str, str]  # categories newly ``layout_changed``, with the layout and problems

    def __bool__(self) -> bool:
        return bool(self.deltas or self.blocks or self.layouts)


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
    #: Categories with a page no known layout reads: the first such page's layout and problems.
    layouts: dict[str, str] = field(default_factory=dict)
    unsaved_layouts: dict[str, str] = field(default_factory=dict)
    #: Product pages met with a block, per category (see :data:`ITEM_BLOCK_LIMIT`).
    item_blocks: dict[str, int] = field(default_factory=lambda: defaultdict(int))
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

    def item_block(self, category: str | None, reason: str) -> bool:
        """A product page met a block: counted against that listing; the category is blocked only once
        :data:`ITEM_BLOCK_LIMIT` product pages were. True when that makes the category blocked."""
        if not category:
            return False
        self.item_blocks[category] += 1
        if self.item_blocks[category] < ITEM_BLOCK_LIMIT:
            return False
        return self.block(category, f"{reason} ({self.item_blocks[category]} product pages)")

    def is_blocked(self, category: str | None) -> bool:
        return bool(category) and category in self.blocked

    def layout_changed(self, category: str | None, note: str) -> bool:
        """Count one page no known layout reads; the category is ``layout_changed`` for the run (its
        unseen listings are not marked gone). True the first time for the category."""
        if not category:
            return False
        self.add(category, layout_changed=1)
        if category in self.layouts:
            return False
        self.layouts[category] = note
        self.unsaved_layouts[category] = note
        return True

    def has_changed_layout(self, category: str | None) -> bool:
        return bool(category) and category in self.layouts

    def complete(self, category: str) -> bool:
        """Searched to the end tonight: a term reached its last page, nothing stopped one early, no page
        failed, none was blocked and none was in a changed layout. Only then may the category's listings
        not seen tonight be marked gone."""
        progress = self.progress[category]
        return (
            progress.exhausted
            and not progress.truncated
            and not self.totals[category]["errors"]
            and not self.is_blocked(category)
            and not self.has_changed_layout(category)
        )

    def take(self) -> Unsaved:
        """The counts, blocks and layout notes not yet written, and forget them (they are now the
        caller's to write)."""
        unsaved = Unsaved(
            deltas={cat: dict(vals) for cat, vals in self.deltas.items() if any(vals.values())},
            blocks=dict(self.unsaved_blocks),
            layouts=dict(self.unsaved_layouts),
        )
        self.deltas.clear()
        self.unsaved_blocks.clear()
        self.unsaved_layouts.clear()
        return unsaved

    def give_back(self, unsaved: Unsaved) -> None:
        """Undo :meth:`take` after a failed write, so nothing is lost."""
        for cat, vals in unsaved.deltas.items():
            for name, value in vals.items():
                self.deltas[cat][name] += value
        self.unsaved_blocks.update(unsaved.blocks)
        self.unsaved_layouts.update(unsaved.layouts)

    def requests_total(self) -> int:
        return sum(v["requests"] for v in self.totals.values())

    def seen_total(self) -> int:
        return sum(v["listings_seen"] for v in self.totals.values())
