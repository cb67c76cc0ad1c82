"""YAML platform profiles: a platform described as data (endpoints, JSON paths or CSS selectors,
pagination, identity) and crawled by the generic profile spider, without code."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ProfileError(ValueError):
    pass


class BlockRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str | None = None  # JSON path (JSON responses)
    selector: str | None = None  # CSS selector (HTML responses)
    equals: Any = None
    kind: str = "captcha"
    reason: str = "block page"


class SearchSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(description="Template with {term}, {page}, {size}, {offset}.")
    method: str = "GET"
    format: str = Field(default="json", pattern="^(json|html)$")
    page_size: int = Field(default=20, ge=1)
    rows: str = Field(description="JSON path to the result list, or a CSS selector of result cells.")
    total: str | None = None
    has_next: str | None = None
    fields: dict[str, str]
    blocks: list[BlockRule] = Field(default_factory=list)


class SpecsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: str
    key: str
    value: str


class ItemSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(default="{url}", description="Template with {item_id} or {url} of the search row.")
    format: str = Field(default="html", pattern="^(json|html)$")
    fields: dict[str, str] = Field(default_factory=dict)
    images: str | None = None
    specs: SpecsSpec | None = None
    gone_when: str | None = None
    model_from_specs: list[str] = Field(default_factory=list)
    barcode_from_specs: list[str] = Field(default_factory=list)
    licence_from_specs: list[str] = Field(default_factory=list)
    blocks: list[BlockRule] = Field(default_factory=list)


class IdentitySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device: str = "Pixel 7"
    headers: dict[str, str] = Field(default_factory=dict)


class PlatformProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: str
    language: str = Field(default="zh", pattern="^(zh|en)$")
    currency: str = "CNY"
    allowed_hosts: list[str] = Field(min_length=1)
    identity: IdentitySpec = Field(default_factory=IdentitySpec)
    seller_id_from_name: bool = False
    search: SearchSpec
    item: ItemSpec | None = None


def parse_profile(text: str, source: str) -> PlatformProfile:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{source}: not valid YAML: {exc}") from exc
    try:
        return PlatformProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ProfileError(f"{source}: {problems}") from exc


def profile_names() -> list[str]:
    root = resources.files("crawler.crawling.profiles")
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir() if p.name.endswith(".yaml"))


def load_profile(code_or_path: str) -> PlatformProfile:
    """A shipped profile by platform code, or a profile file by path."""
    path = Path(code_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return parse_profile(path.read_text("utf-8"), str(path))
    root = resources.files("crawler.crawling.profiles")
    candidate = root.joinpath(f"{code_or_path}.yaml")
    if not candidate.is_file():
        raise ProfileError(f"no platform profile {code_or_path!r}; shipped: {', '.join(profile_names())}")
    return parse_profile(candidate.read_text("utf-8"), f"{code_or_path}.yaml (shipped)")
