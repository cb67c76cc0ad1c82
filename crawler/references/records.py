"""The normalised reference record every importer produces, whatever the source format."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from crawler.storage.models import ListType


@dataclass
class ReferenceRecord:
    """One entry of a reference list, normalised; ``raw`` keeps the original record verbatim."""

    ref_id: str
    list_type: ListType
    product_name: str = ""
    brand: str | None = None
    models: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)
    production_dates: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    invalid_barcodes: list[str] = field(default_factory=list)
    manufacturer: str | None = None
    category: str | None = None
    category_text: str | None = None
    hazard: str | None = None
    source: str = ""
    source_url: str | None = None
    photos: list[str] = field(default_factory=list)
    published_on: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["list_type"] = self.list_type.value
        data["published_on"] = self.published_on.isoformat() if self.published_on else None
        return data

    def content_hash(self) -> str:
        """Hash of the normalised content (not ``raw``): equal hashes mean an unchanged entry."""
        data = self.to_json()
        data.pop("raw")
        return hashlib.sha256(
            json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()
        ).hexdigest()


@dataclass
class ImportProblem:
    """What could not be read: the file, where in it (row, record or line), the field and why."""

    file: str
    location: str
    reason: str
    field: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}: {self.location}"
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"
