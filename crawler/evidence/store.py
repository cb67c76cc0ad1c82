"""A content-addressed object store: every byte string is kept once, under its SHA-256.

Objects live at ``<root>/ab/cd/abcd…`` (the hex digest split after two and four characters). Writes go
to a temporary file in the same directory and are renamed into place, so a reader never sees half an
object and two writers of the same content agree.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crawler.evidence.hashing import is_sha256, sha256_bytes, sha256_file


@dataclass(frozen=True)
class StoredObject:
    sha256: str
    size: int
    created: bool


class ObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> StoredObject:
        digest = sha256_bytes(data)
        path = self.path_for(digest)
        if path.exists() and path.stat().st_size == len(data):
            return StoredObject(digest, len(data), created=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredObject(digest, len(data), created=True)

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def check(self, sha256: str) -> str | None:
        """``None`` when the object is present and intact, else what is wrong with it."""
        if not is_sha256(sha256):
            return f"not a SHA-256 digest: {sha256!r}"
        path = self.path_for(sha256)
        if not path.is_file():
            return "missing"
        actual = sha256_file(path)
        if actual != sha256:
            return f"content changed: its SHA-256 is now {actual}"
        return None

    def size(self, sha256: str) -> int:
        return self.path_for(sha256).stat().st_size

    def delete(self, sha256: str) -> bool:
        path = self.path_for(sha256)
        if not path.exists():
            return False
        path.unlink()
        for parent in (path.parent, path.parent.parent):
            try:
                parent.rmdir()
            except OSError:
                break
        return True

    def __iter__(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if path.is_file() and is_sha256(path.name):
                yield path.name
