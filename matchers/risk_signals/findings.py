"""What a risk signal found about one listing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Finding:
    """``kind`` names the signal (licence, ccc_missing, licensed_ip, blacklist, price); ``subject`` says
    what it is about (a number, an entry, a peer group), so one listing has one finding per subject.
    ``strength`` (0..1) is how sure the signal is; ``reasons`` explain it."""

    kind: str
    subject: str
    strength: float
    reasons: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
