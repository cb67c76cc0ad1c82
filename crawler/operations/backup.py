"""Backup sets of the database and the data directory, verified against their manifest, restored whole.

A set is one directory::

    manifest.json, manifest.json.sha256     written last: a set without them is unfinished
    snapshot/database.sqlite3 | .pgdump     the database (SQLite online backup API, or pg_dump custom)
    snapshot/files/…                        every other file of the data directory (evidence log and
                                            anchors, kept crawl pages, takedown and lab files, photos …)
    objects/…                               content-addressed files (evidence objects, stored images),
                                            shared by every backup into the same set

A later backup into the same set copies only the objects it does not hold yet; the snapshot is built
in a temporary directory beside it and swapped in before the new manifest is written.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from crawler.evidence.hashing import CHUNK, is_sha256, sha256_file
from crawler.evidence.layout import EvidenceLayout
from crawler.operations import database_dump
from crawler.operations.backup_manifest import (
    MANIFEST,
    MANIFEST_SUM,
    FileEntry,
    Finding,
    Manifest,
    read_manifest,
    verify_set,
    write_manifest,
)
from crawler.operations.database_dump import DUMP_FILES, Backend, DatabaseDumpError
from crawler.storage.engine import make_engine

SNAPSHOT = "snapshot"
OBJECTS = "objects"
#: Folders of the data directory whose files are named by their SHA-256 (never change once written).
CONTENT_ADDRESSED = ("evidence/objects/", "images/")
#: Never copied: lock files, half-written temporaries.
SKIPPED_SUFFIXES = (".lock", ".part")
SKIPPED_PREFIXES = (".tmp-", ".tmp")


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message is one line for the operator."""


@dataclass(kw_only=True)
class BackupResult:
    out: Path
    backend: Backend
    files: int = 0
    objects_copied: int = 0
    objects_kept: int = 0
    bytes_copied: int = 0


@dataclass(kw_only=True)
class RestoreResult:
    data_dir: Path
    database_url: str
    files: int = 0
    findings: list[Finding] = field(default_factory=list)


def _copy_hashing(source: Path, target: Path) -> FileEntry:
    """Copy ``source`` to ``target`` through a temporary name, hashing what was written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return FileEntry(sha256=digest.hexdigest(), size=size)


def _data_files(data_dir: Path, skip: set[Path]) -> Iterator[tuple[str, Path]]:
    """Every file of the data directory worth keeping, as (path relative to it, path)."""
    for folder, dirs, files in os.walk(data_dir):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skip)
        for name in sorted(files):
            path = here / name
            if name.startswith(SKIPPED_PREFIXES) or name.endswith(SKIPPED_SUFFIXES):
                continue
            if path.resolve() in skip or not path.is_file():
                continue
            yield path.relative_to(data_dir).as_posix(), path


def _content_addressed(relative: str) -> bool:
    return relative.startswith(CONTENT_ADDRESSED) and is_sha256(relative.rsplit("/", 1)[-1])


def _database_skips(database_url: str) -> set[Path]:
    if database_dump.backend_of(database_url) is not Backend.SQLITE:
        return set()
    path = database_dump.sqlite_path(database_url).resolve()
    return {path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))}


def _revision(database_url: str) -> str | None:
    from crawler.storage import migrate

    engine = make_engine(database_url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


def _take(
    relative: str,
    source: Path,
    out: Path,
    staging: Path,
    known: dict[str, FileEntry],
    manifest: Manifest,
    result: BackupResult,
) -> None:
    """Put one data-directory file into the set: an object only when the set lacks it."""
    if _content_addressed(relative):
        key = f"{OBJECTS}/{relative}"
        target = out / key
        size = source.stat().st_size
        if target.is_file() and target.stat().st_size == size and key in known:
            manifest.files[key] = known[key]
            result.objects_kept += 1
            return
        manifest.files[key] = _copy_hashing(source, target)
        result.objects_copied += 1
        result.bytes_copied += size
        return
    entry = _copy_hashing(source, staging / "files" / relative)
    manifest.files[f"{SNAPSHOT}/files/{relative}"] = entry
    result.bytes_copied += entry.size


def create_backup(
    *, data_dir: Path, database_url: str, out: Path, now: datetime, software_version: str
) -> BackupResult:
    """Write (or bring up to date) the backup set ``out`` from the data directory and the database."""
    data_dir, out = Path(data_dir), Path(out)
    if not data_dir.is_dir():
        raise BackupError(f"the data directory {data_dir} does not exist")
    out.mkdir(parents=True, exist_ok=True)
    backend = database_dump.backend_of(database_url)
    previous, _ = read_manifest(out)
    known = previous.files if previous else {}
    result = BackupResult(out=out, backend=backend)
    manifest = Manifest(
        created_at=now.isoformat(),
        software_version=software_version,
        database={"backend": backend.value, "file": f"{SNAPSHOT}/{DUMP_FILES[backend]}"},
    )
    skip = _database_skips(database_url) | {out.resolve()}
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".staging-"))
    try:
        log = EvidenceLayout(data_dir / "evidence").log
        # The database and the evidence log are taken under the log's lock: no entry lands in one only.
        with log.locked():
            dump_file = staging / DUMP_FILES[backend]
            try:
                database_dump.dump(database_url, dump_file)
            except DatabaseDumpError as exc:
                raise BackupError(str(exc)) from exc
            manifest.database["revision"] = _revision(database_url)
            manifest.files[f"{SNAPSHOT}/{DUMP_FILES[backend]}"] = FileEntry(
                sha256=sha256_file(dump_file), size=dump_file.stat().st_size
            )
            for name in ("log.jsonl", "anchors.jsonl"):
                source = data_dir / "evidence" / name
                if source.is_file():
                    rel = f"evidence/{name}"
                    manifest.files[f"{SNAPSHOT}/files/{rel}"] = _copy_hashing(source, staging / "files" / rel)
                    skip.add(source.resolve())
        for relative, source in _data_files(data_dir, skip):
            try:
                _take(relative, source, out, staging, known, manifest, result)
            except FileNotFoundError:
                continue  # deleted since the walk (evidence retention, a replaced export): not in this set
        # Swap the new snapshot in: the old manifest goes first, so a crash here leaves a set that
        # verify calls unfinished rather than one whose manifest describes other files.
        for name in (MANIFEST, MANIFEST_SUM):
            (out / name).unlink(missing_ok=True)
        current = out / SNAPSHOT
        if current.exists():
            current.rename(staging.with_name(staging.name + "-old"))
        staging.rename(current)
        write_manifest(out, manifest)
    finally:
        for leftover in (staging, staging.with_name(staging.name + "-old")):
            if leftover.exists():
                shutil.rmtree(leftover)
    result.files = len(manifest.files)
    return result


def verify_backup(out: Path) -> list[Finding]:
    return verify_set(Path(out))[1]


def _empty_place(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def restore_backup(source: Path, *, data_dir: Path, database_url: str | None = None) -> RestoreResult:
    """Verify the set, then restore it into an empty data directory and an empty database.

    Without ``database_url`` the database goes to ``<data_dir>/surveil.db`` (a SQLite backup only).
    """
    source, data_dir = Path(source), Path(data_dir)
    manifest, findings = verify_set(source)
    if manifest is None or findings:
        raise BackupError(
            f"{source} does not verify, nothing restored: " + "; ".join(str(f) for f in findings)
        )
    if not _empty_place(data_dir):
        raise BackupError(f"{data_dir} is not empty; restore into a new or empty directory")
    backend = Backend(manifest.database["backend"])
    if database_url is None:
        if backend is not Backend.SQLITE:
            raise BackupError("this backup holds a PostgreSQL dump: give --database-url of an empty database")
        database_url = f"sqlite:///{(data_dir / 'surveil.db').resolve()}"
    try:
        if not database_dump.is_empty(database_url):
            raise BackupError("the target database is not empty; restore into an empty one")
        data_dir.mkdir(parents=True, exist_ok=True)
        database_dump.restore(source / manifest.database["file"], backend, database_url)
    except DatabaseDumpError as exc:
        raise BackupError(str(exc)) from exc
    result = RestoreResult(data_dir=data_dir, database_url=database_url)
    for key, entry in sorted(manifest.files.items()):
        if key.startswith(f"{SNAPSHOT}/files/"):
            relative = key[len(f"{SNAPSHOT}/files/") :]
        elif key.startswith(f"{OBJECTS}/"):
            relative = key[len(f"{OBJECTS}/") :]
        else:
            continue
        copied = _copy_hashing(source / key, data_dir / relative)
        if copied != entry:
            raise BackupError(f"{key} changed while it was restored")
        if relative.startswith("evidence/objects/"):
            os.chmod(data_dir / relative, 0o444)
        result.files += 1
    return result
