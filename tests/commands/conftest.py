"""Run the real ``surveil`` entry point in a child process, on a test's own data directory and database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.distributed.helpers import delete_prefix, redis_reason, unique_prefix
from tests.resources import Resource, require

REPO = Path(__file__).resolve().parents[2]
SURVEIL = Path(sys.executable).with_name("surveil")


@dataclass(frozen=True, kw_only=True)
class Done:
    """A finished command: exit code, what it printed, and how long it took."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float

    def explain(self) -> str:
        return f"surveil {' '.join(self.args)} -> {self.code}\n--- stdout\n{self.out[-4000:]}\n--- stderr\n{self.err[-4000:]}"


@dataclass
class Cli:
    """``cli("runs", "list")`` runs ``surveil runs list`` with this test's settings in the environment."""

    env: dict[str, str]
    cwd: Path

    @property
    def database_url(self) -> str:
        return self.env["SURVEIL_DATABASE_URL"]

    @property
    def data_dir(self) -> Path:
        return Path(self.env["SURVEIL_DATA_DIR"])

    def __call__(self, *args: str, timeout: float = 120, **env: str) -> Done:
        started = time.monotonic()
        done = subprocess.run(
            [str(SURVEIL), *args],
            cwd=self.cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Done(
            args=args,
            code=done.returncode,
            out=done.stdout,
            err=done.stderr,
            seconds=time.monotonic() - started,
        )

    def inline(self, *args: str, **env: str) -> Done:
        """The same command in this process (typer's test runner): for the quick read-only commands,
        which would otherwise spend most of their time importing the package in a new process."""
        from typer.testing import CliRunner

        from crawler.cli import app

        wanted = {**self.env, **env}
        overrides: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SURVEIL_")}
        overrides.update({k: v for k, v in wanted.items() if k.startswith("SURVEIL_")})
        overrides.update({"COLUMNS": wanted["COLUMNS"], "NO_COLOR": wanted["NO_COLOR"]})
        started = time.monotonic()
        result = CliRunner().invoke(app, list(args), env=overrides)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Done(
            args=args,
            code=result.exit_code,
            out=result.stdout,
            err=result.stderr,
            seconds=time.monotonic() - started,
        )

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(SURVEIL), *args],
            cwd=self.cwd,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def cli_env(data_dir: Path, database_url: str, **settings: str) -> dict[str, str]:
    """The parent's environment without any SURVEIL_ setting, plus this test's; wide output for tables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEIL_")}
    env.update(
        {
            "SURVEIL_DATA_DIR": str(data_dir),
            "SURVEIL_DATABASE_URL": database_url,
            "PYTHONPATH": str(REPO),
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }
    )
    env.update(settings)
    return env


@pytest.fixture
def make_cli(tmp_path: Path) -> Callable[..., Cli]:
    """``make_cli(database_url=None, **SURVEIL_settings)``: a runner on ``tmp_path/data`` (SQLite unless given)."""

    def make(database_url: str | None = None, **settings: str) -> Cli:
        data_dir = tmp_path / "data"
        data_dir.mkdir(exist_ok=True)
        url = database_url or f"sqlite:///{data_dir / 'surveil.db'}"
        return Cli(env=cli_env(data_dir, url, **settings), cwd=tmp_path)

    return make


@pytest.fixture
def cli(make_cli: Callable[..., Cli]) -> Cli:
    return make_cli()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A Redis key prefix of the test's own, deleted afterwards; skipped where no Redis answers."""
    require(Resource.REDIS, redis_reason())
    value = unique_prefix()
    yield value
    delete_prefix(value)
