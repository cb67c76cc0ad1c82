"""The catalogue file's schema and a loader that names the line of every problem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class CatalogueError(ValueError):
    """A catalogue file that cannot be imported; ``problems`` lists every reason with its line."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{path}: refused, {len(problems)} problem(s):\n" + "\n".join(problems))


class CategorySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    priority: int = Field(ge=1, le=5, description="1 is the highest priority")
    licence_required: bool = False
    ccc_required: bool = False
    yearly_quota: int = Field(default=0, ge=0)
    search_terms: dict[str, list[str]]
    risk_factors: list[str] = Field(default_factory=list)
    test_items: list[str] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_PATTERN.match(value):
            raise ValueError("must be 2-63 characters of a-z, 0-9 and _, starting with a letter")
        return value

    @field_validator("search_terms")
    @classmethod
    def _terms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        cleaned = {key: [t.strip() for t in terms if t and t.strip()] for key, terms in value.items()}
        if not cleaned.get("zh") and not cleaned.get("en"):
            raise ValueError("needs search terms under 'zh' or 'en'")
        return cleaned

    def terms_for(self, platform: str, language: str) -> list[str]:
        """The search terms for ``platform``: its own list if given, else the platform language's."""
        return self.search_terms.get(platform) or self.search_terms.get(language) or []


class PlatformSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    language: str = Field(pattern="^(zh|en)$")
    allowed_hosts: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class Catalogue:
    categories: list[CategorySpec]

    def by_code(self, code: str) -> CategorySpec:
        for spec in self.categories:
            if spec.code == code:
                return spec
        raise KeyError(f"unknown category {code!r}; known: {', '.join(c.code for c in self.categories)}")


def _items_with_lines(text: str, path: Path | str, key: str) -> list[tuple[int, Any]]:
    try:
        root_node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = str(mark.line + 1) if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogueError(path, [f"{path}:{where}: not valid YAML: {problem}"]) from exc
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise CatalogueError(path, [f"{path}:1: expected a top-level '{key}:' list"])
    seq_node = next(v for k, v in root_node.value if k.value == key)
    return [(node.start_mark.line + 1, item) for node, item in zip(seq_node.value, data[key], strict=True)]


def _format_error(path: Path | str, line: int, label: str, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "entry"
        out.append(f"{path}:{line}: {label}: {field}: {err['msg']}")
    return out


def parse_categories(text: str, path: Path | str = "<catalogue>") -> Catalogue:
    problems: list[str] = []
    specs: list[CategorySpec] = []
    seen: dict[str, int] = {}
    for index, (line, item) in enumerate(_items_with_lines(text, path, "categories")):
        label = f"category {item.get('code', '#' + str(index + 1))!r}" if isinstance(item, dict) else "entry"
        if not isinstance(item, dict):
            problems.append(f"{path}:{line}: entry {index + 1}: expected a mapping of fields")
            continue
        try:
            spec = CategorySpec.model_validate(item)
        except ValidationError as exc:
            problems.extend(_format_error(path, line, label, exc))
            continue
        if spec.code in seen:
            problems.append(f"{path}:{line}: {label}: code: duplicate of the entry on line {seen[spec.code]}")
            continue
        seen[spec.code] = line
        specs.append(spec)
    if problems:
        raise CatalogueError(path, problems)
    return Catalogue(specs)


def parse_platforms(text: str, path: Path | str = "<platforms>") -> list[PlatformSpec]:
    problems: list[str] = []
    specs: list[PlatformSpec] = []
    for line, item in _items_with_lines(text, path, "platforms"):
        try:
            specs.append(PlatformSpec.model_validate(item))
        except ValidationError as exc:
            problems.extend(_format_error(path, line, f"platform {item.get('code')!r}", exc))
    if problems:
        raise CatalogueError(path, problems)
    return specs


def load_categories(path: Path | None = None) -> Catalogue:
    """Load a catalogue file, or the one shipped with the package."""
    if path is None:
        text = resources.files("crawler.catalogue").joinpath("categories.yaml").read_text("utf-8")
        return parse_categories(text, "categories.yaml (shipped)")
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError as exc:
        raise CatalogueError(path, [f"{path}: file not found"]) from exc
    except UnicodeDecodeError as exc:
        raise CatalogueError(path, [f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    return parse_categories(text, path)


def load_platforms() -> list[PlatformSpec]:
    text = resources.files("crawler.catalogue").joinpath("platforms.yaml").read_text("utf-8")
    return parse_platforms(text, "platforms.yaml (shipped)")


def dump_categories(specs: list[CategorySpec]) -> str:
    """Write specs back in the file's own format, so an export re-imports unchanged."""
    payload = {"categories": [spec.model_dump() for spec in specs]}
    return yaml.safe_dump(payload, allow_unicode=True, sort_keys=False, width=110)
