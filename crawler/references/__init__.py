"""Reference lists: importers for recall, non-compliant, licence, licensed-product and blacklist lists."""

from __future__ import annotations

from pathlib import Path

from crawler.references.records import ImportProblem, ReferenceRecord
from crawler.references.result import ImportResult, UnknownFormatError
from crawler.storage.models import ListType


def read_records(
    path: Path | str, list_type: ListType | str | None = None, fmt: str = "auto", source: str | None = None
) -> ImportResult:
    """Read a reference list file into normalised records and the problems found; never touches the
    database. ``fmt`` is "auto" (detected from the content) or a name in ``detect.FORMATS``."""
    from crawler.references.reader import read_records as read

    return read(path, list_type=list_type, fmt=fmt, source=source)


__all__ = ["ImportProblem", "ImportResult", "ReferenceRecord", "UnknownFormatError", "read_records"]
