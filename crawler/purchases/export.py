"""Purchase lists for a testing lab: an XLSX with a thumbnail per sample, the same rows as CSV, and a
printable sample sheet (HTML, one page per sample, the sample ID large and as a QR code).

Every text cell comes from scraped listings and is treated as untrusted: the HTML is escaped by the
template engine and spreadsheet cells that would start a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape
from openpyxl import Workbook
from openpyxl.drawing.image import Image as XLImage
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.evidence.store import ObjectStore
from crawler.purchases.actors import Actor, audit
from crawler.purchases.labs import ensure_labs
from crawler.purchases.thumbnails import screenshot_bytes, thumbnail_png
from crawler.storage.models import Flag, Lab, Listing, Purchase, PurchaseStatus
from crawler.storage.repositories.purchases import LIVE_STATES, LabRepository, PurchaseRepository
from crawler.timeutil import Clock, to_local

#: (field, Chinese header) in column order; the XLSX adds the thumbnail column, the CSV its file name.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("sample_code", "样品编号"),
    ("category", "产品类别"),
    ("product", "产品名称"),
    ("brand", "商标/品牌"),
    ("model", "规格型号"),
    ("batch", "生产日期/批号"),
    ("manufacturer", "标称生产企业"),
    ("platform", "电商平台"),
    ("shop", "店铺名称"),
    ("url", "商品链接"),
    ("price", "购买价格(元)"),
    ("order_no", "订单号"),
    ("test_items", "检验项目"),
)
THUMBNAIL_HEADER = "页面截图"
THUMBNAIL_FILE_HEADER = "截图文件"
ITEM_SEPARATOR = "；"
BATCH_KEYS = ("生产日期/批号", "批号", "生产批号", "批次", "生产日期", "batch", "Batch", "lot", "Lot")
MANUFACTURER_KEYS = ("标称生产企业", "生产企业", "生产厂家", "制造商", "厂名", "manufacturer", "Manufacturer")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(ValueError):
    pass


@dataclass
class ExportRow:
    sample_code: str
    category: str
    product: str
    brand: str
    model: str
    batch: str
    manufacturer: str
    platform: str
    shop: str
    url: str
    price: Decimal | None
    order_no: str
    test_items: list[str]
    status: str
    thumbnail: bytes = b""
    has_screenshot: bool = False

    def cell(self, name: str) -> Any:
        value = getattr(self, name)
        if name == "test_items":
            return ITEM_SEPARATOR.join(value)
        return value


@dataclass
class ExportResult:
    lab: str
    rows: list[ExportRow]
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def sample_codes(self) -> list[str]:
        return [r.sample_code for r in self.rows]


def spec_value(specs: dict[str, Any] | None, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = (specs or {}).get(key)
        if value:
            return str(value).strip()
    return ""


def _hazard(session: Session, purchase: Purchase) -> str | None:
    if purchase.flag_id is not None:
        flag = session.get(Flag, purchase.flag_id)
        if flag is not None and flag.entry is not None and flag.entry.hazard:
            return flag.entry.hazard.strip()
    stmt = (
        select(Flag)
        .where(
            Flag.listing_id == purchase.listing_id,
            Flag.entry_id.is_not(None),
            Flag.status.in_(LIVE_STATES),
        )
        .order_by(Flag.risk_score.desc(), Flag.id)
    )
    for flag in session.scalars(stmt):
        if flag.entry is not None and flag.entry.hazard:
            return flag.entry.hazard.strip()
    return None


def inspection_items(session: Session, purchase: Purchase) -> list[str]:
    """The category's test items, then the hazard of the reference entry the listing matched."""
    listing = purchase.listing
    category = listing.category
    items = [str(i) for i in (category.test_items if category else [])]
    if not items and category is not None:
        items = [str(f) for f in category.risk_factors or []]
    hazard = _hazard(session, purchase)
    if hazard:
        items.append(f"针对性检验（对照通报风险）：{hazard}")
    return items


def build_rows(session: Session, purchases: list[Purchase], store: ObjectStore | None) -> list[ExportRow]:
    rows = []
    for purchase in purchases:
        listing: Listing = purchase.listing
        price = purchase.price_paid if purchase.price_paid is not None else purchase.expected_price
        if price is None and not listing.price_masked:
            price = listing.price
        shot = screenshot_bytes(session, listing.id, store)
        thumb, real = thumbnail_png(shot)
        rows.append(
            ExportRow(
                sample_code=purchase.sample.sample_code,  # type: ignore[union-attr]
                category=listing.category.name_zh if listing.category else "",
                product=listing.title or "",
                brand=listing.brand or "",
                model=listing.model or "",
                batch=spec_value(listing.specs, BATCH_KEYS),
                manufacturer=spec_value(listing.specs, MANUFACTURER_KEYS),
                platform=listing.platform.name,
                shop=listing.seller.name if listing.seller else "",
                url=listing.url or "",
                price=price,
                order_no=purchase.order_no or "",
                test_items=inspection_items(session, purchase),
                status=PurchaseStatus(purchase.status).value,
                thumbnail=thumb,
                has_screenshot=real,
            )
        )
    return rows


def _safe_text(value: str) -> str:
    """A cell that a spreadsheet would run as a formula is kept as text."""
    return "'" + value if value.startswith(FORMULA_START) else value


def write_xlsx(rows: list[ExportRow], path: Path, lab: Lab) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "样品清单"
    headers = [h for _, h in COLUMNS] + [THUMBNAIL_HEADER]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = {
        "sample_code": 22,
        "product": 40,
        "url": 40,
        "test_items": 50,
        "shop": 20,
        "manufacturer": 22,
    }
    for index, (name, _) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = widths.get(name, 14)
    thumb_col = get_column_letter(len(COLUMNS) + 1)
    ws.column_dimensions[thumb_col].width = 19
    for r, row in enumerate(rows, start=2):
        for c, (name, _) in enumerate(COLUMNS, start=1):
            value = row.cell(name)
            cell = ws.cell(row=r, column=c)
            if name == "price":
                cell.value = value
                cell.number_format = "0.00"
            else:
                cell.value = _safe_text(str(value or ""))
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        if not row.thumbnail:
            continue
        image = XLImage(io.BytesIO(row.thumbnail))
        image.anchor = f"{thumb_col}{r}"
        ws.add_image(image)
        ws.row_dimensions[r].height = 140
    ws.freeze_panes = "B2"
    wb.properties.title = f"{lab.name} 样品清单"
    wb.save(path)


def write_csv(rows: list[ExportRow], path: Path, thumbnail_names: dict[str, str]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([h for _, h in COLUMNS] + [THUMBNAIL_FILE_HEADER])
        for row in rows:
            values = []
            for name, _ in COLUMNS:
                value = row.cell(name)
                values.append("" if value is None else _safe_text(str(value)))
            writer.writerow(values + [thumbnail_names.get(row.sample_code, "")])


SHEET_TEMPLATE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{ lab.name }} 样品单</title>
<style>
  @page { size: A4; margin: 15mm; }
  body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #111; }
  .sheet { page-break-after: always; break-after: page; }
  .sheet:last-child { page-break-after: auto; }
  .code { font-size: 34pt; font-weight: bold; letter-spacing: 1px; margin: 0 0 6mm; font-family: monospace; }
  .top { display: flex; gap: 8mm; align-items: flex-start; }
  .qr svg { width: 45mm; height: 45mm; }
  .thumb img { width: 30mm; border: 1px solid #999; }
  table { border-collapse: collapse; width: 100%; margin-top: 6mm; }
  th, td { border: 1px solid #555; padding: 2mm; text-align: left; vertical-align: top; font-size: 10.5pt; }
  th { width: 30mm; background: #f0f0f0; }
  td.url { word-break: break-all; }
  .sign { margin-top: 12mm; display: flex; justify-content: space-between; }
</style>
</head>
<body>
{% for row in rows %}
<section class="sheet" id="{{ row.sample_code }}">
  <p>{{ lab.name }} · 网购抽样样品单 · 导出时间 {{ exported_at }}</p>
  <h1 class="code">{{ row.sample_code }}</h1>
  <div class="top">
    <div class="qr">{% if qr[row.sample_code] %}{{ qr[row.sample_code] | safe }}{% else %}<p>样品编号：{{ row.sample_code }}</p>{% endif %}</div>
    <div class="thumb"><img src="{{ thumbs[row.sample_code] }}" alt="页面截图 {{ row.sample_code }}"></div>
  </div>
  <table>
    {% for name, header in columns %}{% if name != "sample_code" %}
    <tr><th>{{ header }}</th><td{% if name == "url" %} class="url"{% endif %}>{% if name == "test_items" %}{% for item in row.test_items %}{{ item }}{% if not loop.last %}<br>{% endif %}{% endfor %}{% elif name == "price" %}{{ "%.2f"|format(row.price) if row.price is not none else "" }}{% else %}{{ row.cell(name) }}{% endif %}</td></tr>
    {% endif %}{% endfor %}
  </table>
  <div class="sign"><span>寄样人签字：__________</span><span>收样人签字：__________</span><span>收样日期：__________</span></div>
</section>
{% endfor %}
</body>
</html>
"""


def qr_svg(text: str) -> str | None:
    """An inline SVG QR code of ``text`` (segno), or ``None`` when segno is not installed."""
    try:
        import segno
    except ImportError:
        return None
    return segno.make(text, error="m").svg_inline(scale=4, omitsize=False)


def write_html(rows: list[ExportRow], path: Path, lab: Lab, thumbs: dict[str, str], exported_at: str) -> None:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(SHEET_TEMPLATE)
    qr = {row.sample_code: qr_svg(row.sample_code) for row in rows}
    path.write_text(
        template.render(rows=rows, lab=lab, columns=COLUMNS, qr=qr, thumbs=thumbs, exported_at=exported_at),
        encoding="utf-8",
    )


def export_states(lab: Lab, include_unreceived: bool | None) -> list[PurchaseStatus]:
    if include_unreceived is None:
        include_unreceived = bool((lab.export_preferences or {}).get("include_unreceived", False))
    states = [PurchaseStatus.RECEIVED, PurchaseStatus.SENT_TO_LAB]
    if include_unreceived:
        states = [PurchaseStatus.PLANNED, PurchaseStatus.ORDERED, *states]
    return states


def export_for_lab(
    session: Session,
    clock: Clock,
    actor: Actor,
    lab_code: str,
    out_dir: Path,
    evidence_store: ObjectStore | None = None,
    include_unreceived: bool | None = None,
    formats: list[str] | None = None,
) -> ExportResult:
    """Write the lab's purchase list to ``out_dir`` (formats from the lab's preferences unless given)."""
    ensure_labs(session, clock)
    lab = LabRepository(session).by_code(lab_code)
    if lab is None:
        known = ", ".join(lab.code for lab in LabRepository(session).all())
        raise ExportError(f"no lab {lab_code!r}; known labs: {known}")
    purchases = PurchaseRepository(session).purchases_for_lab(lab.id, export_states(lab, include_unreceived))
    rows = build_rows(session, purchases, evidence_store)
    wanted = formats or list((lab.export_preferences or {}).get("formats") or ["xlsx", "csv", "html"])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    local = to_local(clock.now())
    stem = f"{lab.code}-{local:%Y%m%d-%H%M}"
    thumbs_dir = out_dir / f"{stem}-thumbnails"
    names: dict[str, str] = {}
    if rows and ("csv" in wanted or "html" in wanted):
        thumbs_dir.mkdir(exist_ok=True)
        for row in rows:
            name = f"{row.sample_code}.png"
            (thumbs_dir / name).write_bytes(row.thumbnail)
            names[row.sample_code] = f"{thumbs_dir.name}/{name}"
    result = ExportResult(lab.code, rows)
    if "xlsx" in wanted:
        result.files["xlsx"] = out_dir / f"{stem}.xlsx"
        write_xlsx(rows, result.files["xlsx"], lab)
    if "csv" in wanted:
        result.files["csv"] = out_dir / f"{stem}.csv"
        write_csv(rows, result.files["csv"], names)
    if "html" in wanted:
        result.files["html"] = out_dir / f"{stem}-samples.html"
        write_html(rows, result.files["html"], lab, names, local.strftime("%Y-%m-%d %H:%M"))
    audit(
        session,
        clock,
        actor,
        "lab.export",
        "lab",
        lab.code,
        {"samples": result.sample_codes, "files": {k: v.name for k, v in result.files.items()}},
    )
    return result
