"""A backup set's manifest: every file's SHA-256 and size, the manifest itself summed beside it.

``manifest.json`` is written last (to a temporary name, then renamed), so a set without one is an
unfinished backup. ``manifest.json.sha256`` holds the manifest's own sum in ``sha256sum`` format, so
``sha256sum -c manifest.json.sha256`` checks it with standard tools.
"""

from __future__ import annotations

import enum
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.evidence.hashing import sha256_bytes, sha256_file

FORMAT = "surveil-backup/1"
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.json.sha256"


class Problem(enum.StrEnum):
    MISSING = "missing"
    TRUNCATED = "truncated"
    GREW = "grew"
    TAMPERED = "tampered"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, kw_only=True)
class FileEntry:
    sha256: str
    size: int


@dataclass(frozen=True, kw_only=True)
class Finding:
    path: str
    problem: Problem
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.problem.value}" + (f" ({self.detail})" if self.detail else "")


@dataclass(kw_only=True)
class Manifest:
    created_at: str
    software_version: str
    database: dict[str, Any]
    files: dict[str, FileEntry] = field(default_factory=dict)

    def as_json(self) -> bytes:
        body = {
            "format": FORMAT,
            "created_at": self.created_at,
            "software_version": self.software_version,
            "database": self.database,
            "files": {path: {"sha256": e.sha256, "size": e.size} for path, e in sorted(self.files.items())},
        }
        return (json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, data: bytes) -> Manifest:
        body = json.loads(data.decode("utf-8"))
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} manifest")
        files = {
            str(path): FileEntry(sha256=str(e["sha256"]), size=int(e["size"]))
            for path, e in dict(body.get("files", {})).items()
        }
        return cls(
            created_at=str(body.get("created_at", "")),
            software_version=str(body.get("software_version", "")),
            database=dict(body.get("database", {})),
            files=files,
        )


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Write the sum, then the manifest by rename: the set is complete the moment the manifest appears."""
    data = manifest.as_json()
    _write_atomic(root / MANIFEST_SUM, f"{sha256_bytes(data)}  {MANIFEST}\n".encode())
    _write_atomic(root / MANIFEST, data)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".tmp-{path.name}")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_manifest(root: Path) -> tuple[Manifest | None, list[Finding]]:
    """The set's manifest, or the findings that say why it cannot be trusted."""
    path = root / MANIFEST
    if not path.is_file():
        return None, [Finding(path=MANIFEST, problem=Problem.MISSING, detail="not a complete backup set")]
    data = path.read_bytes()
    sum_path = root / MANIFEST_SUM
    if not sum_path.is_file():
        return None, [Finding(path=MANIFEST_SUM, problem=Problem.MISSING)]
    expected = sum_path.read_text(encoding="utf-8", errors="replace").split()[:1]
    if not expected or expected[0] != sha256_bytes(data):
        return None, [
            Finding(
                path=MANIFEST, problem=Problem.TAMPERED, detail=f"its SHA-256 differs from {MANIFEST_SUM}"
            )
        ]
    try:
        return Manifest.parse(data), []
    except (ValueError, KeyError, TypeError) as exc:
        return None, [Finding(path=MANIFEST, problem=Problem.UNREADABLE, detail=str(exc))]


def check_file(root: Path, relative: str, entry: FileEntry) -> Finding | None:
    path = root / relative
    if not path.is_file():
        return Finding(path=relative, problem=Problem.MISSING)
    size = path.stat().st_size
    if size < entry.size:
        return Finding(path=relative, problem=Problem.TRUNCATED, detail=f"{size} of {entry.size} bytes")
    if size > entry.size:
        return Finding(path=relative, problem=Problem.GREW, detail=f"{size} bytes, {entry.size} expected")
    actual = sha256_file(path)
    if actual != entry.sha256:
        return Finding(path=relative, problem=Problem.TAMPERED, detail=f"SHA-256 is now {actual}")
    return None


def verify_set(root: Path) -> tuple[Manifest | None, list[Finding]]:
    """Check every file the manifest lists; an empty list of findings means the set is intact."""
    manifest, findings = read_manifest(root)
    if manifest is None:
        return None, findings
    for relative, entry in sorted(manifest.files.items()):
        if ".." in Path(relative).parts or Path(relative).is_absolute():
            findings.append(Finding(path=relative, problem=Problem.UNREADABLE, detail="path leaves the set"))
            continue
        found = check_file(root, relative, entry)
        if found is not None:
            findings.append(found)
    return manifest, findings
