"""Reference lists: importers for recall, non-compliant, licence, licensed-product and blacklist lists."""

from crawler.references.records import ImportProblem, ReferenceRecord
from crawler.references.result import ImportResult, UnknownFormatError


def read_records(path, list_type=None, fmt="auto", source=None):  # type: ignore[no-untyped-def]
    """Read a reference list file into normalised records (see crawler.references.reader)."""
    from crawler.references.reader import read_records as _read

    return _read(path, list_type=list_type, fmt=fmt, source=source)


__all__ = ["ImportProblem", "ImportResult", "ReferenceRecord", "UnknownFormatError", "read_records"]
