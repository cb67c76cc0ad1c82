"""The one-page case-file summary of an export package, as HTML and (rendered by Chromium) as PDF.

Everything that came from a listing is untrusted text and is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from crawler.timeutil import format_local

STYLE = """
@page { size: A4; margin: 12mm; }
body { font-family: 'Noto Sans CJK SC', 'Noto Sans', sans-serif; font-size: 10pt; color: #111; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 4mm; }
h2 { font-size: 11pt; margin: 4mm 0 2mm; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 1mm 2mm; border-bottom: 0.2mm solid #ccc; }
th { width: 32%; font-weight: 600; }
code { font-size: 8pt; word-break: break-all; }
.cols { display: flex; gap: 6mm; }
.facts { flex: 1 1 62%; }
.shot { flex: 0 0 34%; }
.shot img { width: 100%; max-height: 190mm; object-fit: cover; object-position: top; border: 0.3mm solid #999; }
.note { font-size: 8.5pt; color: #444; margin-top: 3mm; }
.warn { color: #a40000; font-weight: 600; }
"""


@dataclass
class SummaryCapture:
    capture_id: int
    captured_at: Any
    requested_url: str
    final_url: str
    http_status: Any
    device: str
    software: str
    manifest_sha256: str
    log_seq: int | None
    timestamp: str
    status: str
    screenshot: str | None


@dataclass
class SummaryData:
    flag: dict[str, Any]
    listing: dict[str, Any]
    reference: dict[str, Any] | None
    captures: list[SummaryCapture]
    exported_at: Any
    trusted_time: bool
    log_head: str
    extra_notes: list[str] = field(default_factory=list)


def _rows(pairs: list[tuple[str, Any]]) -> str:
    return "".join(
        f"<tr><th>{escape(label)}</th><td>{escape('' if value is None else str(value))}</td></tr>"
        for label, value in pairs
    )


def render_html(data: SummaryData) -> str:
    latest = data.captures[-1]
    flag = data.flag
    listing = data.listing
    facts = [
        ("标记 Flag", f"#{flag['id']} · {flag['kind']} · {flag['status']} · risk {flag['risk_score']:.2f}"),
        ("理由 Explanation", "; ".join(str(x) for x in flag.get("explanation") or [])),
        ("平台 Platform", listing.get("platform")),
        ("商品编号 Item ID", listing.get("platform_item_id")),
        ("标题 Title", listing.get("title")),
        ("网址 URL", listing.get("url")),
        ("价格 Price", listing.get("price")),
        ("店铺 Seller", listing.get("seller")),
    ]
    if data.reference:
        ref = data.reference
        facts += [
            ("名单 Reference list", f"{ref.get('list_type')} · {ref.get('ref_key')}"),
            ("名单商品 Listed product", ref.get("product_name")),
            ("型号 Models", ", ".join(ref.get("models") or [])),
            ("危害 Hazard", ref.get("hazard")),
        ]
    capture_rows = []
    for c in data.captures:
        capture_rows.append(
            _rows(
                [
                    (f"采集 Capture {c.capture_id}", f"{c.status}; HTTP {c.http_status}"),
                    (
                        "时间 Time (UTC / 北京时间)",
                        f"{c.captured_at.isoformat()} / {format_local(c.captured_at)}",
                    ),
                    ("请求网址 Requested", c.requested_url),
                    ("最终网址 Final", c.final_url),
                    ("设备 Device · 软件 Software", f"{c.device} · {c.software}"),
                    ("清单 Manifest SHA-256", c.manifest_sha256),
                    ("日志 Log entry", c.log_seq),
                    ("可信时间 Trusted time", c.timestamp),
                ]
            )
        )
    time_note = (
        "采集时间经 RFC 3161 可信时间戳认证（见 README）。Capture times are attested by RFC 3161 timestamps (see README)."
        if data.trusted_time
        else '<span class="warn">时间为采集系统自身的时钟，未经可信时间戳认证。'
        "Times are the capturing system's own clock; no timestamp authority attested them.</span>"
    )
    shot = (
        f'<img src="{escape(latest.screenshot)}" alt="screenshot of capture {latest.capture_id}">'
        if latest.screenshot
        else "<p>(no screenshot)</p>"
    )
    notes = "".join(f"<p class='note'>{escape(n)}</p>" for n in data.extra_notes)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>证据摘要 Evidence summary — flag {flag["id"]}</title>
<style>{STYLE}</style></head>
<body>
<h1>证据摘要 Evidence summary — 标记 flag #{flag["id"]}</h1>
<div class="cols">
<div class="facts">
<table>{_rows(facts)}</table>
<h2>采集记录 Captures</h2>
<table>{"".join(capture_rows)}</table>
<p class="note">{time_note}</p>
<p class="note">导出 Exported {escape(data.exported_at.isoformat())} · 日志最新哈希 log head <code>{escape(data.log_head)}</code>.
核验方法见 README.md (sha256sum -c SHA256SUMS). See README.md to check this package.</p>
{notes}
</div>
<div class="shot">{shot}<p class="note">采集 capture {latest.capture_id}, {escape(format_local(latest.captured_at))}</p></div>
</div>
</body></html>
"""


async def _render_pdf(html_path: Path, pdf_path: Path, executable: str | None) -> None:
    from playwright.async_api import async_playwright

    from crawler.browser.launch import launch_options

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch_options(executable))
        try:
            context = await browser.new_context()
            try:
                page = await context.new_page()
                await page.goto(html_path.resolve().as_uri(), wait_until="load")
                await page.pdf(path=str(pdf_path), format="A4", print_background=True, page_ranges="1")
                await page.close()
            finally:
                await context.close()
        finally:
            await browser.close()


def render_pdf(html_path: Path, pdf_path: Path, executable: str | None) -> None:
    from crawler.evidence.browser_capture import run_coroutine

    run_coroutine(_render_pdf(html_path, pdf_path, executable))
