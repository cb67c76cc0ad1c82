"""Shared fixtures: one storage test suite over SQLite and PostgreSQL, clocks, paths to shared data."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from crawler.storage import migrate
from crawler.storage.base import Base
from crawler.storage.engine import make_engine, make_session_factory
from crawler.timeutil import FixedClock
from tests import resources
from tests.resources import Resource, postgres_reason, require

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SURVEIL_SHARED_DATA", REPO.parent / "shared" / "data"))
POSTGRES_ADMIN_URL = os.environ.get("SURVEIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; where it is absent the test is skipped (failed in strict mode)."""
    path = SHARED_DATA.joinpath(*parts)
    require(Resource.SHARED_DATA, None if path.exists() else f"{path} does not exist")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped at the end."""
    require(Resource.POSTGRES, postgres_reason(POSTGRES_ADMIN_URL))
    name = f"surveil_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def empty_postgres(postgres_url: str) -> Iterator[str]:
    """The session's PostgreSQL database with every table emptied: for tests that start their own processes."""
    engine = make_engine(postgres_url)
    _truncate_all(engine)
    engine.dispose()
    yield postgres_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database on each backend: the same test runs on both."""
    if request.param == "sqlite":
        path = tmp_path / "surveil.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 20, 18, 0, tzinfo=UTC))


def pytest_configure(config: pytest.Config) -> None:
    resources.configure(config)
    config.addinivalue_line(
        "markers",
        "sandbox(**kwargs): arguments for the `sandbox` fixture (seed, size, faults, night, references)",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    resources.unconfigure(config)


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[object]:
    """A running sandbox marketplace on a free 127.0.0.1 port (``crawler.sandbox.testing.running_sandbox``).

    Defaults: seed 1, size 600, no faults, night 0, the shipped reference list. Change them with a marker,
    ``@pytest.mark.sandbox(seed=7, faults="5xx,captcha", night=2)``, or indirect parametrisation,
    ``@pytest.mark.parametrize("sandbox", [{"faults": "all"}], indirect=True)``; the parameter wins. For
    several sandboxes in one test use ``sandbox_factory``. The handle has ``.url`` (the proxy for the real
    hostnames), ``.session(platform, account)`` (logged-in cookies) and ``.truth()`` (ground truth).
    """
    from crawler.sandbox.testing import running_sandbox

    marker = request.node.get_closest_marker("sandbox")
    kwargs = dict(marker.kwargs) if marker else {}
    kwargs.update(getattr(request, "param", None) or {})
    with running_sandbox(**kwargs) as handle:
        yield handle


@pytest.fixture
def sandbox_factory() -> Iterator[object]:
    """``make(**kwargs)`` starts another sandbox (same arguments as ``running_sandbox``), stopped at teardown."""
    import contextlib

    from crawler.sandbox.testing import running_sandbox

    with contextlib.ExitStack() as stack:
        yield lambda **kwargs: stack.enter_context(running_sandbox(**kwargs))
