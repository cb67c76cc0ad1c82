"""A consistent copy of the database: SQLite's online backup API, or ``pg_dump --format=custom``."""

from __future__ import annotations

import enum
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from crawler.storage.engine import make_engine


class Backend(enum.StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


DUMP_FILES = {Backend.SQLITE: "database.sqlite3", Backend.POSTGRESQL: "database.pgdump"}


class DatabaseDumpError(RuntimeError):
    """The database could not be copied or restored; the message says why in one line."""


def backend_of(url: str) -> Backend:
    name = make_url(url).get_backend_name()
    try:
        return Backend(name)
    except ValueError as exc:
        raise DatabaseDumpError(f"backups support SQLite and PostgreSQL, not {name}") from exc


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DatabaseDumpError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and the environment that carries it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseDumpError(
            f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)"
        )
    return found


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def dump(url: str, target: Path) -> Backend:
    """Copy the database behind ``url`` to ``target`` while it stays in use."""
    backend = backend_of(url)
    if backend is Backend.SQLITE:
        source_path = sqlite_path(url)
        if not source_path.is_file():
            raise DatabaseDumpError(f"no SQLite database at {source_path}")
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            source.close()
        return backend
    conninfo, env = _libpq(url)
    done = subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", conninfo],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise DatabaseDumpError(f"pg_dump failed: {_last_line(done.stderr)}")
    return backend


def is_empty(url: str) -> bool:
    """True when the database has no tables (a fresh database, or a SQLite file not there yet)."""
    if backend_of(url) is Backend.SQLITE:
        path = sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    engine = make_engine(url)
    try:
        return not inspect(engine).get_table_names()
    except SQLAlchemyError as exc:
        reason = str(exc.orig if getattr(exc, "orig", None) else exc).strip().splitlines()[0]
        raise DatabaseDumpError(f"cannot open the target database: {reason}") from exc
    finally:
        engine.dispose()


def restore(dump_file: Path, backend: Backend, url: str) -> None:
    """Load a dump into the empty database behind ``url`` (same backend as the dump)."""
    if backend_of(url) is not backend:
        raise DatabaseDumpError(f"this backup holds a {backend.value} database; give a {backend.value} URL")
    if not is_empty(url):
        raise DatabaseDumpError(
            f"the database {make_url(url).render_as_string()} is not empty; restore into an empty one"
        )
    if backend is Backend.SQLITE:
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{dump_file}?mode=ro", uri=True)
        copy = sqlite3.connect(path)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    conninfo, env = _libpq(url)
    done = subprocess.run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={conninfo}",
            str(dump_file),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise DatabaseDumpError(f"pg_restore failed: {_last_line(done.stderr)}")
