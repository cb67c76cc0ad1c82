"""The manifest of a capture: what was captured, how, when, and the SHA-256 of every artefact.

It is serialised canonically (:func:`crawler.evidence.hashing.canonical_json`), stored in the object
store under its own hash, and that hash is what the evidence log and any timestamp token refer to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from crawler.evidence.hashing import canonical_json

MANIFEST_FORMAT = "surveil-evidence-manifest/1"


@dataclass(frozen=True)
class ArtefactEntry:
    name: str
    kind: str
    sha256: str
    size: int
    mime: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "sha256": self.sha256,
            "size": self.size,
            "mime": self.mime,
        }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return canonical_json(manifest)


def build_manifest(*, artefacts: list[ArtefactEntry], **fields: Any) -> dict[str, Any]:
    names = [a.name for a in artefacts]
    if len(set(names)) != len(names):
        raise ValueError(f"artefact names repeat: {names}")
    return {
        **fields,
        "format": MANIFEST_FORMAT,
        "artefacts": [a.as_dict() for a in sorted(artefacts, key=lambda a: a.name)],
    }


def parse_manifest(data: bytes) -> dict[str, Any]:
    value = json.loads(data.decode("utf-8"))
    if not isinstance(value, dict) or value.get("format") != MANIFEST_FORMAT:
        raise ValueError("not an evidence manifest")
    if not isinstance(value.get("artefacts"), list):
        raise ValueError("manifest lists no artefacts")
    return value
