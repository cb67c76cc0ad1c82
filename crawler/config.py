"""Typed configuration: environment variables prefixed ``SURVEIL_`` plus an optional TOML file.

Nothing here touches the disk at import; :func:`load_settings` is called by the composition root.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "SURVEIL_"
CONFIG_ENV = "SURVEIL_CONFIG"
DISPLAY_TIMEZONE = "Asia/Shanghai"


class ConfigError(ValueError):
    """A configuration file or value that cannot be used, with the reason."""


class Settings(BaseSettings):
    """Every setting of the system. Environment variables win over the config file."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", validate_default=True)

    data_dir: Path = Field(
        default=Path("var"), description="Where the SQLite file, images and evidence live."
    )
    database_url: str | None = Field(
        default=None, description="Any SQLAlchemy URL; default is a SQLite file in data_dir."
    )
    display_timezone: str = DISPLAY_TIMEZONE
    browser_executable: str | None = Field(
        default=None,
        description="Chromium to drive; default is Playwright's own browser if installed, else /usr/bin/chromium.",
    )
    browser_device: str = Field(default="Pixel 7", description="Playwright device profile for rendering.")
    log_level: str = "INFO"
    sandbox_url: str | None = Field(
        default=None,
        description="Local sandbox marketplace used as HTTP proxy (https rewritten to http); None = real sites.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis shared by distributed crawl workers (redis://host:6379/0); None = single-process crawls.",
    )
    redis_prefix: str = Field(
        default="surveil", description="Prefix of every Redis key of the distributed crawl."
    )
    evidence_tsa_url: str | None = Field(
        default=None,
        description="RFC 3161 timestamp authority for evidence manifests; None = system time only.",
    )
    evidence_tsa_timeout: float = Field(default=15.0, gt=0, description="Seconds to wait for the TSA.")
    evidence_retention_days: int = Field(
        default=90, ge=0, description="Days to keep captures of listings with no flag; 0 keeps them forever."
    )
    smtp_host: str | None = Field(default=None, description="Mail server for the morning digest.")
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "surveil@localhost"
    notify_email: dict[str, list[str]] = Field(
        default_factory=dict, description='Digest recipients per role, e.g. {"analyst": ["a@bureau.cn"]}.'
    )
    notify_webhooks: dict[str, list[str]] = Field(
        default_factory=dict, description="Webhook URLs per role; the digest is POSTed there as JSON."
    )
    crawl_depth: int = Field(default=3, ge=1, le=100, description="Search result pages per term, nightly.")
    crawl_max_terms: int | None = Field(default=None, ge=1, description="Search terms per category, nightly.")
    crawl_categories: list[str] = Field(
        default_factory=list, description="Categories crawled nightly; empty means every active category."
    )
    scheduler_lease_seconds: float = Field(
        default=120, gt=0, description="A job's lease; a killed process's job is free again after this."
    )
    takedown_recheck_days: int = Field(
        default=7, ge=1, description="Re-check confirmed listings after N days."
    )
    digest_min_risk: float = Field(
        default=0.6, ge=0, le=1, description="Flags at or above this are high-risk."
    )
    metrics_token: str | None = Field(
        default=None, description="Bearer token for the review app's /metrics; None = no /metrics."
    )

    @field_validator("display_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'surveil.db').resolve()}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file; its top-level keys are setting names (``data_dir = "…"``)."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    section = data.get("surveil", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: expected a table of settings")
    return section


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: overrides > environment > config file (``SURVEIL_CONFIG``) > defaults."""
    if config_file is None and os.environ.get(CONFIG_ENV):
        config_file = Path(os.environ[CONFIG_ENV])
    file_values = read_config_file(config_file) if config_file else {}
    unknown = sorted(set(file_values) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"{config_file}: unknown settings {', '.join(unknown)}")
    from_env = {name[len(ENV_PREFIX) :].lower() for name in os.environ if name.startswith(ENV_PREFIX)}
    values = {k: v for k, v in file_values.items() if k not in from_env}
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        source = f" (from {config_file} and the environment)" if config_file else ""
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid settings{source}: {problems}") from exc
