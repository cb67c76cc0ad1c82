"""Review-queue speed with 100,000 open flags, on SQLite and on PostgreSQL.

The app runs for real (``surveil serve`` in its own process on a loopback port); one signed-in client asks for queue pages (first
page, filtered by category / platform / list type / dates, and a keyset next page) and, as the baseline
in the same run, for a static file served by the same app. Prints p50/p95 of each and their ratio.

    .venv/bin/python bench/bench_web.py [--flags 100000] [--requests 200] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select, text

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.config import load_settings
from crawler.context import AppContext
from crawler.storage import migrate
from crawler.storage.engine import make_engine, transaction
from crawler.storage.models import Category, Flag, FlagStatus, Listing, ListType, Platform, Role, Seller
from crawler.storage.repositories.catalogue import CategoryRepository, PlatformRepository
from crawler.storage.repositories.users import UserRepository
from crawler.timeutil import FixedClock
from crawler.web.security import hash_password

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "bench password 2026"
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
CHUNK = 5000


def fill(context: AppContext, flags: int) -> None:
    """``flags`` open flags (one per listing) over every platform and category, plus 5% decided ones."""
    clock = context.clock
    with transaction(context.sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)
        UserRepository(session, clock).add("analyst", hash_password(PASSWORD), Role.ANALYST)
    with transaction(context.sessions) as session:
        platforms = list(session.scalars(select(Platform.id)))
        categories = list(session.scalars(select(Category.id)))
        session.execute(
            insert(Seller),
            [
                {
                    "platform_id": platforms[i % len(platforms)],
                    "platform_seller_id": f"s{i}",
                    "name": f"店铺{i}",
                    "normalized_name": f"店铺{i}",
                    "first_seen_at": NOW,
                    "last_seen_at": NOW,
                }
                for i in range(2000)
            ],
        )
        sellers = list(session.scalars(select(Seller.id)))
    total = flags + flags // 20
    list_types = [ListType.RECALL, ListType.NONCOMPLIANT, ListType.RISK]
    for start in range(0, total, CHUNK):
        rows = range(start, min(start + CHUNK, total))
        with transaction(context.sessions) as session:
            session.execute(
                insert(Listing),
                [
                    {
                        "id": i + 1,
                        "platform_id": platforms[i % len(platforms)],
                        "platform_item_id": f"item{i}",
                        "category_id": categories[(i // 7) % len(categories)],
                        "seller_id": sellers[i % len(sellers)],
                        "url": f"https://item.m.jd.com/product/{i}.html",
                        "title": f"商品标题 {i} 儿童安全座椅 ISOFIX",
                        "price": 99 + i % 500,
                        "price_masked": i % 11 == 0,
                        "currency": "CNY",
                        "barcodes": [],
                        "specs": {"型号": f"M-{i}"},
                        "available": True,
                        "content_hash": "",
                        "first_seen_at": NOW,
                        "last_seen_at": NOW,
                        "last_changed_at": NOW,
                    }
                    for i in rows
                ],
            )
            session.execute(
                insert(Flag),
                [
                    {
                        "listing_id": i + 1,
                        "kind": "match",
                        "subject": f"entry:{i}",
                        "list_type": list_types[i % 3],
                        "risk_score": ((i * 7919) % 10007) / 10007,
                        "status": FlagStatus.OPEN if i < flags else FlagStatus.DISMISSED,
                        "explanation": ["型号一致", "品牌一致"],
                        "created_at": NOW - timedelta(minutes=(i * 13) % (60 * 24 * 60)),
                        "updated_at": NOW,
                    }
                    for i in rows
                ],
            )
    with context.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


@contextmanager
def serving(url: str, data_dir: Path) -> Iterator[str]:
    """``surveil serve`` in its own process, as it runs in production."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SURVEIL_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "--database-url", url, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("surveil serve did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(
    client: httpx.Client, urls: list[str], count: int, per_url: dict[str, list[float]] | None = None
) -> list[float]:
    timings = []
    for i in range(count):
        url = urls[i % len(urls)]
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        timings.append(elapsed)
        if per_url is not None:
            per_url.setdefault(url, []).append(elapsed)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return timings


def run(backend: str, url: str, data_dir: Path, flags: int, requests: int) -> None:
    context = AppContext(settings=load_settings(data_dir=data_dir, database_url=url), clock=FixedClock(NOW))
    migrate.upgrade(context.engine)
    started = time.perf_counter()
    fill(context, flags)
    print(
        f"[{backend}] filled {flags:,} open flags (+{flags // 20:,} decided) in {time.perf_counter() - started:.1f} s"
    )
    with serving(url, data_dir) as base, httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        signed = client.post(
            "/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": token}
        )
        assert signed.status_code == 303, signed.text[:300]
        first = client.get("/queue").text
        after = re.search(r'after=([^"&]+)', first).group(1)
        queue_urls = [
            "/queue",
            "/queue?category=power_bank",
            "/queue?platform=jd&list_type=recall",
            "/queue?from=2026-10-01&to=2026-10-31",
            f"/queue?after={after}",
            "/queue?category=child_safety_seat&platform=amazon",
        ]
        measure(client, queue_urls + ["/static/favicon.svg"], 14)  # warm-up
        baseline = measure(client, ["/static/favicon.svg"], requests)
        variants: dict[str, list[float]] = {}
        queue = measure(client, queue_urls, requests, variants)
    b50, b95 = statistics.median(baseline), percentile(baseline, 0.95)
    q50, q95 = statistics.median(queue), percentile(queue, 0.95)
    verdict = "meets" if q95 < 150 else "MISSES"
    print(f"[{backend}] baseline (static file, same app): p50 {b50:.1f} ms  p95 {b95:.1f} ms")
    print(f"[{backend}] queue page ({len(queue_urls)} variants): p50 {q50:.1f} ms  p95 {q95:.1f} ms")
    for variant, values in variants.items():
        print(
            f"[{backend}]   {variant[:56]:<56} p50 {statistics.median(values):6.1f} ms  max {max(values):6.1f} ms"
        )
    print(
        f"[{backend}] ratio queue/baseline: p50 {q50 / b50:.1f}x  p95 {q95 / b95:.1f}x; goal p95 < 150 ms: {verdict}"
    )
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flags", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("sqlite", "both"):
            run("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp), args.flags, args.requests)
        if args.backend in ("postgresql", "both"):
            try:
                admin = make_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
                name = f"surveil_bench_{uuid.uuid4().hex[:8]}"
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            except Exception as exc:  # noqa: BLE001 - no server means no PostgreSQL figures, said plainly
                print(f"[postgresql] skipped: {POSTGRES_ADMIN} did not answer ({exc.__class__.__name__})")
                return
            try:
                run(
                    "postgresql",
                    POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}",
                    Path(tmp),
                    args.flags,
                    args.requests,
                )
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
