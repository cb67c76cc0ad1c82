"""Crawl benchmarks against the sandbox, each with a baseline measured in the same run.

1. HTTP path: listings/s end to end (fetch, parse, store, photos) beside bare Scrapy spiders that only
   fetch the same URLs: one process, one spider per platform (as the crawl runs them), each with the
   project's CONCURRENT_REQUESTS, per-domain limit and download slots, AutoThrottle off on both sides.
   Goal: full / bare >= 0.8.
2. Request economy: requests per listing on a first night and on a repeat night (goal <= 0.1).
3. Browser path: product pages rendered per minute and the crawl's memory (Python + Chromium) over
   ``--browser-pages`` pages; goal: memory late in the crawl within 1.25x of memory after warm-up.
   Without Chromium this part fails with exit code 2 (``--skip-browser`` leaves it out).

Exit code 1 when a goal is missed (``bench/goals.py``).

    .venv/bin/python bench/bench_crawl.py [--size 3000] [--browser-pages 1000] [--skip-browser]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.goals import Goal, Scorecard, unavailable  # noqa: E402
from crawler.sandbox.testing import running_sandbox  # noqa: E402

HTTP_GOAL = Goal("HTTP crawl listings/s / bare fetch listings/s", at_least=0.8)
ECONOMY_GOAL = Goal("repeat-night requests per listing", at_most=0.1)
MEMORY_GOAL = Goal("browser crawl memory late / after warm-up", at_most=1.25, unit="x")
HTTP_PLATFORMS = ("jd", "aliexpress", "amazon", "yhd", "ocj")
CATEGORIES = ("mask", "power_bank", "toys", "children_clothing")


def env_for(data_dir: Path, sandbox_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEIL_")}
    env.update(
        {
            "SURVEIL_DATA_DIR": str(data_dir),
            "SURVEIL_DATABASE_URL": f"sqlite:///{data_dir / 'surveil.db'}",
            "SURVEIL_SANDBOX_URL": sandbox_url,
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants (Chromium included), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def crawl(data_dir: Path, sandbox_url: str, args: list[str], settings: dict, sample_memory: bool = False):
    cmd = [sys.executable, "-m", "crawler.crawling.runner", *args]
    for name, value in settings.items():
        cmd += ["--set", f"{name}={json.dumps(value)}"]
    samples: list[tuple[float, int]] = []
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env_for(data_dir, sandbox_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    while proc.poll() is None:
        if sample_memory:
            samples.append((time.monotonic() - started, tree_rss_kb(proc.pid)))
        time.sleep(1.0)
    reader.join(5)
    text = "".join(output)
    if proc.returncode:
        raise SystemExit(f"crawl failed:\n{text[-4000:]}")
    run_id = next(json.loads(line)["run_id"] for line in text.splitlines() if line.startswith('{"run_id"'))
    elapsed = max((float(x) for x in re.findall(r"'elapsed_time_seconds': ([0-9.]+)", text)), default=0.0)
    return run_id, elapsed, samples, text


def totals(data_dir: Path, run_id: int) -> dict:
    from crawler.storage.engine import make_engine, make_session_factory
    from crawler.storage.models import CrawlRun

    engine = make_engine(f"sqlite:///{data_dir / 'surveil.db'}")
    with make_session_factory(engine)() as db:
        summary = db.get(CrawlRun, run_id).summary or {}
    engine.dispose()
    return summary.get("totals", {})


def platform_summaries(data_dir: Path, run_id: int) -> dict:
    from crawler.storage.engine import make_engine, make_session_factory
    from crawler.storage.models import CrawlRun

    engine = make_engine(f"sqlite:///{data_dir / 'surveil.db'}")
    with make_session_factory(engine)() as db:
        summary = db.get(CrawlRun, run_id).summary or {}
    engine.dispose()
    return summary.get("platforms", {})


BARE_SPIDER = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

by_platform, proxy, ua = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
settings = json.loads(sys.argv[4])

class Bare(scrapy.Spider):
    name = "bare"
    def __init__(self, urls, **kwargs):
        super().__init__(**kwargs)
        self.urls = urls
    async def start(self):
        for slot, url in self.urls:
            yield scrapy.Request(url.replace("https://", "http://", 1), meta={"proxy": proxy, "download_slot": slot},
                                 headers={"User-Agent": ua}, dont_filter=True, callback=self.noop)
    def noop(self, response):
        return None

process = CrawlerProcess({"LOG_LEVEL": "INFO", "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
    "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor", **settings})
for platform, urls in sorted(by_platform.items()):
    process.crawl(Bare, urls=urls, name=f"bare-{platform}")
process.start()
"""


def concurrency_settings() -> dict:
    """The project's concurrency, as each platform spider of the crawl runs with it: the engine-wide
    limit, the per-domain default and the per-platform download slots."""
    from crawler import settings as project_settings

    return {
        "CONCURRENT_REQUESTS": project_settings.CONCURRENT_REQUESTS,
        "CONCURRENT_REQUESTS_PER_DOMAIN": project_settings.CONCURRENT_REQUESTS_PER_DOMAIN,
        "DOWNLOAD_SLOTS": project_settings.DOWNLOAD_SLOTS,
    }


def bare_fetch(urls: list[tuple[str, str, str]], sandbox_url: str, workdir: Path) -> float:
    """The same URLs, one bare spider per platform in one process (as the crawl runs its platform
    spiders), each with the project's concurrency settings and the same download slots (platform,
    platform-images); nothing parsed or stored. Returns the longest spider's elapsed time."""
    from crawler.browser.devices import device_profile

    by_platform: dict[str, list[tuple[str, str]]] = {}
    for platform, slot, url in urls:
        by_platform.setdefault(platform, []).append((slot, url))
    url_file = workdir / "urls.json"
    url_file.write_text(json.dumps(by_platform))
    script = workdir / "bare.py"
    script.write_text(BARE_SPIDER)
    ua = device_profile("Pixel 7").user_agent
    proc = subprocess.run(
        [sys.executable, str(script), str(url_file), sandbox_url, ua, json.dumps(concurrency_settings())],
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    found = [float(x) for x in re.findall(r"'elapsed_time_seconds': ([0-9.]+)", proc.stdout + proc.stderr)]
    if proc.returncode or len(found) != len(by_platform):
        raise SystemExit(f"bare spider failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return max(found)


def _slot_of(fields: list[str]) -> tuple[str, str, str]:
    """(platform, download slot, URL) of one line of the request log (kind, method, URL, slot)."""
    from urllib.parse import urlparse

    from crawler.catalogue.schema import load_platforms
    from crawler.middlewares.hosts import host_allowed

    kind, _method, url = fields[:3]
    slot = fields[3] if len(fields) > 3 else ""
    if not slot:
        host = urlparse(url).hostname or ""
        platform = next((p.code for p in load_platforms() if host_allowed(host, p.allowed_hosts)), host)
        slot = f"{platform}-images" if kind == "image" else platform
    return slot.removesuffix("-images"), slot, url


def logged_requests(log: Path) -> list[tuple[str, str, str]]:
    return [_slot_of(line.split("\t")) for line in log.read_text().splitlines() if line.count("\t") >= 2]


def bench_http(
    card: Scorecard, size: int, extra: dict | None = None, platforms: tuple[str, ...] = HTTP_PLATFORMS
) -> None:
    print(f"== HTTP path: {', '.join(platforms)} x {len(CATEGORIES)} categories, sandbox size {size}")
    conc = concurrency_settings()
    print(
        "   both sides: one process, one spider per platform, the same URLs in the same download slots, "
        f"CONCURRENT_REQUESTS {conc['CONCURRENT_REQUESTS']} per spider, per-domain "
        f"{conc['CONCURRENT_REQUESTS_PER_DOMAIN']}, slots {json.dumps(conc['DOWNLOAD_SLOTS'])}, AutoThrottle off"
    )
    card.state(HTTP_GOAL)
    with running_sandbox(size=size, in_process=False) as sb, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        log = work / "requests.log"
        args = [a for p in platforms for a in ("-p", p)] + [a for c in CATEGORIES for a in ("-c", c)]
        args += ["--depth", "3", "--max-terms", "1"]
        settings = {"SURVEIL_REQUEST_LOG": str(log), "LOG_LEVEL": "INFO", "AUTOTHROTTLE_ENABLED": False}
        run_id, elapsed, _, _ = crawl(work, sb.url, args, {**settings, **(extra or {})})
        listings = totals(work, run_id).get("listings_seen", 0)
        urls = logged_requests(log)
        if not listings or not urls:
            raise SystemExit(
                f"the crawl found {listings} listings in {len(urls)} requests: nothing to compare"
            )
        bare_elapsed = bare_fetch(urls, sb.url, work)
    full_rate = listings / elapsed if elapsed else 0.0
    bare_rate = listings / bare_elapsed if bare_elapsed else 0.0
    print(
        f"full crawl: {listings} listings, {len(urls)} requests, {elapsed:.1f} s -> {full_rate:.1f} listings/s"
    )
    print(f"bare fetch of the same {len(urls)} URLs: {bare_elapsed:.1f} s -> {bare_rate:.1f} listings/s")
    card.record(HTTP_GOAL, full_rate / bare_rate if bare_rate else 0.0)


def _requests_by_kind(log: Path) -> dict[str, int]:
    kinds: dict[str, int] = {}
    if log.exists():
        for line in log.read_text().splitlines():
            kind = line.split("\t", 1)[0] or "other"
            kinds[kind] = kinds.get(kind, 0) + 1
        log.unlink()
    return kinds


def _truth_changes(sb, platforms: tuple[str, ...], night: int) -> tuple[int, int, int]:
    """(live listings, changed on ``night``, of those re-worded) in the benchmark's categories."""
    live = changed = retitled = 0
    for rec in sb.truth():
        if rec.get("type") != "listing" or rec["platform"] not in platforms:
            continue
        if rec["category"] not in CATEGORIES or rec["status"] != "live":
            continue
        live += 1
        if rec["changed_night"] == night and rec["born_night"] < night:
            changed += 1
            retitled += rec["retitled_night"] == night
    return live, changed, retitled


def _economy_night(work: Path, sb, night: int, now: str, args: list[str]) -> dict:
    cookies = work / "jd-cookies.json"
    cookies.write_text(json.dumps(sb.session("jd", "bureau-01")))
    log = work / "requests.log"
    settings = {
        "SURVEIL_NOW": now,
        "SURVEIL_REQUEST_LOG": str(log),
        "SURVEIL_COOKIE_FILES": {"jd": str(cookies)},
    }
    run_id, _, _, _ = crawl(work, sb.url, args, settings)
    t = totals(work, run_id)
    kinds = _requests_by_kind(log)
    reads: dict[str, int] = {}
    for info in platform_summaries(work, run_id).values():
        for reason, n in (info.get("reads") or {}).items():
            reads[reason] = reads.get(reason, 0) + n
    seen = t["listings_seen"] or 1
    print(
        f"night {night}: {t['listings_seen']} listings seen, {t['new']} new, {t['changed']} changed "
        f"({t['changed'] / seen:.1%} of those seen), {t['gone']} gone; {t['requests']} requests -> "
        f"{t['requests_per_listing']:.3f} requests/listing"
    )
    print(
        "   requests: "
        + ", ".join(f"{kind} {n} ({n / seen:.3f}/listing)" for kind, n in sorted(kinds.items()))
    )
    if night:
        from_rows = reads.pop("price", 0)
        print(
            f"   listings read again: {from_rows} from their search rows alone (price-only changes), "
            f"product pages for {', '.join(f'{n} {r}' for r, n in sorted(reads.items())) or 'none'}"
        )
    return t


def bench_economy(card: Scorecard, size: int) -> None:
    platforms = ("aliexpress", "jd")
    card.state(ECONOMY_GOAL)
    print(
        f"== Request economy: first and repeat night ({' + '.join(platforms)} with the bureau's JD session, "
        f"sandbox size {size}, 5% of listings changed, no growth)"
    )
    base = {"size": size, "change_rate": 0.05, "growth_per_night": 0.0, "in_process": True}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "night"
        work.mkdir()
        args = [a for p in platforms for a in ("-p", p)] + [a for c in CATEGORIES for a in ("-c", c)]
        args += ["--depth", "5"]
        with running_sandbox(night=0, **base) as sb:
            _economy_night(work, sb, 0, "2026-11-20T18:00:00+00:00", args)
        worst = Path(tmp) / "worst"
        shutil.copytree(work, worst)
        results = {}
        for label, directory, retitle in (("", work, None), (" (every change re-worded)", worst, 1.0)):
            extra = {} if retitle is None else {"retitle_share": retitle}
            with running_sandbox(night=1, **base, **extra) as sb:
                live, changed, retitled = _truth_changes(sb, platforms, 1)
                print(
                    f"-- repeat night{label}: the sandbox changed {changed} of {live} live listings "
                    f"({changed / live:.1%}), {retitled} of them with a re-worded title"
                )
                results[label] = _economy_night(directory, sb, 1, "2026-11-21T18:00:00+00:00", args)
        print(
            "if every change re-worded the title, repeat night requests per listing = "
            f"{results[' (every change re-worded)']['requests_per_listing']:.3f}"
        )
        card.record(ECONOMY_GOAL, results[""]["requests_per_listing"])


def bench_browser(card: Scorecard, pages: int) -> None:
    print(f"== Browser path: {pages} Taobao/Tmall item pages rendered in Chromium (mobile emulation)")
    from crawler.browser.launch import BrowserNotFound, find_chromium

    card.state(MEMORY_GOAL)
    try:
        find_chromium()
    except BrowserNotFound as exc:
        unavailable(f"the browser path needs Chromium ({exc}); install it or pass --skip-browser")
    size = max(3000, pages * 31)
    with running_sandbox(size=size, in_process=True) as sb, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sys.path.insert(0, str(REPO))
        from tests.crawling.helpers import set_platform

        set_platform(work, "taobao", obey_robots=False)
        depth = pages // 20 + 1
        args = [
            "-p",
            "taobao",
            "-c",
            "mask",
            "--depth",
            str(depth),
            "--max-terms",
            "1",
            "--limit",
            str(pages),
        ]
        run_id, elapsed, samples, _ = crawl(
            work, sb.url, args, {"SURVEIL_IMAGES_ENABLED": False}, sample_memory=True
        )
        t = totals(work, run_id)
        rendered = t.get("new", 0)
        print(f"{rendered} pages in {elapsed:.0f} s -> {rendered / elapsed * 60:.0f} pages/min")
        if samples:
            span = samples[-1][0]

            def median_between(lo: float, hi: float) -> int:
                window = sorted(kb for s, kb in samples if lo * span <= s <= hi * span) or [samples[-1][1]]
                return window[len(window) // 2]

            peak = max(kb for _, kb in samples)
            warm, late = median_between(0.2, 0.3), median_between(0.8, 0.9)
            print(
                f"memory (crawler + Chromium): peak {peak / 1024:.0f} MB; after warm-up (20-30%) "
                f"{warm / 1024:.0f} MB, late (80-90%) {late / 1024:.0f} MB"
            )
            card.record(MEMORY_GOAL, late / warm if warm else float("inf"))
        else:
            raise SystemExit("no memory sample was taken during the browser crawl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--browser-pages", type=int, default=1000)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--only", choices=("http", "economy", "browser"))
    parser.add_argument(
        "--platforms",
        default=",".join(HTTP_PLATFORMS),
        help="HTTP platforms to crawl (comma-separated); both sides fetch what the crawl fetched",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="a project setting for the HTTP crawl (to compare settings); the bare fetch is unchanged",
    )
    args = parser.parse_args(argv)
    extra = {name: json.loads(value) for name, _, value in (pair.partition("=") for pair in args.set)}
    card = Scorecard("crawl")
    if args.only in (None, "http"):
        bench_http(card, args.size, extra, tuple(args.platforms.split(",")))
    if args.only in (None, "economy"):
        bench_economy(card, args.size)
    if args.only in (None, "browser") and not args.skip_browser:
        bench_browser(card, args.browser_pages)
    return card.exit_code()


if __name__ == "__main__":
    sys.exit(main())
