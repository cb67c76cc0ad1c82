"""Spider arguments as a validated model: bad arguments fail at start with a readable message."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class ArgumentError(ValueError):
    pass


class CrawlArguments(BaseModel):
    """What ``scrapy crawl <platform> -a name=value`` and ``surveil crawl`` accept."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: list[str] = Field(default_factory=list, description="Category codes; empty means all active.")
    term: list[str] = Field(default_factory=list, description="Extra search terms (tests, ad-hoc checks).")
    depth: int = Field(default=3, ge=1, le=100, description="Search result pages per term.")
    limit: int | None = Field(default=None, ge=1, description="Stop after this many listings.")
    run_id: int | None = Field(default=None, ge=1, description="Continue (resume) this crawl run.")
    refresh_days: float = Field(
        default=30.0,
        ge=0,
        description="Re-open product pages after this many days (spread up to twice that).",
    )
    details: str = Field(default="auto", pattern="^(auto|always|never)$")
    max_terms: int | None = Field(default=None, ge=1, description="Use at most this many terms a category.")

    @field_validator("category", "term", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> CrawlArguments:
        """From Scrapy's ``-a`` strings; a readable error naming every bad argument."""
        values = {k: v for k, v in raw.items() if v is not None and k not in {"_job"}}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}" for err in exc.errors()
            )
            raise ArgumentError(f"invalid spider arguments: {problems}") from exc
