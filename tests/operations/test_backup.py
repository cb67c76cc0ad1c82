"""The restore drill: back up, wipe, restore somewhere new, and find everything as it was."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from crawler.context import AppContext
from crawler.operations.backup import BackupError, create_backup, restore_backup, verify_backup
from crawler.operations.backup_manifest import MANIFEST, Problem
from crawler.storage.engine import make_engine
from crawler.timeutil import FixedClock
from tests.conftest import POSTGRES_ADMIN_URL, _truncate_all
from tests.operations.conftest import Dataset, seed, snapshot

MakeContext = Callable[[Path, str], AppContext]


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (no tables: the restore creates them), dropped afterwards."""
    name = f"surveil_restore_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_dataset(tmp_path: Path, sqlite_template: Path, make_context: MakeContext) -> Dataset:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "surveil.db")
    return seed(make_context(data_dir, f"sqlite:///{data_dir / 'surveil.db'}"))


def evidence_verify(data_dir: Path, database_url: str) -> tuple[int, str]:
    from crawler.cli import app

    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEIL_")}
    env["SURVEIL_DATA_DIR"] = str(data_dir)
    result = CliRunner().invoke(app, ["--database-url", database_url, "evidence", "verify", "--all"], env=env)
    return result.exit_code, result.output


def rows(make_context: MakeContext, data_dir: Path, url: str) -> dict[str, list[tuple[object, ...]]]:
    with make_context(data_dir, url).sessions() as session:
        return snapshot(session)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_restore_drill(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    make_context: MakeContext,
    clock: FixedClock,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if backend == "sqlite":
        url = f"sqlite:///{data_dir / 'surveil.db'}"
        shutil.copy(sqlite_template, data_dir / "surveil.db")
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate_all(make_engine(url))
    dataset = seed(make_context(data_dir, url))
    before = rows(make_context, data_dir, url)
    assert before["flags"] and before["decisions"] and before["captures"] and before["log"]
    assert before["purchases"] and before["lab_results"]

    out = tmp_path / "backup"
    result = create_backup(
        data_dir=data_dir, database_url=url, out=out, now=clock.now(), software_version="test"
    )
    assert result.objects_copied >= 2 and verify_backup(out) == []

    # wipe: the data directory goes, the database is emptied
    shutil.rmtree(data_dir)
    if backend == "postgresql":
        engine = make_engine(url)
        _truncate_all(engine)
        engine.dispose()
        target_url = request.getfixturevalue("empty_database")
    else:
        target_url = None
    restored = tmp_path / "restored"
    outcome = restore_backup(out, data_dir=restored, database_url=target_url)
    after_url = outcome.database_url
    assert rows(make_context, restored, after_url) == before
    assert (restored / "takedown" / "jd-2026-12-01.csv").is_file()
    assert (restored / "runs" / "1" / "pages" / "jd-1.warc.gz").is_file()
    code, output = evidence_verify(restored, after_url)
    assert code == 0, output
    assert "all evidence verifies" in output
    assert dataset.capture_id == before["captures"][0][0]


def test_a_later_backup_copies_only_new_objects(
    sqlite_dataset: Dataset, tmp_path: Path, clock: FixedClock, make_context: MakeContext
) -> None:
    out = tmp_path / "backup"
    first = create_backup(
        data_dir=sqlite_dataset.data_dir,
        database_url=sqlite_dataset.database_url,
        out=out,
        now=clock.now(),
        software_version="test",
    )
    again = create_backup(
        data_dir=sqlite_dataset.data_dir,
        database_url=sqlite_dataset.database_url,
        out=out,
        now=clock.now(),
        software_version="test",
    )
    assert again.objects_copied == 0 and again.objects_kept == first.objects_copied
    from crawler.evidence.layout import EvidenceLayout

    EvidenceLayout(sqlite_dataset.data_dir / "evidence").store.put(b"one more object")
    third = create_backup(
        data_dir=sqlite_dataset.data_dir,
        database_url=sqlite_dataset.database_url,
        out=out,
        now=clock.now(),
        software_version="test",
    )
    assert third.objects_copied == 1
    assert verify_backup(out) == []
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.fixture(scope="module")
def pristine_set(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """One backup set of the SQLite dataset, made once; each test damages its own copy."""
    from datetime import UTC, datetime

    from crawler.config import Settings

    root = tmp_path_factory.mktemp("pristine")
    data_dir = root / "data"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "surveil.db")
    url = f"sqlite:///{data_dir / 'surveil.db'}"
    clock = FixedClock(datetime(2026, 12, 1, 19, 0, tzinfo=UTC))
    context = AppContext(settings=Settings(data_dir=data_dir, database_url=url), clock=clock)
    try:
        seed(context)
    finally:
        context.close()
    out = root / "backup"
    create_backup(data_dir=data_dir, database_url=url, out=out, now=clock.now(), software_version="test")
    return out


@pytest.fixture
def backup_set(pristine_set: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine_set, tmp_path / "backup"))


def _an_object(out: Path) -> Path:
    return next(p for p in sorted((out / "objects" / "evidence" / "objects").rglob("*")) if p.is_file())


def _cli(*args: str) -> tuple[int, str]:
    from crawler.cli import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("damage", ["tampered", "truncated", "missing", "manifest"])
def test_a_damaged_backup_is_refused_with_the_file_named(
    backup_set: Path, tmp_path: Path, damage: str
) -> None:
    if damage == "tampered":
        victim = _an_object(backup_set)
        os.chmod(victim, 0o644)
        data = bytearray(victim.read_bytes())
        data[len(data) // 2] ^= 0xFF
        victim.write_bytes(bytes(data))
        name, problem = victim.relative_to(backup_set).as_posix(), Problem.TAMPERED
    elif damage == "truncated":
        victim = backup_set / "snapshot" / "files" / "evidence" / "log.jsonl"
        victim.write_bytes(victim.read_bytes()[:-20])
        name, problem = "snapshot/files/evidence/log.jsonl", Problem.TRUNCATED
    elif damage == "missing":
        (backup_set / "snapshot" / "database.sqlite3").unlink()
        name, problem = "snapshot/database.sqlite3", Problem.MISSING
    else:
        manifest = backup_set / MANIFEST
        manifest.write_text(manifest.read_text().replace('"size": ', '"size": 1', 1))
        name, problem = MANIFEST, Problem.TAMPERED
    findings = verify_backup(backup_set)
    assert [(f.path, f.problem) for f in findings] == [(name, problem)]

    code, output = _cli("backup", "verify", str(backup_set))
    assert code == 1 and name in output and problem.value in output

    target = tmp_path / "restored"
    with pytest.raises(BackupError, match=name.replace(".", r"\.")):
        restore_backup(backup_set, data_dir=target)
    assert not target.exists()
    code, output = _cli("backup", "restore", str(backup_set), "--to", str(target))
    assert code == 1 and name in output


def test_restore_refuses_a_place_that_is_not_empty(backup_set: Path, tmp_path: Path) -> None:
    target = tmp_path / "in-use"
    target.mkdir()
    (target / "surveil.db").write_bytes(b"someone's data")
    code, output = _cli("backup", "restore", str(backup_set), "--to", str(target))
    assert code == 1
    assert "is not empty" in output and len(output.strip().splitlines()) == 1
    assert (target / "surveil.db").read_bytes() == b"someone's data"


def test_backup_commands_round_trip(sqlite_dataset: Dataset, tmp_path: Path) -> None:
    out, target = tmp_path / "set", tmp_path / "restored"
    from crawler.cli import app

    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEIL_")}
    env["SURVEIL_DATA_DIR"] = str(sqlite_dataset.data_dir)
    created = CliRunner().invoke(app, ["backup", "create", "--out", str(out)], env=env)
    assert created.exit_code == 0, created.output
    assert _cli("backup", "verify", str(out))[0] == 0
    code, output = _cli("backup", "restore", str(out), "--to", str(target))
    assert code == 0, output
    assert evidence_verify(target, f"sqlite:///{target / 'surveil.db'}")[0] == 0


def test_restore_refuses_a_database_that_has_tables(
    backup_set: Path, tmp_path: Path, sqlite_template: Path
) -> None:
    in_use = tmp_path / "in-use.db"
    shutil.copy(sqlite_template, in_use)
    target = tmp_path / "restored"
    code, output = _cli(
        "backup", "restore", str(backup_set), "--to", str(target), "--database-url", f"sqlite:///{in_use}"
    )
    assert code == 1 and "not empty" in output
    assert not target.exists()
