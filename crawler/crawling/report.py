"""The run report: coverage per platform × category, blocked and layout-changed visibly distinct from
empty, and the field-coverage alarms of the night."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from crawler.crawling.monitors import alarms_of_run
from crawler.storage.models import CoverageStatus, CrawlRun
from crawler.timeutil import format_local


def stat_state(stat: Any) -> tuple[str, str]:
    """``(label, style)`` of :attr:`CrawlStat.status`: LAYOUT CHANGED (pages, layout, what was missing),
    BLOCKED (with reason), empty (searched, nothing found), errors, not searched, or ok."""
    status = stat.status
    if status is CoverageStatus.LAYOUT_CHANGED:
        return (
            f"LAYOUT CHANGED: {stat.layout_changed} page(s), {stat.layout_note or 'unknown'}",
            "bold magenta",
        )
    if status is CoverageStatus.BLOCKED:
        return f"BLOCKED: {stat.block_reason or 'unknown'}", "bold red"
    if status is CoverageStatus.EMPTY:
        return "empty (searched, no listings)", "yellow"
    if status is CoverageStatus.NOT_SEARCHED:
        return "not searched", "magenta"
    if status is CoverageStatus.ERRORS:
        return f"ok, {stat.errors} error(s)", "dark_orange"
    return "ok", "green"


def coverage_rows(run: CrawlRun) -> list[dict[str, Any]]:
    rows = []
    for stat in sorted(run.stats, key=lambda s: (s.platform.code, s.category.code)):
        label, _ = stat_state(stat)
        rows.append(
            {
                "platform": stat.platform.code,
                "category": stat.category.code,
                "requests": stat.requests,
                "pages_fetched": stat.pages_fetched,
                "listings_seen": stat.listings_seen,
                "new": stat.new,
                "changed": stat.changed,
                "gone": stat.gone,
                "errors": stat.errors,
                "blocked": stat.blocked,
                "block_reason": stat.block_reason,
                "layout_changed": stat.layout_changed,
                "layout_note": stat.layout_note,
                "status": str(stat.status),
                "state": label,
            }
        )
    return rows


def totals(run: CrawlRun) -> dict[str, Any]:
    requests = sum(s.requests for s in run.stats)
    seen = sum(s.listings_seen for s in run.stats)
    return {
        "requests": requests,
        "listings_seen": seen,
        "new": sum(s.new for s in run.stats),
        "changed": sum(s.changed for s in run.stats),
        "gone": sum(s.gone for s in run.stats),
        "errors": sum(s.errors for s in run.stats),
        "blocked": sum(1 for s in run.stats if s.blocked),
        "layout_changed": sum(1 for s in run.stats if s.layout_changed),
        "layout_changed_pages": sum(s.layout_changed for s in run.stats),
        "requests_per_listing": round(requests / seen, 4) if seen else None,
    }


def coverage_table(run: CrawlRun, zone: str = "Asia/Shanghai") -> Table:
    finished = format_local(run.finished_at, zone) if run.finished_at else "—"
    table = Table(
        title=f"run {run.id} · {run.status} · started {format_local(run.started_at, zone)} · finished {finished}",
        show_lines=False,
    )
    for name, justify in (
        ("platform", "left"),
        ("category", "left"),
        ("requests", "right"),
        ("pages", "right"),
        ("seen", "right"),
        ("new", "right"),
        ("changed", "right"),
        ("gone", "right"),
        ("errors", "right"),
        ("state", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for stat in sorted(run.stats, key=lambda s: (s.platform.code, s.category.code)):
        label, style = stat_state(stat)
        table.add_row(
            stat.platform.code,
            stat.category.code,
            str(stat.requests),
            str(stat.pages_fetched),
            str(stat.listings_seen),
            str(stat.new),
            str(stat.changed),
            str(stat.gone),
            str(stat.errors),
            Text(label, style=style),
            style="on grey15" if stat.blocked or stat.layout_changed else None,
        )
    t = totals(run)
    rpl = "—" if t["requests_per_listing"] is None else f"{t['requests_per_listing']:.3f}"
    table.caption = (
        f"{t['listings_seen']} listings seen, {t['new']} new, {t['changed']} changed, {t['gone']} gone; "
        f"{t['requests']} requests = {rpl} requests per listing; {t['blocked']} platform×category blocked; "
        f"{t['layout_changed']} platform×category with a changed layout ({t['layout_changed_pages']} pages)"
    )
    return table


def run_notes(run: CrawlRun) -> list[str]:
    notes = [f"FIELD ALARM {alarm}" for alarm in alarms_of_run(run)]
    for platform, info in sorted(((run.summary or {}).get("platforms") or {}).items()):
        reads = dict(info.get("reads") or {})
        if reads:
            from_rows = reads.pop("price", 0)
            opened = ", ".join(f"{n} {reason}" for reason, n in sorted(reads.items())) or "none"
            notes.append(
                f"{platform}: product pages asked for: {opened}; "
                f"{from_rows} updated from their search rows alone (price or counts changed)"
            )
        if info.get("obey_robots") is False:
            notes.append(f"{platform}: robots.txt NOT obeyed (administrator's switch for this platform)")
        if info.get("session"):
            notes.append(f"session {info['session']}")
    return notes
