"""Evidence speed: capturing sandbox product pages (interception, WARC, storage, manifest, log) against
loading and screenshotting the same pages in the same browser with nothing recorded; and verifying all
evidence against merely hashing every stored object once.

Goals (exit code 1 when missed): every capture complete and verified; capture within 3x of the plain
load + screenshot; ``verify --all`` within 8x of hashing every stored object once. Without Chromium the
benchmark cannot run: exit code 2.

    .venv/bin/python bench/bench_evidence.py [--pages 8]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.goals import Goal, Scorecard, unavailable  # noqa: E402
from crawler.browser.devices import device_profile  # noqa: E402
from crawler.browser.launch import find_chromium, launch_options  # noqa: E402
from crawler.config import Settings  # noqa: E402
from crawler.context import AppContext  # noqa: E402
from crawler.evidence.browser_capture import rewrite_for_proxy  # noqa: E402
from crawler.evidence.hashing import sha256_file  # noqa: E402
from crawler.evidence.layout import EvidenceLayout  # noqa: E402
from crawler.evidence.retention import stats  # noqa: E402
from crawler.evidence.service import EvidenceService, capture_for_flags  # noqa: E402
from crawler.evidence.verify import verify  # noqa: E402
from crawler.sandbox.testing import running_sandbox  # noqa: E402
from crawler.storage import migrate  # noqa: E402
from crawler.storage.engine import transaction  # noqa: E402
from crawler.storage.models import Flag, Listing, Platform  # noqa: E402
from crawler.timeutil import SystemClock  # noqa: E402

COMPLETE_GOAL = Goal("captures complete and verified (share)", at_least=1.0)
CAPTURE_GOAL = Goal("capture / plain load + screenshot time", at_most=3.0, unit="x")
VERIFY_GOAL = Goal("verify --all / hashing every object once", at_most=8.0, unit="x")


async def plain_loads(urls: list[str], proxy: str) -> float:
    """The baseline: the same pages, same device and proxy, screenshot only, nothing intercepted or kept
    (browser start included, as it is in the capture)."""
    from playwright.async_api import async_playwright

    profile = device_profile("Pixel 7")
    async with async_playwright() as pw:
        start = time.perf_counter()
        browser = await pw.chromium.launch(**launch_options(find_chromium()))
        for url in urls:
            context = await browser.new_context(**profile.context_kwargs(), proxy={"server": proxy})
            page = await context.new_page()
            await page.goto(rewrite_for_proxy(url, proxy), wait_until="load")
            await page.screenshot(full_page=True)
            await context.close()
        await browser.close()
    return time.perf_counter() - start


def record_copies(service: EvidenceService, context: AppContext, outcomes: list, n: int) -> int:
    """Record ``n`` more captures re-using the pages just captured (a night with many flags, no browser)."""
    from crawler.evidence.browser_capture import PageCapture
    from crawler.storage.models import EvidenceCapture

    layout = EvidenceLayout.from_settings(context.settings)
    with context.sessions() as session:
        stored = [session.get(EvidenceCapture, o.capture_id) for o in outcomes if o.capture_id]
        pages = []
        for capture in stored:
            parts = {a.name: layout.store.get(a.sha256) for a in capture.artefacts}
            page = PageCapture(
                capture.requested_url, capture.requested_url, final_url=capture.final_url, status=200
            )
            page.screenshot = parts.get("screenshot.png")
            page.html = parts.get("page.html", b"").decode("utf-8")
            pages.append((capture.listing_id, page))
    for i in range(n):
        listing_id, page = pages[i % len(pages)]
        page.html = (page.html or "") + f"<!-- {i} -->"
        service.record(service.target_for_listing(listing_id), page)
    return n


def main(argv: list[str] | None = None) -> int:
    from crawler.browser.launch import BrowserNotFound

    card = Scorecard("evidence")
    card.state(COMPLETE_GOAL, CAPTURE_GOAL, VERIFY_GOAL)
    try:
        find_chromium()
    except BrowserNotFound as exc:
        unavailable(f"evidence capture needs Chromium: {exc}")
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument(
        "--records", type=int, default=200, help="extra recorded captures for the verify timing"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(seed=3, size=200) as sandbox:
        settings = Settings(data_dir=Path(tmp), sandbox_url=sandbox.url)
        context = AppContext(settings=settings, clock=SystemClock())
        migrate.upgrade(context.engine)
        rows = [t for t in sandbox.truth() if t.get("platform") == "jd" and t.get("status") == "live"]
        rows = rows[: args.pages]
        now = datetime.now(UTC)
        with transaction(context.sessions) as session:
            platform = Platform(code="jd", name="京东", allowed_hosts=["item.m.jd.com"])
            session.add(platform)
            session.flush()
            flag_ids = []
            for row in rows:
                listing = Listing(
                    platform_id=platform.id,
                    platform_item_id=row["item_id"],
                    url=row["url"],
                    title=row["title"],
                    first_seen_at=now,
                    last_seen_at=now,
                    last_changed_at=now,
                )
                session.add(listing)
                session.flush()
                flag = Flag(
                    listing_id=listing.id, kind="match", subject="entry:1", created_at=now, updated_at=now
                )
                session.add(flag)
                session.flush()
                flag_ids.append(flag.id)
        urls = [row["url"] for row in rows]
        asyncio.run(plain_loads(urls[:1], sandbox.url))  # warm the sandbox caches and the font cache
        baseline = asyncio.run(plain_loads(urls, sandbox.url))
        service = EvidenceService(context)
        start = time.perf_counter()
        outcomes = capture_for_flags(context, flag_ids, service=service)
        captured = time.perf_counter() - start
        layout = EvidenceLayout.from_settings(settings)
        start = time.perf_counter()
        recorded = record_copies(service, context, outcomes, args.records)
        record_time = time.perf_counter() - start
        start = time.perf_counter()
        hashed = [sha256_file(layout.store.path_for(sha)) for sha in layout.store]
        hash_time = time.perf_counter() - start
        with context.sessions() as session:
            start = time.perf_counter()
            report = verify(layout, session)
            verify_time = time.perf_counter() - start
            space = stats(layout, session, now, 90)
        context.close()
    complete = sum(1 for o in outcomes if o.status == "complete")
    print(f"pages: {len(urls)}, captures complete: {complete}/{len(outcomes)}, verify ok: {report.ok}")
    print(
        f"capture: {captured:.2f}s ({captured / len(urls):.2f}s/page) vs plain load+screenshot "
        f"{baseline:.2f}s ({baseline / len(urls):.2f}s/page): ratio {captured / baseline:.2f}"
    )
    print(
        f"record (store, manifest, log) without the browser: {recorded} in {record_time:.2f}s "
        f"({record_time / max(recorded, 1) * 1000:.1f} ms each)"
    )
    print(
        f"verify --all: {verify_time * 1000:.0f} ms vs hashing {len(hashed)} objects once "
        f"{hash_time * 1000:.0f} ms: ratio {verify_time / max(hash_time, 1e-9):.2f}"
    )
    print(
        f"space: {space['artefacts']} artefacts, {space['logical_bytes']} bytes logical, "
        f"{space['objects']} objects, {space['stored_bytes']} bytes stored (dedup ratio {space['dedup_ratio']})"
    )
    card.record(
        COMPLETE_GOAL, complete / max(len(outcomes), 1) if report.ok else 0.0, f"verify ok: {report.ok}"
    )
    card.record(CAPTURE_GOAL, captured / baseline)
    card.record(VERIFY_GOAL, verify_time / max(hash_time, 1e-9))
    return card.exit_code()


if __name__ == "__main__":
    sys.exit(main())
