"""The run report: coverage per platform × category, blocked visibly distinct from empty."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from crawler.storage.models import CrawlRun
from crawler.timeutil import format_local


def stat_state(stat: Any) -> tuple[str, str]:
    """``(label, style)``: BLOCKED (with reason), EMPTY (searched, nothing found), ERRORS, or ok."""
    if stat.blocked:
        return f"BLOCKED: {stat.block_reason or 'unknown'}", "bold red"
    if stat.pages_fetched and not stat.listings_seen and not stat.errors:
        return "empty (searched, no listings)", "yellow"
    if not stat.pages_fetched:
        return "not searched", "magenta"
    if stat.errors:
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
            style="on grey15" if stat.blocked else None,
        )
    t = totals(run)
    rpl = "—" if t["requests_per_listing"] is None else f"{t['requests_per_listing']:.3f}"
    table.caption = (
        f"{t['listings_seen']} listings seen, {t['new']} new, {t['changed']} changed, {t['gone']} gone; "
        f"{t['requests']} requests = {rpl} requests per listing; {t['blocked']} platform×category blocked"
    )
    return table


def run_notes(run: CrawlRun) -> list[str]:
    notes = []
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
