"""Charts drawn on the server as inline SVG. Every piece of text goes through ``escape``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from crawler.storage.repositories.dashboard import Coverage

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
BLOCKED = "#c62828"
#: A platform × category whose pages no known layout read: purple, marked "!" (a code change is due).
LAYOUT_CHANGED = "#6a1b9a"
EMPTY = "#e0e0e0"
MISSING = "#ffffff"


def _text(x: float, y: float, body: object, **attrs: object) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(body)}</text>'


def _svg(width: int, height: int, label: object, body: list[str]) -> Markup:
    return Markup(  # noqa: S704 - every text part went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}" font-size="11" '
        f'font-family="sans-serif">{"".join(body)}</svg>'
    )


def stacked_days(
    days: Sequence[date], series: Sequence[tuple[str, dict[date, int]]], label: str, empty: str
) -> Markup:
    """Columns per day, stacked by series, with a legend underneath."""
    width, top, left, plot_h = 760, 10, 40, 160
    totals = [sum(values.get(day, 0) for _, values in series) for day in days]
    peak = max(totals, default=0)
    legend_rows = math.ceil(len(series) / 4) if series else 1
    height = top + plot_h + 24 + 18 * legend_rows
    body: list[str] = []
    if peak == 0:
        body.append(_text(width / 2, top + plot_h / 2, empty, text_anchor="middle", fill="#666"))
        return _svg(width, height, label, body)
    step = (width - left - 10) / max(len(days), 1)
    bar_w = max(step * 0.75, 1)
    scale = plot_h / peak
    for tick in (0, peak // 2, peak):
        y = top + plot_h - tick * scale
        body.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(_text(left - 4, y + 4, tick, text_anchor="end", fill="#555"))
    for i, day in enumerate(days):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for s, (name, values) in enumerate(series):
            n = values.get(day, 0)
            if not n:
                continue
            h = n * scale
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(name)} {day.isoformat()}: {n}</title></rect>'
            )
        if i % max(len(days) // 6, 1) == 0 or i == len(days) - 1:
            body.append(_text(x + bar_w / 2, top + plot_h + 14, day.strftime("%m-%d"), text_anchor="middle"))
    for s, (name, _values) in enumerate(series):
        lx = left + (s % 4) * 180
        ly = top + plot_h + 24 + (s // 4) * 18
        body.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{PALETTE[s % len(PALETTE)]}"/>')
        body.append(_text(lx + 14, ly + 9, name))
    return _svg(width, height, label, body)


def coverage_grid(coverage: Coverage, names: dict[str, str], labels: dict[str, str]) -> Markup:
    """Platform columns × category rows. Blocked cells are red and hatched with ✕; cells whose pages changed
    layout are purple with "!"; empty ones grey 0."""
    changed_label = labels.get("layout_changed", "layout changed")
    cell_w, cell_h, left, top = 124, 20, 170, 34
    platforms, categories = coverage.platforms, coverage.categories
    width = left + cell_w * len(platforms) + 10
    height = top + cell_h * len(categories) + 40
    peak = max((c.listings_seen for c in coverage.cells.values()), default=0)
    body = [
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#c62828"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern></defs>'
    ]
    for j, (code, name) in enumerate(platforms):
        body.append(
            _text(left + j * cell_w + cell_w / 2, top - 10, names.get(code, name), text_anchor="middle")
        )
    for i, (ccode, zh, en) in enumerate(categories):
        y = top + i * cell_h
        body.append(_text(left - 6, y + 14, names.get(ccode, zh or en), text_anchor="end"))
        for j, (pcode, pname) in enumerate(platforms):
            x = left + j * cell_w
            cell = coverage.cells.get((pcode, ccode))
            if cell is None:
                fill, mark, state, color = MISSING, "·", labels["missing"], "#999"
            elif cell.layout_changed:
                fill, mark, state, color = LAYOUT_CHANGED, "!", changed_label, "#ffffff"
            elif cell.blocked:
                fill, mark, state, color = "url(#hatch)", "✕", labels["blocked"], "#ffffff"
            elif cell.listings_seen == 0:
                fill, mark, state, color = EMPTY, "0", labels["empty"], "#555"
            else:
                share = math.log1p(cell.listings_seen) / math.log1p(max(peak, 1))
                green = int(200 - 110 * share)
                fill, mark, state, color = (
                    f"rgb(46,{green + 40},80)",
                    str(cell.listings_seen),
                    labels["ok"],
                    "#fff",
                )
            detail = (
                state
                if cell is None
                else f"{state}: {cell.listings_seen} / {cell.pages_fetched} / {cell.errors}"
            )
            if cell is not None and cell.blocked and cell.block_reason:
                detail += f" — {cell.block_reason}"
            if cell is not None and cell.layout_changed:
                detail += f" — {cell.layout_changed} × {cell.layout_note or ''}"
            css = "cell"
            if cell is not None and cell.layout_changed:
                css = "cell-layout-changed"
            elif cell is not None and cell.blocked:
                css = "cell-blocked"
            body.append(
                f'<g class="{css}" data-state="{escape(state)}"><rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" '
                f'height="{cell_h - 2}" fill="{fill}" stroke="#bbb"><title>{escape(names.get(pcode, pname))} × '
                f"{escape(names.get(ccode, zh))}: {escape(detail)}</title></rect>"
                + _text(x + cell_w / 2, y + 14, mark, text_anchor="middle", fill=color, font_weight="bold")
                + "</g>"
            )
    ly = top + cell_h * len(categories) + 16
    legend = (
        ("url(#hatch)", labels["blocked"]),
        (LAYOUT_CHANGED, changed_label),
        (EMPTY, labels["empty"]),
        ("rgb(46,170,80)", labels["ok"]),
        (MISSING, labels["missing"]),
    )
    width = max(width, left + 130 * len(legend))
    for k, (fill, text) in enumerate(legend):
        lx = left + k * 130
        body.append(f'<rect x="{lx}" y="{ly}" width="14" height="14" fill="{fill}" stroke="#bbb"/>')
        body.append(_text(lx + 18, ly + 11, text))
    return _svg(width, height, labels["title"], body)


def bars(items: Sequence[tuple[str, int]], label: str, empty: str) -> Markup:
    """Horizontal bars, one per item."""
    width, left, row = 520, 150, 24
    height = max(row * len(items), row) + 10
    peak = max((n for _, n in items), default=0)
    body: list[str] = []
    if peak == 0:
        body.append(_text(width / 2, 18, empty, text_anchor="middle", fill="#666"))
        return _svg(width, height, label, body)
    for i, (name, n) in enumerate(items):
        y = 5 + i * row
        w = (width - left - 60) * n / peak
        body.append(_text(left - 6, y + 14, name, text_anchor="end"))
        body.append(f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row - 8}" fill="{PALETTE[0]}"/>')
        body.append(_text(left + w + 6, y + 14, n))
    return _svg(width, height, label, body)
