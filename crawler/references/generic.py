"""The project's own list layout (CSV or XLSX): recall and spot-check lists entered by hand, the licence
registry, licensed-product allow-lists and company blacklists. Columns beyond the standard ones (licence
number, holder, status, cancelled_on …) are kept in ``extra``."""

from __future__ import annotations

from pathlib import Path

from crawler.references.build import make_record
from crawler.references.normalise import clean_text, parse_date
from crawler.references.records import ReferenceRecord
from crawler.references.result import ReadContext
from crawler.references.tabular import Formula, ReadError, Sheet, data_rows, find_header, header_key
from crawler.storage.models import ListType

COLUMNS = (
    "ref_id", "list_type", "product_name", "brand", "model", "batch", "barcode", "manufacturer", "category",
    "hazard", "image_paths", "source", "published_on",
)  # fmt: skip
ALIASES: dict[str, tuple[str, ...]] = {name: (name,) for name in COLUMNS}
ALIASES.update(
    {
        "model": ("model", "models"),
        "batch": ("batch", "batches"),
        "barcode": ("barcode", "barcodes", "gtin"),
        "image_paths": ("image_paths", "images", "photos"),
    }
)
EXTRA_ALIASES = {
    "licence_no": ("licence_no", "licence_number", "license_no", "license_number", "licence", "许可证编号"),
    "holder": ("holder", "licence_holder", "证书持有人"),
    "status": ("status", "状态"),
    "cancelled_on": ("cancelled_on", "canceled_on", "revoked_on", "注销日期"),
    "valid_until": ("valid_until", "expires_on", "有效期至"),
    "issued_on": ("issued_on", "发证日期"),
}
DATE_EXTRAS = frozenset({"cancelled_on", "valid_until", "issued_on"})
URL_PREFIXES = ("http://", "https://")


def looks_generic(sheet: Sheet) -> bool:
    header = find_header(sheet.rows, ALIASES, minimum=3)
    return header is not None and "ref_id" in header.columns


def _photos(ctx: ReadContext, location: str, value: str) -> list[str]:
    folder = ctx.path.resolve().parent
    out: list[str] = []
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        if part.lower().startswith(URL_PREFIXES):
            out.append(part)
            continue
        target = (folder / part).resolve()
        if not target.is_relative_to(folder):
            ctx.warn(
                location, f"image path {part!r} points outside the list's folder; left out", "image_paths"
            )
            continue
        if not target.is_file():
            ctx.warn(location, f"image file {part!r} not found next to the list", "image_paths")
        out.append(str(target))
    return out


def read(ctx: ReadContext, sheets: list[Sheet]) -> list[ReferenceRecord]:
    out: list[ReferenceRecord] = []
    found = False
    for sheet in sheets:
        header = find_header(sheet.rows, ALIASES, minimum=3)
        if header is None or "ref_id" not in header.columns:
            if any(any(str(c).strip() for c in cells) for _, cells in sheet.rows):
                ctx.warn(
                    f"sheet {sheet.name!r}" if sheet.name else "file", "no header row naming ref_id; skipped"
                )
            continue
        found = True
        extra_columns: dict[str, int] = {}
        extra_lookup = {header_key(a): k for k, names in EXTRA_ALIASES.items() for a in names}
        header_cells = dict(sheet.rows)[header.line]
        for position, cell in enumerate(header_cells):
            key = header_key(cell)
            if not key or position in header.columns.values():
                continue
            extra_columns[extra_lookup.get(key, key)] = position
        prefix = f"sheet {sheet.name!r} " if sheet.name and len(sheets) > 1 else ""
        for line, cells in data_rows(sheet, header):
            location = f"{prefix}row {line}"
            record = _row(ctx, location, header.columns, extra_columns, cells)
            if record:
                out.append(record)
    if not found:
        raise ReadError(f"{ctx.name}: no header row naming ref_id; expected the columns {', '.join(COLUMNS)}")
    return out


def _row(
    ctx: ReadContext, location: str, columns: dict[str, int], extra_columns: dict[str, int], cells: list[str]
) -> ReferenceRecord | None:
    def cell(position: int) -> str:
        return cells[position] if position < len(cells) else ""

    row = {name: cell(i) for name, i in columns.items()}
    extras = {name: cell(i) for name, i in extra_columns.items()}
    for name, value in {**row, **extras}.items():
        if isinstance(value, Formula):
            ctx.problem(
                location,
                f"cell holds a formula ({value[:60]}); formulas are not evaluated, enter the value",
                name,
            )
            return None
        if not ctx.check_size(location, name, value):
            return None
    list_type_text = clean_text(row.get("list_type"))
    if list_type_text:
        try:
            list_type = ListType(list_type_text.lower())
        except ValueError:
            ctx.problem(location, f"unknown list type {list_type_text!r}; expected one of {', '.join(t.value for t in ListType)}", "list_type")  # fmt: skip
            return None
    elif ctx.list_type:
        list_type = ctx.list_type
    else:
        ctx.problem(location, "no list type in the row and none given (--list-type)", "list_type")
        return None
    extra: dict[str, object] = {}
    for name, value in extras.items():
        text = clean_text(value)
        if text is None:
            continue
        if name in DATE_EXTRAS:
            parsed = parse_date(text)
            if parsed is None:
                ctx.problem(location, f"not a date: {text!r}", name)
                return None
            extra[name] = parsed.isoformat()
        else:
            extra[name] = text
    if clean_text(row.get("source")):
        extra["row_source"] = clean_text(row.get("source"))
    record = make_record(
        ctx,
        location,
        ref_id=row.get("ref_id"),
        default_list_type=list_type,
        raw={**row, **extras},
        product_name=row.get("product_name"),
        brand=row.get("brand"),
        models=row.get("model"),
        batches=row.get("batch"),
        production_dates=None,
        barcodes=row.get("barcode"),
        manufacturer=row.get("manufacturer"),
        category_text=row.get("category"),
        hazard=row.get("hazard"),
        photos=_photos(ctx, location, row.get("image_paths") or ""),
        published_on=row.get("published_on"),
        extra=extra,
        category_first=True,
    )
    if record is None:
        return None
    record.list_type = list_type
    code = clean_text(row.get("category"))
    if code and code in ctx.categories.codes:
        record.category = code
    return record


def source_name(records: list[ReferenceRecord], path: Path) -> str:
    """The list a generic file goes to: the one ``source`` its rows name, else the file's stem."""
    named = {r.extra.get("row_source") for r in records if r.extra.get("row_source")}
    if len(named) == 1:
        return str(named.pop())
    return path.stem.lower().replace(" ", "-")
