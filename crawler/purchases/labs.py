"""Testing labs as data: the shipped ``labs.yaml``, additions by the administrator, and the choice of a
lab for a sample's category."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.orm import Session

from crawler.catalogue.schema import CODE_PATTERN
from crawler.purchases.actors import Actor, audit
from crawler.storage.models import Lab
from crawler.storage.repositories.purchases import LabRepository
from crawler.timeutil import Clock

ALL_CATEGORIES = "*"
EXPORT_FORMATS = ("xlsx", "csv", "html")


class LabError(ValueError):
    """A lab definition that cannot be used."""


class ExportPreferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    formats: list[str] = Field(default_factory=lambda: list(EXPORT_FORMATS))
    turnaround_days: int = Field(default=30, ge=1, le=365)
    include_unreceived: bool = False

    @field_validator("formats")
    @classmethod
    def _formats(cls, value: list[str]) -> list[str]:
        unknown = [f for f in value if f not in EXPORT_FORMATS]
        if unknown or not value:
            raise ValueError(f"formats must be some of {', '.join(EXPORT_FORMATS)}")
        return value


class LabSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str
    name: str = Field(min_length=1)
    name_en: str = ""
    accepted_categories: list[str] = Field(min_length=1)
    export_preferences: ExportPreferences = Field(default_factory=ExportPreferences)
    contact: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_PATTERN.match(value):
            raise ValueError("must be 2-63 characters of a-z, 0-9 and _, starting with a letter")
        return value

    def to_row(self) -> Lab:
        prefs: dict[str, Any] = self.export_preferences.model_dump()
        if self.name_en:
            prefs["name_en"] = self.name_en
        return Lab(
            code=self.code,
            name=self.name,
            accepted_categories=list(self.accepted_categories),
            export_preferences=prefs,
            contact=self.contact,
        )


def parse_labs(text: str, where: str) -> list[LabSpec]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise LabError(f"{where}: not valid YAML: {exc}") from exc
    items = data.get("labs") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise LabError(f"{where}: expected a top-level 'labs:' list")
    specs, problems, seen = [], [], set()
    for index, item in enumerate(items, start=1):
        try:
            spec = LabSpec.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(f"{where}: lab {index}: {'.'.join(map(str, err['loc']))}: {err['msg']}")
            continue
        if spec.code in seen:
            problems.append(f"{where}: lab {index}: code {spec.code!r} appears twice")
            continue
        seen.add(spec.code)
        specs.append(spec)
    if problems:
        raise LabError("\n".join(problems))
    return specs


def load_labs(path: Path | None = None) -> list[LabSpec]:
    """Labs from ``path``, or the ones shipped in ``crawler/catalogue/labs.yaml``."""
    if path is None:
        text = resources.files("crawler.catalogue").joinpath("labs.yaml").read_text("utf-8")
        return parse_labs(text, "labs.yaml (shipped)")
    return parse_labs(Path(path).read_text("utf-8"), str(path))


def ensure_labs(session: Session, clock: Clock) -> list[Lab]:
    """The stored labs; on first use (none stored) the shipped ones are imported."""
    repo = LabRepository(session)
    if repo.count() == 0:
        for spec in load_labs():
            repo.add(spec.to_row())
            audit(session, clock, "system", "lab.import", "lab", spec.code, {"source": "labs.yaml"})
    return repo.all()


def add_lab(session: Session, clock: Clock, actor: Actor, spec: LabSpec, known_categories: set[str]) -> Lab:
    repo = LabRepository(session)
    ensure_labs(session, clock)
    if repo.by_code(spec.code) is not None:
        raise LabError(f"a lab with code {spec.code!r} already exists")
    unknown = [c for c in spec.accepted_categories if c != ALL_CATEGORIES and c not in known_categories]
    if unknown:
        raise LabError(f"unknown categories: {', '.join(unknown)}")
    lab = repo.add(spec.to_row())
    audit(
        session, clock, actor, "lab.add", "lab", lab.code, {"accepted_categories": spec.accepted_categories}
    )
    return lab


def accepts(lab: Lab, category_code: str | None) -> bool:
    cats = lab.accepted_categories or []
    return ALL_CATEGORIES in cats or (category_code is not None and category_code in cats)


def choose_lab(labs: list[Lab], category_code: str | None, load: dict[int, int]) -> Lab | None:
    """A lab that accepts the category: specialists before catch-all institutes, then the least loaded,
    then by code. ``load`` is updated with the choice."""
    fitting = [lab for lab in labs if accepts(lab, category_code)]
    if not fitting:
        return None
    fitting.sort(
        key=lambda lab: (ALL_CATEGORIES in (lab.accepted_categories or []), load.get(lab.id, 0), lab.code)
    )
    chosen = fitting[0]
    load[chosen.id] = load.get(chosen.id, 0) + 1
    return chosen


def turnaround_days(lab: Lab) -> int:
    return int((lab.export_preferences or {}).get("turnaround_days", 30))
