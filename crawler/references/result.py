"""What reading one file gives: the records, the problems, and what the file was taken to be."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler.references.categorise import CategoryMapper
from crawler.references.records import ImportProblem, ReferenceRecord
from crawler.storage.models import ListType

MAX_CELL_CHARS = 20_000


class UnknownFormatError(ValueError):
    """The file is none of the formats the importers read; the message says what was expected."""


@dataclass
class ImportResult:
    records: list[ReferenceRecord] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    format: str = ""
    source: str = ""
    file: str = ""
    file_sha256: str = ""

    @property
    def errors(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity != "error"]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "source": self.source,
            "records": [r.to_json() for r in self.records],
            "errors": [asdict(p) for p in self.problems],
        }


@dataclass
class ReadContext:
    """Shared by the readers of one file: where problems go, the caller's overrides, the category map."""

    path: Path
    list_type: ListType | None
    source: str
    categories: CategoryMapper
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    def problem(self, location: str, reason: str, field: str | None = None, severity: str = "error") -> None:
        self.problems.append(ImportProblem(self.name, location, reason, field, severity))

    def warn(self, location: str, reason: str, field: str | None = None) -> None:
        self.problem(location, reason, field, severity="warning")

    def check_size(self, location: str, field_name: str, value: Any) -> bool:
        """False (with an error) when a cell is beyond any plausible length."""
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            self.problem(
                location,
                f"value of {len(value)} characters exceeds the limit of {MAX_CELL_CHARS}",
                field_name,
            )
            return False
        return True
