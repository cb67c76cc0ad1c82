"""Kept responses read again with today's page objects (``surveil pages replay RUN``).

Each kept response (``crawling.keep``) goes through :func:`crawler.pages.outcome.read_page`, the same
reading the crawl does: block recognition first, then the platform's page object, and a search page with
no rows and no word from the page that it has none is a changed layout. The answer per page is a
:class:`~crawler.pages.base.PageOutcome`, or ``unreadable`` for a response that could not be read at all
(truncated, malformed) as opposed to one in a shape no layout knows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.crawling.keep import KeptPage
from crawler.pages.base import PageOutcome
from crawler.pages.outcome import read_page

#: Replayed outcome of a response that could not be read at all.
UNREADABLE = "unreadable"
#: Outcomes that make ``surveil pages replay`` exit non-zero: the page still does not read.
FAILING = frozenset({str(PageOutcome.LAYOUT_CHANGED), UNREADABLE})


@dataclass(frozen=True, kw_only=True)
class Replayed:
    page: KeptPage
    outcome: str  # a PageOutcome value, or UNREADABLE
    layout: str  # the layout today's page object names ("" when none)
    problem: str = ""


def replay_page(kept: KeptPage) -> Replayed:
    result = read_page(
        kept.platform,
        kept.kind,
        kept.body,
        kept.url,
        status=kept.status,
        headers=dict(kept.headers),
        item_id=kept.item_id or None,
    )
    outcome = UNREADABLE if result.unreadable else str(result.status)
    return Replayed(page=kept, outcome=outcome, layout=result.layout, problem="; ".join(result.problems))


def replay(pages: Iterable[KeptPage]) -> list[Replayed]:
    return [replay_page(kept) for kept in pages]


def tally(results: Iterable[Replayed]) -> dict[str, dict[str, dict[str, int]]]:
    """``{platform: {"<kind> <layout that night>": {outcome today: pages}}}``."""
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for r in results:
        then = r.page.layout or ("unknown layout" if r.page.outcome is PageOutcome.LAYOUT_CHANGED else "-")
        counts[r.page.platform][f"{r.page.kind} {then}"][r.outcome] += 1
    return {p: {k: dict(v) for k, v in by.items()} for p, by in counts.items()}
