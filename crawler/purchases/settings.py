"""Purchasing settings: the sample ID parts and the bureau's buyer accounts, from a small YAML file."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FILE_NAME = "purchasing.yaml"


class PurchasingSettingsError(ValueError):
    """A purchasing settings file that cannot be used."""


class PurchasingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sample_prefix: str = Field(default="WG", pattern=r"^[A-Z]{1,4}$")
    region_code: str = Field(default="SH", pattern=r"^[A-Z][A-Z0-9]{1,5}$")
    buyer_accounts: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("buyer_accounts")
    @classmethod
    def _accounts(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        cleaned = {}
        for platform, names in value.items():
            names = [n.strip() for n in names if n and n.strip()]
            if not names:
                raise ValueError(f"platform {platform!r} has no account names")
            if any(not re.match(r"^[\w.@-]{1,100}$", n) for n in names):
                raise ValueError(f"platform {platform!r}: account names are letters, digits, _ . @ -")
            cleaned[platform] = names
        return cleaned

    def buyer_for(self, platform: str, index: int) -> str:
        """The ``index``-th buyer on ``platform`` (round robin); a platform without accounts gets a
        placeholder name the liaison must replace."""
        names = self.buyer_accounts.get(platform)
        if not names:
            return f"unassigned-{platform}"
        return names[index % len(names)]


def load_purchasing_settings(data_dir: Path | None = None) -> PurchasingSettings:
    """``<data_dir>/purchasing.yaml`` if present, else the shipped file."""
    path = Path(data_dir) / FILE_NAME if data_dir is not None else None
    if path is not None and path.is_file():
        text, where = path.read_text("utf-8"), str(path)
    else:
        text = resources.files("crawler.purchases").joinpath(FILE_NAME).read_text("utf-8")
        where = f"{FILE_NAME} (shipped)"
    try:
        data = yaml.safe_load(text) or {}
        return PurchasingSettings.model_validate(data)
    except yaml.YAMLError as exc:
        raise PurchasingSettingsError(f"{where}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise PurchasingSettingsError(f"{where}: {problems}") from exc
