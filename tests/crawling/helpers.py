"""Crawls in a subprocess (a fresh Twisted reactor each time) against a sandbox, into a temporary database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.storage.engine import make_engine, make_session_factory
from crawler.storage.models import CrawlRun, CrawlStat, Listing, Platform

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Crawl:
    run_id: int | None
    returncode: int
    output: str


def crawl_env(data_dir: Path, sandbox_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEIL_")}
    env.update(
        {
            "SURVEIL_DATA_DIR": str(data_dir),
            "SURVEIL_DATABASE_URL": f"sqlite:///{data_dir / 'surveil.db'}",
            "SURVEIL_SANDBOX_URL": sandbox_url,
            "PYTHONPATH": str(REPO),
        }
    )
    env.update(extra)
    return env


def run_crawl(
    data_dir: Path, sandbox_url: str, *args: str, settings: dict[str, Any] | None = None, timeout: float = 240
) -> Crawl:
    cmd = [sys.executable, "-m", "crawler.crawling.runner", *args]
    for name, value in (settings or {}).items():
        cmd += ["--set", f"{name}={json.dumps(value)}"]
    proc = subprocess.run(
        cmd, cwd=REPO, env=crawl_env(data_dir, sandbox_url), capture_output=True, text=True, timeout=timeout
    )
    run_id = None
    for line in proc.stdout.splitlines():
        if line.startswith('{"run_id"'):
            run_id = json.loads(line)["run_id"]
    return Crawl(run_id, proc.returncode, proc.stdout + proc.stderr)


def session(data_dir: Path) -> Session:
    engine = make_engine(f"sqlite:///{data_dir / 'surveil.db'}")
    return make_session_factory(engine)()


def listings(db: Session, platform: str) -> list[Listing]:
    return list(db.scalars(select(Listing).join(Platform).where(Platform.code == platform)))


def stats(db: Session, run_id: int) -> list[CrawlStat]:
    return list(db.scalars(select(CrawlStat).where(CrawlStat.run_id == run_id)))


def run(db: Session, run_id: int) -> CrawlRun:
    return db.get(CrawlRun, run_id)


def count_listings(db: Session) -> int:
    return db.scalar(select(func.count(Listing.id))) or 0


def truth_live(sandbox: Any, platform: str, category: str) -> dict[str, dict[str, Any]]:
    return {
        r["item_id"]: r
        for r in sandbox.truth(platform)
        if r.get("type") == "listing" and r["category"] == category and r["status"] == "live"
    }


def set_platform(data_dir: Path, code: str, **values: Any) -> None:
    """An administrator's switch (e.g. ``obey_robots=False``) in a fresh or existing database."""
    from crawler.catalogue.schema import load_platforms
    from crawler.storage import migrate
    from crawler.storage.repositories import PlatformRepository

    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{data_dir / 'surveil.db'}")
    migrate.upgrade(engine)
    with make_session_factory(engine)() as db, db.begin():
        repo = PlatformRepository(db)
        repo.sync(load_platforms())
        platform = repo.by_code(code)
        for name, value in values.items():
            setattr(platform, name, value)
    engine.dispose()
