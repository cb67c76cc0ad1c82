"""Distributed crawls against a sandbox child: a Redis answer check, per-test key prefixes, workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("SURVEIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reason() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # any failure to answer means: skip
        return f"no Redis answers at {REDIS_URL} ({exc.__class__.__name__}); distributed tests need one"
    return None


def unique_prefix() -> str:
    return f"surveil-test-{uuid.uuid4().hex[:10]}"


def delete_prefix(prefix: str) -> None:
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    keys = list(server.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        server.delete(*keys)


def child_env(database_url: str, data_dir: Path, sandbox_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEIL_")}
    env.update(
        {
            "SURVEIL_DATABASE_URL": database_url,
            "SURVEIL_DATA_DIR": str(data_dir),
            "SURVEIL_SANDBOX_URL": sandbox_url,
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def settings_args(settings: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for name, value in settings.items():
        args += ["--set", f"{name}={json.dumps(value)}"]
    return args


def start_workers(
    count: int,
    prefix: str,
    env: dict[str, str],
    settings: dict[str, Any],
    log_dir: Path,
    overrides: dict[int, dict[str, Any]] | None = None,
    first: int = 0,
) -> Iterator[subprocess.Popen]:
    """Worker processes numbered from ``first``, each logging to ``worker<n>.log`` in ``log_dir``."""
    for n in range(first, first + count):
        own = {**settings, **(overrides or {}).get(n, {})}
        log = open(log_dir / f"worker{n}.log", "w")  # noqa: SIM115 - closed with the process
        yield subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.distributed.worker",
                *("--redis", REDIS_URL, "--prefix", prefix, "--wait", "30"),
                *settings_args(own),
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
