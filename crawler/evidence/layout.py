"""Where evidence lives under the data directory: ``evidence/objects/ab/cd/…`` and ``evidence/log.jsonl``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crawler.config import Settings
from crawler.evidence.log import EvidenceLog
from crawler.evidence.store import ObjectStore


@dataclass(frozen=True)
class EvidenceLayout:
    root: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> EvidenceLayout:
        return cls(Path(settings.data_dir) / "evidence")

    @property
    def store(self) -> ObjectStore:
        return ObjectStore(self.root / "objects")

    @property
    def log(self) -> EvidenceLog:
        return EvidenceLog(self.root / "log.jsonl")

    @property
    def anchors_path(self) -> Path:
        """Where ``surveil evidence anchor`` writes head records unless told another place."""
        return self.root / "anchors.jsonl"
