"""Review-queue speed with 100,000 open flags, on SQLite and on PostgreSQL.

The database is filled the way a season of crawling and matching leaves it: listings with sellers, two
snapshots each (a price change between nights), photos (image rows with real files, two per listing),
reference list entries, the matches behind list flags (with field-level reasons) and risk-signal flags,
plus 5% decided flags. The catalogue, users and reference entries go through the builders of
``tests/web/seeding.py`` (the repositories); the bulk rows are inserted in chunks.

The app runs for real (``surveil serve`` in its own process on a loopback port); one signed-in client
asks for queue pages (first page, filtered by category / platform / list type / dates, and a keyset next
page) and flag pages (listing, snapshots, photos, match, entry), and, as the baseline in the same run,
for a static file served by the same app. Prints p50/p95 of each and their ratio to the baseline.

Goals (exit code 1 when missed): queue page p95 < 150 ms, flag page p95 < 150 ms, on every backend asked
for. A backend asked for that does not answer is a failure with exit code 2, never a skip.

    .venv/bin/python bench/bench_web.py [--flags 100000] [--requests 200] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import hashlib
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
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import insert, select, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.goals import Goal, Scorecard, unavailable  # noqa: E402
from crawler.config import load_settings  # noqa: E402
from crawler.context import AppContext  # noqa: E402
from crawler.storage import migrate  # noqa: E402
from crawler.storage.engine import make_engine, transaction  # noqa: E402
from crawler.storage.models import (  # noqa: E402
    Category,
    Decision,
    Flag,
    FlagStatus,
    Image,
    Listing,
    ListingImage,
    ListingSnapshot,
    ListType,
    Match,
    Platform,
    Seller,
)
from crawler.timeutil import FixedClock  # noqa: E402
from tests.web.seeding import (  # noqa: E402
    PASSWORD,
    add_reference_entries,
    add_users,
    load_catalogue,
    product_photo,
)

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
CHUNK = 5000
PHOTOS = 40
QUEUE_GOAL = Goal("queue page p95", at_most=150.0, unit=" ms")
FLAG_GOAL = Goal("flag page p95", at_most=150.0, unit=" ms")
NOUNS = ["儿童安全座椅", "充电宝", "电暖器", "毛绒玩具", "电吹风", "儿童卫衣", "插线板", "电热水壶"]
BRANDS = ["安途", "酷电", "暖阳", "小棉袄", "VoltMax", "HomeWarm", "学优", "贝贝熊"]


def seed_catalogue(context: AppContext, entries: int) -> tuple[list[int], list[int], list[int], list[int]]:
    """Platforms, categories, users and ``entries`` reference entries through the repositories, then
    sellers and photo files; returns (platform ids, category ids, seller ids, entry ids)."""
    clock = context.clock
    load_catalogue(context.sessions, clock)
    add_users(context.sessions, clock, PASSWORD)
    entry_ids = add_reference_entries(
        context.sessions,
        clock,
        [
            {
                "ref_key": f"2026-{i:06d}",
                "product_name": f"{NOUNS[i % len(NOUNS)]} {i}",
                "brand": BRANDS[i % len(BRANDS)],
                "models": [f"M-{i}"],
                "batches": ["20260315"],
                "barcodes": [f"690{i:010d}"] if i % 3 == 0 else [],
                "manufacturer": f"{BRANDS[i % len(BRANDS)]}电器有限公司",
                "hazard": "标识不合格" if i % 2 else "输出电压不合格，存在过热起火风险",
                "source_url": f"https://www.samr.gov.cn/zljds/cjjg/art/2026/art_{i}.html",
                "published_on": (NOW - timedelta(days=i % 300)).date(),
            }
            for i in range(entries)
        ],
    )
    with transaction(context.sessions) as session:
        platforms = list(session.scalars(select(Platform.id).order_by(Platform.id)))
        categories = list(session.scalars(select(Category.id).order_by(Category.id)))
        session.execute(
            insert(Seller),
            [
                {
                    "platform_id": platforms[i % len(platforms)],
                    "platform_seller_id": f"s{i}",
                    "name": f"店铺{i}",
                    "normalized_name": f"店铺{i}",
                    "first_seen_at": NOW - timedelta(days=30),
                    "last_seen_at": NOW,
                }
                for i in range(2000)
            ],
        )
        sellers = list(session.scalars(select(Seller.id).order_by(Seller.id)))
    return platforms, categories, sellers, entry_ids


def seed_photos(context: AppContext) -> list[int]:
    """``PHOTOS`` product photos written under the data folder, with their image rows."""
    data_dir = Path(context.settings.data_dir)
    rows = []
    for k in range(PHOTOS):
        relative = Path("images") / f"bench-{k}.png"
        blob = product_photo(data_dir / relative, f"商品图 {k}", (60 + 4 * k, 140, 200 - 3 * k))
        rows.append(
            {
                "sha256": hashlib.sha256(blob).hexdigest(),
                "phash": (k * 0x9E3779B97F4A7C15) % (1 << 63),
                "width": 240,
                "height": 240,
                "size": len(blob),
                "mime": "image/png",
                "path": str(relative),
                "created_at": NOW,
            }
        )
    with transaction(context.sessions) as session:
        session.execute(insert(Image), rows)
        return list(session.scalars(select(Image.id).order_by(Image.id)))


def listing_row(i: int, platforms: list[int], categories: list[int], sellers: list[int]) -> dict:
    noun, brand = NOUNS[i % len(NOUNS)], BRANDS[(i // 3) % len(BRANDS)]
    return {
        "id": i + 1,
        "platform_id": platforms[i % len(platforms)],
        "platform_item_id": f"item{i}",
        "category_id": categories[(i // 7) % len(categories)],
        "seller_id": sellers[i % len(sellers)],
        "url": f"https://item.m.jd.com/product/{i}.html",
        "title": f"{brand} {noun} M-{i % 5000} 加厚 家用 正品 {i}",
        "price": Decimal(99 + i % 500),
        "price_masked": i % 11 == 0,
        "currency": "CNY",
        "brand": brand,
        "model": f"M-{i % 5000}",
        "barcodes": [f"690{i % 5000:010d}"] if i % 3 == 0 else [],
        "specs": {"型号": f"M-{i % 5000}", "品牌": brand, "3C认证": f"2021{i:010d}"},
        "sales_count": (i * 37) % 5000,
        "available": True,
        "content_hash": hashlib.sha256(str(i).encode()).hexdigest(),
        "first_seen_at": NOW - timedelta(days=1 + i % 30),
        "last_seen_at": NOW,
        "last_changed_at": NOW,
        "detail_fetched_at": NOW,
    }


def snapshot_rows(listing: dict) -> list[dict]:
    """The first sighting and last night's price change."""
    first = listing["first_seen_at"]
    return [
        {
            "listing_id": listing["id"],
            "captured_at": when,
            "content_hash": hashlib.sha256(f"{listing['id']}:{night}".encode()).hexdigest(),
            "title": listing["title"],
            "price": price,
            "price_masked": listing["price_masked"],
            "seller_name": f"店铺{listing['seller_id']}",
            "available": True,
            "data": {"specs": listing["specs"], "brand": listing["brand"]},
        }
        for night, (when, price) in enumerate(((first, listing["price"] * 11 / 10), (NOW, listing["price"])))
    ]


def match_and_flag(i: int, flags: int, entry_ids: list[int]) -> tuple[dict | None, dict]:
    """A list flag with the match behind it (two in three flags), or a risk-signal flag."""
    created = NOW - timedelta(minutes=(i * 13) % (60 * 24 * 60))
    status = FlagStatus.OPEN if i < flags else FlagStatus.DISMISSED
    risk = ((i * 7919) % 10007) / 10007
    if i % 3 == 2:
        return None, {
            "id": i + 1,
            "listing_id": i + 1,
            "kind": "risk",
            "subject": f"risk:{i}",
            "list_type": ListType.RISK,
            "risk_score": risk,
            "status": status,
            "explanation": [f"标题包含高风险关键词（第 {i} 条）", "店铺新开且销量异常"],
            "created_at": created,
            "updated_at": created,
        }
    entry = entry_ids[i % len(entry_ids)]
    model = f"M-{i % 5000}"
    reasons = [
        {"field": "model", "listing": model, "reference": model, "score": 1.0},
        {"field": "brand", "listing": BRANDS[(i // 3) % len(BRANDS)], "reference": "", "score": 0.6},
    ]
    match = {
        "id": i + 1,
        "listing_id": i + 1,
        "entry_id": entry,
        "score": round(0.6 + 0.4 * risk, 3),
        "decision": Decision.MATCH if risk > 0.5 else Decision.REVIEW,
        "reasons": reasons,
        "matcher_version": "bench",
        "created_at": created,
        "updated_at": created,
    }
    flag = {
        "id": i + 1,
        "listing_id": i + 1,
        "kind": "match",
        "subject": f"entry:{entry}",
        "match_id": i + 1,
        "entry_id": entry,
        "list_type": ListType.RECALL if i % 3 == 0 else ListType.NONCOMPLIANT,
        "risk_score": risk,
        "status": status,
        "explanation": ["型号与抽查不合格记录一致", "品牌一致"],
        "created_at": created,
        "updated_at": created,
    }
    return match, flag


def fill(context: AppContext, flags: int) -> dict[str, int]:
    """``flags`` open flags (one per listing) over every platform and category, plus 5% decided ones,
    with everything a flag page shows; returns the row counts."""
    platforms, categories, sellers, entry_ids = seed_catalogue(context, max(50, flags // 20))
    photos = seed_photos(context)
    total = flags + flags // 20
    counts = {"listings": 0, "snapshots": 0, "listing_images": 0, "matches": 0, "flags": 0}
    for start in range(0, total, CHUNK):
        listings = [
            listing_row(i, platforms, categories, sellers) for i in range(start, min(start + CHUNK, total))
        ]
        pairs = [match_and_flag(i, flags, entry_ids) for i in range(start, min(start + CHUNK, total))]
        batches = {
            "listings": (Listing, listings),
            "snapshots": (ListingSnapshot, [s for row in listings for s in snapshot_rows(row)]),
            "listing_images": (
                ListingImage,
                [
                    {
                        "listing_id": row["id"],
                        "image_id": photos[(row["id"] + k) % len(photos)],
                        "source_url": f"https://img14.360buyimg.com/n1/jfs/{row['id']}_{k}.jpg",
                        "position": k,
                    }
                    for row in listings
                    for k in range(2)
                ],
            ),
            "matches": (Match, [m for m, _ in pairs if m is not None]),
            "flags": (Flag, [f for _, f in pairs]),
        }
        with transaction(context.sessions) as session:
            for name, (model, rows) in batches.items():
                if rows:
                    session.execute(insert(model), rows)
                counts[name] += len(rows)
    with context.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    counts["reference_entries"] = len(entry_ids)
    counts["photos"] = len(photos)
    return counts


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
        deadline = time.monotonic() + 180
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


def sign_in(client: httpx.Client) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    signed = client.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": token})
    if signed.status_code != 303:
        raise RuntimeError(f"sign-in failed: HTTP {signed.status_code} {signed.text[:300]}")


def report(
    card: Scorecard, backend: str, goal: Goal, label: str, values: list[float], base: list[float]
) -> None:
    p50, p95 = statistics.median(values), percentile(values, 0.95)
    b50, b95 = statistics.median(base), percentile(base, 0.95)
    print(
        f"[{backend}] {label}: p50 {p50:.1f} ms  p95 {p95:.1f} ms; ratio to the static file "
        f"p50 {p50 / b50:.1f}x  p95 {p95 / b95:.1f}x"
    )
    card.record(Goal(f"{backend} {goal.name}", goal.at_least, goal.at_most, goal.unit), p95)


def run(card: Scorecard, backend: str, url: str, data_dir: Path, flags: int, requests: int) -> None:
    context = AppContext(settings=load_settings(data_dir=data_dir, database_url=url), clock=FixedClock(NOW))
    try:
        migrate.upgrade(context.engine)
        started = time.perf_counter()
        counts = fill(context, flags)
        print(
            f"[{backend}] filled in {time.perf_counter() - started:.1f} s: {flags:,} open flags "
            f"(+{flags // 20:,} decided); " + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        )
    finally:
        context.close()
    with serving(url, data_dir) as base, httpx.Client(base_url=base, timeout=30) as client:
        sign_in(client)
        first = client.get("/queue").text
        after = re.search(r'after=([^"&]+)', first).group(1)
        flag_ids = list(dict.fromkeys(re.findall(r'href="/flags/(\d+)"', first)))[:6]
        if not flag_ids:
            raise RuntimeError("the first queue page links no flag")
        queue_urls = [
            "/queue",
            "/queue?category=power_bank",
            "/queue?platform=jd&list_type=recall",
            "/queue?from=2026-10-01&to=2026-10-31",
            f"/queue?after={after}",
            "/queue?category=child_safety_seat&platform=amazon",
        ]
        flag_urls = [f"/flags/{i}" for i in flag_ids]
        measure(client, queue_urls + flag_urls + ["/static/favicon.svg"], 26)  # warm-up
        baseline = measure(client, ["/static/favicon.svg"], requests)
        variants: dict[str, list[float]] = {}
        queue = measure(client, queue_urls, requests, variants)
        pages = measure(client, flag_urls, max(len(flag_urls), requests // 2), variants)
    b50, b95 = statistics.median(baseline), percentile(baseline, 0.95)
    print(f"[{backend}] baseline (static file, same app): p50 {b50:.1f} ms  p95 {b95:.1f} ms")
    for variant, values in variants.items():
        print(
            f"[{backend}]   {variant[:56]:<56} p50 {statistics.median(values):6.1f} ms  max {max(values):6.1f} ms"
        )
    report(card, backend, QUEUE_GOAL, f"queue page ({len(queue_urls)} variants)", queue, baseline)
    report(card, backend, FLAG_GOAL, f"flag page ({len(flag_urls)} flags)", pages, baseline)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the local server, dropped afterwards; exit code 2 when there is no server."""
    try:
        admin = make_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        name = f"surveil_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means the backend is missing
        unavailable(
            f"PostgreSQL was asked for (--backend postgresql/both) but {POSTGRES_ADMIN} did not answer: "
            f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}; "
            "start it or run with --backend sqlite"
        )
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flags", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    card = Scorecard("web")
    card.state(QUEUE_GOAL, FLAG_GOAL)
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("sqlite", "both"):
            folder = Path(tmp) / "sqlite"
            url = f"sqlite:///{folder / 'bench.db'}"
            folder.mkdir()
            run(card, "sqlite", url, folder, args.flags, args.requests)
        if args.backend in ("postgresql", "both"):
            folder = Path(tmp) / "postgresql"
            folder.mkdir()
            with postgres_database() as url:
                run(card, "postgresql", url, folder, args.flags, args.requests)
    return card.exit_code()


if __name__ == "__main__":
    sys.exit(main())
