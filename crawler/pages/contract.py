"""The outcome contract applied to what one layout read from a page.

A layout that read something ends in exactly one of:
  * a page with rows, each carrying the fields that layout always gives (an id, a title, and a price or
    a masked price where the layout shows prices);
  * a page without rows whose own word says there are none (``empty_evidence``: its result count 0, its
    no-results marker);
  * :class:`LayoutChanged`: entries without ids, no rows while the page claims results, no rows and no
    marker, or rows missing a field the layout always gives.

Page objects call :func:`search_page` once they have read their layout; nothing here reads a page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawler.pages.base import LayoutChanged, SearchPage, SearchRow

#: Row fields a layout can promise. ``price`` is satisfied by a price or a masked price.
ROW_FIELDS = ("item_id", "title", "price", "seller_name")


def _has(row: SearchRow, name: str) -> bool:
    if name == "price":
        return row.price is not None or row.price_masked
    if name == "title":
        return bool(row.title)
    return bool(getattr(row, name))


def check_rows(
    rows: list[SearchRow], *, layout: str, required: Iterable[str], usual: Iterable[str] = ()
) -> None:
    """Raise :class:`LayoutChanged` when a ``required`` field is missing from any row, or a ``usual``
    field (present on most rows, absent on a few: sold-out items, ads) from every row."""
    problems = []
    for name in required:
        missing = sum(1 for row in rows if not _has(row, name))
        if missing:
            problems.append(f"{missing} of {len(rows)} rows without {name}")
    for name in usual:
        if rows and not any(_has(row, name) for row in rows):
            problems.append(f"no row has {name}")
    if problems:
        raise LayoutChanged(
            f"{layout}: rows without the fields this layout gives", layout=layout, problems=problems
        )


def search_page(
    rows: list[SearchRow],
    *,
    layout: str,
    entries: int | None = None,
    claimed: int | None = None,
    empty_evidence: str = "",
    required: Iterable[str] = ("item_id", "title", "price"),
    usual: Iterable[str] = (),
    total: int | None = None,
    has_next: bool = False,
    state: dict[str, Any] | None = None,
) -> SearchPage:
    """The page a layout read, or :class:`LayoutChanged`.

    ``entries`` is how many result entries the layout found before reading rows out of them (rows are
    dropped only for lacking an id); ``claimed`` is the result count the page states, if any;
    ``empty_evidence`` the page's own no-results word.
    """
    if not rows:
        if entries:
            raise LayoutChanged(
                f"{layout}: {entries} result entries but none with an item id",
                layout=layout,
                problems=[f"{entries} entries, none with an item id"],
            )
        if claimed:
            raise LayoutChanged(
                f"{layout}: the page claims {claimed} results but the layout read none",
                layout=layout,
                problems=[f"page claims {claimed} results, no rows read"],
            )
        if not empty_evidence:
            raise LayoutChanged(
                f"{layout}: no rows and no no-results marker",
                layout=layout,
                problems=["no rows, and the page does not say it has none"],
            )
        return SearchPage(
            rows=[],
            total=0 if total is None else total,
            layout=layout,
            empty_evidence=empty_evidence,
            state=state or {},
        )
    if entries is not None and entries > len(rows):
        raise LayoutChanged(
            f"{layout}: {entries - len(rows)} of {entries} result entries without an item id",
            layout=layout,
            problems=[f"{entries - len(rows)} of {entries} entries without an item id"],
        )
    check_rows(rows, layout=layout, required=required, usual=usual)
    return SearchPage(rows=rows, total=total, has_next=has_next, layout=layout, state=state or {})


def unknown_layout(what: str, tried: Iterable[str], found: Iterable[str] = ()) -> LayoutChanged:
    """A well-formed response none of the known layouts reads: names the layouts tried and what was seen."""
    tried = list(tried)
    seen = ", ".join(list(found)[:12])
    problems = [f"none of the known layouts matched: {', '.join(tried)}"]
    if seen:
        problems.append(f"top-level keys or markers seen: {seen}")
    return LayoutChanged(f"{what}: no known layout ({', '.join(tried)})", layout="", problems=problems)
