"""The case-file summary of an export package, as HTML and (rendered by Chromium) as PDF.

The whole case is on paper, over as many pages as it needs: the flag and listing, then every capture
with its status, times, manifest hash, log entry (number, time and the line's SHA-256) and its
trusted-time statement or the warning that no authority attested its time, then the log head. A
capture block is never split across pages. Everything that came from a listing is untrusted text and
is escaped.
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
td, code { font-variant-ligatures: none; }
.capture { display: flex; gap: 5mm; break-inside: avoid; page-break-inside: avoid; margin-bottom: 4mm; }
.capture .facts { flex: 1 1 66%; }
.shot { flex: 0 0 30%; }
.shot img { width: 100%; max-height: 110mm; object-fit: cover; object-position: top; border: 0.3mm solid #999; }
.head { break-inside: avoid; page-break-inside: avoid; }
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
    log_at: str = ""
    log_sha256: str = ""
    check: str = ""


@dataclass
class SummaryData:
    flag: dict[str, Any]
    listing: dict[str, Any]
    reference: dict[str, Any] | None
    captures: list[SummaryCapture]
    exported_at: Any
    trusted_time: bool
    log_head: str
    log_head_seq: int | None = None
    extra_notes: list[str] = field(default_factory=list)


def _rows(pairs: list[tuple[str, Any]]) -> str:
    return "".join(
        f"<tr><th>{escape(label)}</th><td>{escape('' if value is None else str(value))}</td></tr>"
        for label, value in pairs
    )


NO_TIMESTAMP = (
    "时间为采集系统自身的时钟，未经可信时间戳认证。"
    "Time is the capturing system's own clock; no timestamp authority attested it."
)


def _capture_block(c: SummaryCapture) -> str:
    stamped = not c.timestamp.startswith("无")
    trusted = (
        escape(c.timestamp) if stamped else f'<span class="warn">{escape(NO_TIMESTAMP, quote=False)}</span>'
    )
    rows = _rows(
        [
            ("状态 Status", f"{c.status}; HTTP {c.http_status}" + (f" — {c.check}" if c.check else "")),
            (
                "采集时间 Captured (UTC / 北京时间)",
                f"{c.captured_at.isoformat()} / {format_local(c.captured_at)}",
            ),
            ("请求网址 Requested", c.requested_url),
            ("最终网址 Final", c.final_url),
            ("设备 Device · 软件 Software", f"{c.device} · {c.software}"),
            ("清单 Manifest SHA-256", c.manifest_sha256),
            ("日志条目 Log entry", f"{c.log_seq} · {c.log_at}" if c.log_seq is not None else "(not logged)"),
            ("日志行 SHA-256 Log line", c.log_sha256),
        ]
    )
    warn = ' class="warn"' if c.status != "complete" else ""
    shot = (
        f'<img src="{escape(c.screenshot)}" alt="screenshot of capture {c.capture_id}">'
        if c.screenshot
        else "<p>(no screenshot)</p>"
    )
    return (
        f'<div class="capture"><div class="facts"><h2{warn}>采集 Capture {c.capture_id}</h2>'
        f"<table>{rows}<tr><th>可信时间 Trusted time</th><td>{trusted}</td></tr></table></div>"
        f'<div class="shot">{shot}</div></div>'
    )


def render_html(data: SummaryData) -> str:
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
        ("采集数 Captures", len(data.captures)),
    ]
    if data.reference:
        ref = data.reference
        facts += [
            ("名单 Reference list", f"{ref.get('list_type')} · {ref.get('ref_key')}"),
            ("名单商品 Listed product", ref.get("product_name")),
            ("型号 Models", ", ".join(ref.get("models") or [])),
            ("危害 Hazard", ref.get("hazard")),
        ]
    time_note = (
        "采集时间经 RFC 3161 可信时间戳认证（见 README）。Capture times are attested by RFC 3161 timestamps (see README)."
        if data.trusted_time
        else f'<span class="warn">{escape(NO_TIMESTAMP, quote=False)} (some or all captures)</span>'
    )
    captures = "".join(_capture_block(c) for c in data.captures)
    notes = "".join(f"<p class='note'>{escape(n)}</p>" for n in data.extra_notes)
    head_seq = "" if data.log_head_seq is None else f" (entry {data.log_head_seq})"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>证据摘要 Evidence summary — flag {flag["id"]}</title>
<style>{STYLE}</style></head>
<body>
<h1>证据摘要 Evidence summary — 标记 flag #{flag["id"]}</h1>
<table>{_rows(facts)}</table>
<p class="note">{time_note}</p>
<h2>采集记录 Captures ({len(data.captures)})</h2>
{captures}
<div class="head">
<h2>日志 Evidence log</h2>
<p>日志最新哈希 Log head{escape(head_seq)}: <code>{escape(data.log_head)}</code></p>
<p class="note">导出 Exported {escape(data.exported_at.isoformat())}.
核验方法见 README.md (sha256sum -c SHA256SUMS). See README.md to check this package.</p>
{notes}
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
                await page.pdf(path=str(pdf_path), format="A4", print_background=True)
                await page.close()
            finally:
                await context.close()
        finally:
            await browser.close()


def render_pdf(html_path: Path, pdf_path: Path, executable: str | None) -> None:
    from crawler.evidence.browser_capture import run_coroutine

    run_coroutine(_render_pdf(html_path, pdf_path, executable))
