"""Chinese spot-check result lists (产品质量监督抽查不合格产品名单), national and provincial layouts.

Columns are mapped by meaning: the national notices say 产品种类 / 标称企业名称 / 商标 / 主要不合格项目 /
承检机构, provincial ones 产品名称 / 标称生产企业名称 / 标称商标 / 不合格项目 / 检验机构 and more; title
rows above the header, footnotes below, merged cells and ``/`` or ``—`` for empty are expected."""

from __future__ import annotations

import hashlib
import re

from crawler.references.build import make_record
from crawler.references.normalise import clean_text, parse_partial_date, split_dates_and_batches, split_list
from crawler.references.records import ReferenceRecord
from crawler.references.result import ReadContext
from crawler.references.tabular import Formula, Header, ReadError, Sheet, data_rows, find_header
from crawler.storage.models import ListType

ALIASES: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号"),
    "product_name": (
        "产品名称",
        "样品名称",
        "商品名称",
        "抽查产品名称",
        "抽检产品名称",
        "产品名称(样品名称)",
    ),
    "category": ("产品种类", "产品类别", "产品类型", "抽查产品", "产品大类", "类别"),
    "brand": ("商标", "标称商标", "品牌", "注册商标", "商标(品牌)", "标称品牌"),
    "model": ("规格型号", "型号规格", "型号", "规格", "规格/型号", "型号/规格", "标称规格型号"),
    "date_batch": (
        "生产日期/批号",
        "生产日期或批号",
        "生产日期(批号)",
        "生产日期/批次",
        "批号/生产日期",
        "生产日期、批号",
        "生产日期/批号/编号",
        "生产批次",
    ),
    "production_date": ("生产日期", "生产日期/购进日期", "生产(购进)日期", "标称生产日期"),
    "batch": ("批号", "批次号", "生产批号", "批号/编号"),
    "manufacturer": (
        "标称生产企业名称",
        "标称企业名称",
        "生产企业名称",
        "标称生产企业",
        "生产企业",
        "标称生产者名称",
        "生产者名称",
        "标称生产(进口)企业名称",
        "标称制造商",
        "生产单位",
        "企业名称",
    ),
    "sampled_from": (
        "被抽样单位名称",
        "被抽样单位",
        "被抽查单位",
        "被抽查单位名称",
        "受检单位名称",
        "受检单位",
        "销售单位",
        "经销单位",
        "网店名称",
        "店铺名称",
    ),
    "location": (
        "所在地",
        "企业所在地",
        "所在地区",
        "标称生产企业地址",
        "生产企业地址",
        "地址",
        "被抽样单位所在地",
    ),
    "hazard": (
        "主要不合格项目",
        "不合格项目",
        "不合格项目名称",
        "不合格项",
        "主要不合格项",
        "不合格内容",
        "检验不合格项目",
        "不合格项目(检测值/标准值)",
    ),
    "lab": ("承检机构", "检验机构", "检测机构", "承检单位", "检验单位"),
    "verdict": ("检验结论", "抽查结果", "检验结果", "结论", "判定结果"),
    "platform": ("电商平台", "销售平台", "抽样平台", "网络平台"),
    "url": ("网址", "链接", "商品链接", "网店网址"),
    "published_on": ("公告日期", "发布日期", "通报日期"),
    "notes": ("备注", "说明"),
}
NOTE_PREFIX = re.compile(r"^\s*(注|说明|备注|附注|数据来源|来源|\*)")
HAZARD_SEPARATORS = r"[,;，；、\n]"
PUBLISHED = re.compile(
    r"(?:发布|公告|通报|日期)[^\d]{0,6}(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})"
)


def find_layout(sheet: Sheet) -> Header | None:
    """The header row of a spot-check list: at least three columns known by meaning, among them a product
    and either a company or the failed test items."""
    header = find_header(sheet.rows, ALIASES, minimum=3)
    if header is None:
        return None
    cols = header.columns
    if ("product_name" in cols or "category" in cols) and ("manufacturer" in cols or "hazard" in cols):
        return header
    return None


def read(ctx: ReadContext, sheets: list[Sheet]) -> list[ReferenceRecord]:
    out: list[ReferenceRecord] = []
    found = False
    for sheet in sheets:
        header = find_layout(sheet)
        where = f"sheet {sheet.name!r} " if sheet.name and len(sheets) > 1 else ""
        if header is None:
            if any(any(str(c).strip() for c in cells) for _, cells in sheet.rows):
                ctx.warn(
                    where.strip() or "file",
                    "no spot-check header row (产品名称/产品种类, 企业名称, 不合格项目 …); skipped",
                )
            continue
        found = True
        header_row = dict(sheet.rows)[header.line]
        title, published = _title(sheet, header)
        for line, cells in data_rows(sheet, header):
            record = _row(ctx, f"{where}row {line}", header, header_row, cells, title, published)
            if record:
                out.append(record)
    if not found:
        raise ReadError(
            f"{ctx.name}: no spot-check header row; expected columns such as 产品名称 or 产品种类, 商标, 规格型号, "
            "生产日期/批号, 标称生产企业名称, 不合格项目"
        )
    return out


def _title(sheet: Sheet, header: Header) -> tuple[str | None, str | None]:
    """The notice's title and publication date, from the rows above the header."""
    texts: list[str] = []
    for line, cells in sheet.rows:
        if line >= header.line:
            break
        for cell in cells:
            text = clean_text(cell)
            if text and text not in texts:
                texts.append(text)
    published = None
    for text in texts:
        m = PUBLISHED.search(text)
        if m:
            published = f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
            break
    return ("; ".join(texts)[:500] or None), published


def _is_note(cells: list[str], header: Header) -> bool:
    filled = [str(c).strip() for c in cells if str(c).strip()]
    if not filled:
        return True
    if NOTE_PREFIX.match(filled[0]) and len(set(filled)) == 1:
        return True
    # a footnote typed into one merged row: the same text in every cell, or in one cell only
    return (
        len(set(filled)) == 1
        and len(filled[0]) > 12
        and not any(
            str(cells[i]).strip()
            for f, i in header.columns.items()
            if f in ("hazard", "model") and i < len(cells)
        )
    )


def _row(
    ctx: ReadContext,
    location: str,
    header: Header,
    header_row: list[str],
    cells: list[str],
    title: str | None,
    published: str | None,
) -> ReferenceRecord | None:
    if _is_note(cells, header):
        return None
    values = {f: (cells[i] if i < len(cells) else "") for f, i in header.columns.items()}
    if [clean_text(v) for v in values.values()] == [
        clean_text(header_row[i]) for i in header.columns.values()
    ]:
        return None
    for name, value in values.items():
        if isinstance(value, Formula):
            ctx.problem(
                location,
                f"cell holds a formula ({value[:60]}); formulas are not evaluated, enter the value",
                name,
            )
            return None
        if not ctx.check_size(location, name, value):
            return None
    verdict = clean_text(values.get("verdict"))
    if verdict and "不合格" not in verdict and ("合格" in verdict or verdict.lower() == "pass"):
        ctx.warn(
            location, f"verdict {verdict!r}: a passed sample, not a non-compliant entry; left out", "verdict"
        )
        return None
    product = clean_text(values.get("product_name")) or clean_text(values.get("category"))
    manufacturer = clean_text(values.get("manufacturer"))
    hazard_items = split_list(values.get("hazard"), HAZARD_SEPARATORS)
    if not product and not manufacturer:
        ctx.problem(location, "neither a product nor a company is named", "product_name")
        return None
    dates, batches = split_dates_and_batches(values.get("date_batch"))
    for part in split_list(values.get("batch")):
        if part not in batches:
            batches.append(part)
    if clean_text(values.get("production_date")):
        single = parse_partial_date(values.get("production_date"))
        if single:
            dates.append(single)
        else:
            more_dates, more_batches = split_dates_and_batches(values.get("production_date"))
            dates.extend(d for d in more_dates if d not in dates)
            batches.extend(b for b in more_batches if b not in batches)
    model_text = values.get("model")
    key_source = "|".join(
        [manufacturer or "", product or "", clean_text(values.get("brand")) or "", clean_text(model_text) or "",
         ",".join(dates), ",".join(batches), clean_text(values.get("sampled_from")) or ""]
    )  # fmt: skip
    ref_id = "SC-" + hashlib.sha256(key_source.encode()).hexdigest()[:16]
    return make_record(
        ctx,
        location,
        ref_id=ref_id,
        default_list_type=ListType.NONCOMPLIANT,
        raw={
            header_row[i].strip() or f"column {i + 1}": (cells[i] if i < len(cells) else "")
            for i in range(len(header_row))
        },
        product_name=product,
        brand=values.get("brand"),
        models=model_text,
        batch_list=batches,
        production_date_list=dates,
        manufacturer=manufacturer,
        category_text=values.get("category"),
        hazard="、".join(hazard_items) if hazard_items else None,
        source_url=values.get("url"),
        published_on=values.get("published_on") if clean_text(values.get("published_on")) else published,
        extra={
            "failed_items": hazard_items,
            "sequence": clean_text(values.get("seq")),
            "sampled_from": clean_text(values.get("sampled_from")),
            "location": clean_text(values.get("location")),
            "lab": clean_text(values.get("lab")),
            "platform": clean_text(values.get("platform")),
            "verdict": verdict,
            "notes": clean_text(values.get("notes")),
            "date_batch_text": clean_text(values.get("date_batch")),
            "notice": title,
        },
    )
