"""``surveil takedown export``: the request list of one platform (XLSX and CSV, same rows) and a letter
in Chinese (HTML, and PDF when asked) citing each listing's evidence packages."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
from jinja2 import Environment, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crawler.storage.models import EvidenceCapture, Flag, FlagStatus, Listing, Platform, TakedownRequest
from crawler.takedown.status import DRAFTED, LABELS_ZH
from crawler.timeutil import Clock, to_local

CONFIRMED = (FlagStatus.CONFIRMED, FlagStatus.PURCHASE_ORDERED)
KIND_ZH = {
    "match": "与通报清单匹配",
    "licence": "许可证/认证证书无效",
    "licence_missing": "未标示生产许可证",
    "ccc_missing": "未标示CCC认证",
    "licensed_ip": "涉嫌冒用品牌授权",
    "blacklist": "黑名单企业产品",
    "price": "价格异常偏低",
    "relisting": "下架后重新上架",
}
LIST_ZH = {"recall": "召回", "noncompliant": "抽查不合格", "risk": "风险警示"}
COLUMNS = (
    ("reference", "请求编号"),
    ("platform", "平台"),
    ("item_id", "商品编号"),
    ("url", "商品链接"),
    ("title", "商品名称"),
    ("seller", "店铺"),
    ("problem", "问题"),
    ("reasons", "依据"),
    ("capture_ids", "证据包编号"),
    ("manifest_hashes", "证据清单哈希"),
    ("flag_id", "线索编号"),
    ("status", "状态"),
)
#: Spreadsheet programs run cell text starting with these as formulas; scraped text is quoted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ExportResult:
    platform: str
    batch: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    created: int = 0
    without_evidence: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "batch": self.batch,
            "requests": len(self.requests),
            "created": self.created,
            "without_evidence": self.without_evidence,
            "files": {k: str(v) for k, v in self.files.items()},
        }


def _safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _evidence(session: Session, flag: Flag) -> list[dict[str, Any]]:
    captures = session.scalars(
        select(EvidenceCapture)
        .where(EvidenceCapture.listing_id == flag.listing_id, EvidenceCapture.status == "complete")
        .order_by(EvidenceCapture.captured_at, EvidenceCapture.id)
    )
    return [
        {"capture_id": c.id, "manifest_sha256": c.manifest_sha256, "captured_at": c.captured_at.isoformat()}
        for c in captures
    ]


def _problem(flag: Flag) -> str:
    label = KIND_ZH.get(flag.kind, flag.kind)
    if flag.kind == "match" and flag.list_type is not None:
        label += f"（{LIST_ZH.get(str(flag.list_type), str(flag.list_type))}）"
    return label


def _row(request: TakedownRequest) -> dict[str, Any]:
    flag, listing = request.flag, request.listing
    evidence = request.evidence or []
    return {
        "reference": request.reference,
        "platform": request.platform.code,
        "item_id": listing.platform_item_id,
        "url": listing.url,
        "title": listing.title,
        "seller": listing.seller.name if listing.seller is not None else "",
        "problem": _problem(flag),
        "reasons": "；".join(str(r) for r in (flag.explanation or [])[:4]),
        "capture_ids": ";".join(str(e["capture_id"]) for e in evidence),
        "manifest_hashes": ";".join(str(e["manifest_sha256"]) for e in evidence),
        "flag_id": flag.id,
        "status": request.status,
    }


def ensure_requests(
    session: Session, clock: Clock, platform: Platform, batch: str
) -> tuple[list[TakedownRequest], int]:
    """A request for every confirmed flag of ``platform`` whose listing is still online; existing
    requests keep their status and gain any newer evidence."""
    now = clock.now()
    flags = session.scalars(
        select(Flag)
        .join(Listing, Flag.listing_id == Listing.id)
        .where(Listing.platform_id == platform.id, Flag.status.in_(CONFIRMED))
        .order_by(Flag.risk_score.desc(), Flag.id)
    )
    requests, created = [], 0
    for flag in flags:
        request = session.scalar(select(TakedownRequest).where(TakedownRequest.flag_id == flag.id))
        if request is None:
            request = TakedownRequest(
                flag_id=flag.id,
                listing_id=flag.listing_id,
                platform_id=platform.id,
                reference=f"TD-{platform.code}-{flag.id:06d}",
                status=DRAFTED,
                export_batch=batch,
                history=[{"at": now.isoformat(), "to": DRAFTED, "by": "export", "batch": batch}],
                created_at=now,
                updated_at=now,
            )
            session.add(request)
            created += 1
        request.evidence = _evidence(session, flag)
        requests.append(request)
    session.flush()
    return requests, created


def export_requests(
    session: Session,
    clock: Clock,
    platform_code: str,
    out_dir: Path,
    *,
    authority: str = "市场监督管理局",
    pdf: bool = False,
) -> ExportResult:
    platform = session.scalar(select(Platform).where(Platform.code == platform_code))
    if platform is None:
        raise ValueError(f"unknown platform {platform_code!r}")
    now = clock.now()
    batch = f"TD-{platform.code}-{now.strftime('%Y%m%d-%H%M%S')}"
    requests, created = ensure_requests(session, clock, platform, batch)
    ids = [r.id for r in requests]
    loaded = (
        session.scalars(
            select(TakedownRequest)
            .where(TakedownRequest.id.in_(ids))
            .options(
                selectinload(TakedownRequest.flag),
                selectinload(TakedownRequest.listing).selectinload(Listing.seller),
                selectinload(TakedownRequest.platform),
            )
        ).all()
        if ids
        else []
    )
    order = {request_id: n for n, request_id in enumerate(ids)}
    rows = [_row(r) for r in sorted(loaded, key=lambda r: order[r.id])]
    result = ExportResult(platform=platform.code, batch=batch, requests=rows, created=created)
    result.without_evidence = [row["flag_id"] for row in rows if not row["capture_ids"]]
    out_dir.mkdir(parents=True, exist_ok=True)
    result.files["csv"] = _write_csv(out_dir / f"{batch}.csv", rows)
    result.files["xlsx"] = _write_xlsx(out_dir / f"{batch}.xlsx", rows, batch)
    html = _letter(rows, platform, batch, authority, to_local(now).strftime("%Y年%m月%d日"))
    result.files["html"] = out_dir / f"{batch}.html"
    result.files["html"].write_text(html, encoding="utf-8")
    if pdf:
        result.files["pdf"] = _pdf(result.files["html"], out_dir / f"{batch}.pdf")
    return result


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([zh for _, zh in COLUMNS])
        for row in rows:
            writer.writerow([_safe(row[key]) for key, _ in COLUMNS])
    return path


def _write_xlsx(path: Path, rows: list[dict[str, Any]], batch: str) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "下架请求"
    sheet.append([zh for _, zh in COLUMNS])
    for row in rows:
        sheet.append([_safe(row[key]) if key != "flag_id" else row[key] for key, _ in COLUMNS])
    book.properties.title = batch
    book.save(path)
    return path


def _letter(rows: list[dict[str, Any]], platform: Platform, batch: str, authority: str, day: str) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(resources.files("crawler.takedown").joinpath("letter.html").read_text("utf-8"))
    shown = [{**row, "status": LABELS_ZH.get(row["status"], row["status"])} for row in rows]
    return template.render(
        rows=shown, platform_name=platform.name, batch=batch, authority=authority, date=day
    )


def _pdf(html_path: Path, pdf_path: Path) -> Path:
    from playwright.sync_api import sync_playwright

    from crawler.browser.launch import find_chromium, launch_options

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options(find_chromium()))
        try:
            page = browser.new_page()
            page.goto(html_path.resolve().as_uri())
            page.pdf(path=str(pdf_path), format="A4", print_background=True)
        finally:
            browser.close()
    return pdf_path


def read_request_list(path: Path) -> list[dict[str, str]]:
    """The rows of an exported request list (XLSX or CSV) keyed by the English column names."""
    keys = {zh: key for key, zh in COLUMNS}
    if path.suffix.lower() == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        values = [
            ["" if v is None else str(v) for v in row] for row in book.active.iter_rows(values_only=True)
        ]
        book.close()
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            values = list(csv.reader(handle))
    header = [keys.get(h, h) for h in values[0]]
    return [dict(zip(header, row, strict=False)) for row in values[1:]]
