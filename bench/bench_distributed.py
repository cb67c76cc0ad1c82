"""Distributed crawl benchmark: listings/s with 1, 2 and 3 workers sharing the Redis queue, against the
single-process crawl of the same sandbox in the same run (the baseline), each into a fresh PostgreSQL
database. Prints listings/s, the Redis scheduler's overhead (1 worker / single process) and the speed-up
of 2 and 3 workers over 1. Wall time includes process start-up on both sides.

Goals (exit code 1 when missed): the same listings in every configuration; the Redis scheduler with one
worker at least 0.7 of the single process; two workers at least 0.9 of one (on one 2-core machine the
crawl is CPU-bound, so more workers must not slow it; they pay off on more machines). PostgreSQL or
Redis not answering is exit code 2.

    .venv/bin/python bench/bench_distributed.py [--size 1200] [--categories mask,towel,toys] [--depth 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select, text  # noqa: E402

from bench.goals import Goal, Scorecard, unavailable  # noqa: E402
from crawler.config import Settings  # noqa: E402
from crawler.context import AppContext  # noqa: E402
from crawler.crawling.runner import CrawlPlan  # noqa: E402
from crawler.distributed import coordinator  # noqa: E402
from crawler.distributed.keys import Keys  # noqa: E402
from crawler.sandbox.testing import running_sandbox  # noqa: E402
from crawler.storage import migrate  # noqa: E402
from crawler.storage.engine import make_engine, make_session_factory  # noqa: E402
from crawler.storage.models import Listing  # noqa: E402

ADMIN = os.environ.get("SURVEIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("SURVEIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NOW = "2026-11-20T18:00:00+00:00"
SETTINGS = {"LOG_LEVEL": "WARNING", "SURVEIL_NOW": NOW, "SURVEIL_IMAGES_ENABLED": False}
SAME_GOAL = Goal("configurations with the single process's listing count (share)", at_least=1.0)
OVERHEAD_GOAL = Goal("1 worker / single process listings/s", at_least=0.7)
SCALING_GOAL = Goal("2 workers / 1 worker listings/s", at_least=0.9)


def require_backends() -> None:
    """PostgreSQL and Redis answer, or the benchmark stops with exit code 2."""
    try:
        admin = make_engine(ADMIN, connect_args={"connect_timeout": 5})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means it is missing
        unavailable(f"PostgreSQL at {ADMIN} did not answer ({exc.__class__.__name__})")
    try:
        coordinator.connect(REDIS).ping()
    except Exception as exc:  # noqa: BLE001
        unavailable(f"Redis at {REDIS} did not answer ({exc.__class__.__name__})")


def fresh_database() -> str:
    name = f"surveil_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def drop_database(url: str) -> None:
    admin = make_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def listings(url: str) -> int:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        count = session.scalar(select(func.count(Listing.id)))
    engine.dispose()
    return int(count or 0)


def env_for(url: str, data: Path, sandbox_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEIL_")}
    env.update(
        {
            "SURVEIL_DATABASE_URL": url,
            "SURVEIL_DATA_DIR": str(data),
            "SURVEIL_SANDBOX_URL": sandbox_url,
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def sets(settings: dict) -> list[str]:
    return [a for k, v in settings.items() for a in ("--set", f"{k}={json.dumps(v)}")]


def single(plan: CrawlPlan, sandbox_url: str, tmp: Path) -> tuple[int, float]:
    url = fresh_database()
    try:
        args = [a for p in plan.platforms for a in ("-p", p)] + [
            a for c in plan.categories for a in ("-c", c)
        ]
        args += ["--depth", str(plan.depth)] + (
            ["--max-terms", str(plan.max_terms)] if plan.max_terms else []
        )
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "crawler.crawling.runner", *args, *sets(SETTINGS)],
            cwd=REPO,
            env=env_for(url, tmp, sandbox_url),
            check=True,
            capture_output=True,
        )
        return listings(url), time.perf_counter() - started
    finally:
        drop_database(url)


def distributed(plan: CrawlPlan, workers: int, sandbox_url: str, tmp: Path) -> tuple[int, float]:
    url = fresh_database()
    keys = Keys(f"surveil-bench-{uuid.uuid4().hex[:8]}")
    server = coordinator.connect(REDIS)
    context = AppContext(settings=Settings(database_url=url, data_dir=tmp, sandbox_url=sandbox_url))
    try:
        started = time.perf_counter()
        run_id = coordinator.start_run(context, plan, server, keys)
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "crawler.distributed.worker",
                    "--redis",
                    REDIS,
                    "--prefix",
                    keys.prefix,
                ]
                + sets(SETTINGS),
                cwd=REPO,
                env=env_for(url, tmp, sandbox_url),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        for proc in procs:
            proc.wait(timeout=1800)
        elapsed = time.perf_counter() - started
        if coordinator.pending(server, keys, plan.platforms):
            raise RuntimeError("workers exited with work left")
        coordinator.finish_run(context, run_id, server, keys, plan.platforms)
        return listings(url), elapsed
    finally:
        context.close()
        leftover = list(server.scan_iter(match=f"{keys.prefix}:*"))
        if leftover:
            server.delete(*leftover)
        drop_database(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1200)
    parser.add_argument("--platforms", default="jd,yhd")
    parser.add_argument("--categories", default="mask,towel,shower_head,knitted_tshirt")
    parser.add_argument("--depth", type=int, default=2)
    args = parser.parse_args(argv)
    card = Scorecard("distributed")
    card.state(SAME_GOAL, OVERHEAD_GOAL, SCALING_GOAL)
    require_backends()
    plan = CrawlPlan(
        platforms=args.platforms.split(","),
        categories=args.categories.split(","),
        depth=args.depth,
        max_terms=1,
    )
    print(
        f"sandbox size {args.size}, {plan.platforms} × {plan.categories}, depth {plan.depth}, {os.cpu_count()} cores"
    )
    with running_sandbox(size=args.size, in_process=False) as sandbox, tempfile.TemporaryDirectory() as tmp:
        results = {"single process": single(plan, sandbox.url, Path(tmp))}
        for n in (1, 2, 3):
            results[f"{n} worker{'s' if n > 1 else ''}"] = distributed(plan, n, sandbox.url, Path(tmp))
    rate = {name: count / seconds for name, (count, seconds) in results.items()}
    for name, (count, seconds) in results.items():
        print(f"{name:>15}: {count:5d} listings in {seconds:6.1f} s = {rate[name]:6.1f} listings/s")
    base = rate["single process"]
    print(f"3 workers / 1 worker: {rate['3 workers'] / rate['1 worker']:.2f}")
    single_count = results["single process"][0]
    same = sum(1 for count, _ in results.values() if count == single_count)
    card.record(SAME_GOAL, same / len(results), f"counts {[c for c, _ in results.values()]}")
    card.record(OVERHEAD_GOAL, rate["1 worker"] / base)
    card.record(SCALING_GOAL, rate["2 workers"] / rate["1 worker"])
    return card.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
