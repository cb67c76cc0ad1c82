"""Rows out of CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and XLSX files, and header rows found by name."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

MAX_HEADER_SCAN = 30
XLSX_MAX_BYTES = 50_000_000
CSV_FIELD_LIMIT = 16_000_000


class ReadError(ValueError):
    """The file cannot be read at all (encoding, container); the message says why."""


class Formula(str):
    """The text of a spreadsheet formula: kept as text, never evaluated."""

    __slots__ = ()


@dataclass
class Sheet:
    name: str
    rows: list[tuple[int, list[str]]]


def decode_text(data: bytes, file_name: str) -> tuple[str, str]:
    """The text and the encoding that read it: UTF-16 with a BOM (spreadsheet "Unicode text"), UTF-8
    (with or without BOM), else GB18030 (covers GBK)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ReadError(f"{file_name}: damaged UTF-16 text (byte {exc.start})") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            last = exc
    raise ReadError(
        f"{file_name}: not UTF-8 or GBK/GB18030 text (byte {last.start}: {data[last.start : last.start + 4]!r})"
    )


def csv_rows(text: str, file_name: str) -> Sheet:
    """All rows with their line numbers; a malformed line (huge field, stray quote) ends with ReadError."""
    sample = text[:4096]
    delimiter = ","
    if sample.count("\t") > sample.count(",") and sample.count("\t") > sample.count(";"):
        delimiter = "\t"
    elif sample.count(";") > sample.count(",") * 2:
        delimiter = ";"
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        # long cells are reported per row by the readers; the csv module's own limit would end the file
        csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        line = 1
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ReadError(f"{file_name}: line {reader.line_num}: not readable CSV: {exc}") from exc
    return Sheet(name="", rows=rows)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def xlsx_sheets(path: Path) -> list[Sheet]:
    """Every sheet's rows as text; merged ranges carry their top-left value into every cell they cover;
    formula cells come back as Formula text."""
    from openpyxl import load_workbook
    from openpyxl.worksheet.formula import ArrayFormula

    if path.stat().st_size > XLSX_MAX_BYTES:
        raise ReadError(f"{path.name}: larger than {XLSX_MAX_BYTES} bytes")
    try:
        book = load_workbook(path, data_only=False, read_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, AttributeError, IndexError) as exc:
        raise ReadError(
            f"{path.name}: not a readable XLSX workbook: {exc.__class__.__name__}: {exc}"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on damaged workbooks
        raise ReadError(
            f"{path.name}: not a readable XLSX workbook: {exc.__class__.__name__}: {exc}"
        ) from exc
    sheets: list[Sheet] = []
    try:
        for ws in book.worksheets:
            fill: dict[tuple[int, int], object] = {}
            for merged in ws.merged_cells.ranges:
                top = ws.cell(merged.min_row, merged.min_col)
                for r in range(merged.min_row, merged.max_row + 1):
                    for c in range(merged.min_col, merged.max_col + 1):
                        fill[(r, c)] = top
            rows: list[tuple[int, list[str]]] = []
            for row in ws.iter_rows():
                values: list[str] = []
                for cell in row:
                    source = fill.get((cell.row, cell.column), cell)
                    value = getattr(source, "value", None)
                    if isinstance(value, ArrayFormula):
                        values.append(Formula(value.text or ""))
                    elif getattr(source, "data_type", None) == "f" or (
                        isinstance(value, str) and value.startswith("=") and len(value) > 1
                    ):
                        values.append(Formula(str(value)))
                    else:
                        values.append(_cell_text(value))
                rows.append((row[0].row if row else len(rows) + 1, values))
            sheets.append(Sheet(name=ws.title, rows=rows))
    finally:
        book.close()
    return sheets


# --- headers -------------------------------------------------------------------------------------

_HEADER_NOISE = re.compile(r"[\s\ufeff*＊:：]+")


def header_key(text: str) -> str:
    """A column name reduced for comparison: no spaces, BOM, stars or colons; ASCII brackets; lower case."""
    text = text.replace("（", "(").replace("）", ")").replace("／", "/")
    return _HEADER_NOISE.sub("", text).lower()


@dataclass
class Header:
    line: int
    columns: dict[str, int]
    unknown: list[str]


def find_header(
    rows: Iterable[tuple[int, list[str]]], aliases: dict[str, tuple[str, ...]], minimum: int
) -> Header | None:
    """The first row (among the first few) naming at least ``minimum`` known columns; each field maps to
    the first column whose name is one of its aliases."""
    lookup: dict[str, str] = {}
    for field_name, names in aliases.items():
        for name in names:
            lookup.setdefault(header_key(name), field_name)
    for index, (line, cells) in enumerate(rows):
        if index >= MAX_HEADER_SCAN:
            break
        columns: dict[str, int] = {}
        unknown: list[str] = []
        for position, cell in enumerate(cells):
            key = header_key(cell)
            if not key:
                continue
            field_name = lookup.get(key)
            if field_name and field_name not in columns:
                columns[field_name] = position
            elif not field_name:
                unknown.append(cell.strip())
        if len(columns) >= minimum:
            return Header(line, columns, unknown)
    return None


def data_rows(sheet: Sheet, header: Header) -> Iterator[tuple[int, list[str]]]:
    """The rows after the header, blank ones left out."""
    for line, cells in sheet.rows:
        if line <= header.line:
            continue
        if not any(str(c).strip() for c in cells):
            continue
        yield line, cells
