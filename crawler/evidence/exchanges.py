"""One HTTP request and its response as the browser saw them, bodies included."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Exchange:
    url: str
    method: str
    request_headers: list[tuple[str, str]]
    started_at: datetime
    fetched_url: str = ""
    request_body: bytes = b""
    status: int | None = None
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    resource_type: str = ""
    error: str | None = None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.response_headers if k.lower() == lowered), None)

    @property
    def mime(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()
