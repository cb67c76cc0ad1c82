"""How fast the sandbox serves small JSON pages, beside a bare Scrapy spider fetching the same pages.

The sandbox runs as its own process (``surveil sandbox serve``). First a concurrent aiohttp client measures
the sandbox's rate; then one Scrapy process fetches the same URLs through the sandbox as a proxy. The ratio
says how much headroom the sandbox leaves: above 1 it is not the bottleneck of crawl benchmarks.
Goal: sandbox / Scrapy >= 1.5 (exit code 1 when missed).

    .venv/bin/python bench/bench_sandbox.py [--requests 3000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.goals import Goal, Scorecard  # noqa: E402
from crawler.sandbox.testing import running_sandbox  # noqa: E402

HEADROOM_GOAL = Goal("sandbox requests/s / one Scrapy process requests/s", at_least=1.5, unit="x")

KEYWORDS = ["口罩", "童装", "毛巾", "花洒", "泳衣", "电吹风", "充电宝", "取暖器", "电水壶", "儿童玩具"]


def h5st(body: str, seed: int = 1) -> str:
    """A valid h5st for the sandbox started below (seed 1, first key), as its served script makes it."""
    import hashlib

    from crawler.sandbox.signing import SigningKeys, make_h5st

    signed = {"functionId": "pc_search_searchWare", "body": hashlib.sha256(body.encode()).hexdigest()}
    return make_h5st(SigningKeys(seed), signed, "abcdefghijklmnop", "f06cc", 1763661600123)


def urls(count: int, endpoint: str = "ocj") -> list[str]:
    """Small JSON pages: OCJ search pages of 5 items, or JD search API pages of 30 wares."""
    out = []
    for n in range(count):
        keyword = KEYWORDS[n % len(KEYWORDS)]
        page = 1 + (n // len(KEYWORDS)) % 20
        if endpoint == "jd":
            body = json.dumps({"keyword": keyword, "page": page}, ensure_ascii=False)
            query = urllib.parse.urlencode(
                {"functionId": "pc_search_searchWare", "body": body, "h5st": h5st(body)}
            )
            out.append(f"http://api.m.jd.com/api?{query}")
        else:
            out.append(
                f"http://m.ocj.com.cn/api/search?keyword={urllib.parse.quote(keyword)}&page={page}&size=5"
            )
    return out


async def aiohttp_rate(proxy: str, targets: list[str], concurrency: int) -> float:
    import aiohttp

    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in targets:
        queue.put_nowait(url)
    ok = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal ok
        while not queue.empty():
            url = queue.get_nowait()
            async with session.get(url, proxy=proxy) as resp:
                body = await resp.read()
                if resp.status == 200 and body.startswith(b'{"code":'):
                    ok += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    assert ok == len(targets), f"{ok} of {len(targets)} answered"
    return len(targets) / elapsed


SCRAPY_CHILD = r"""
import json, sys, time
import scrapy
from scrapy.crawler import CrawlerProcess

proxy, concurrency, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
targets = json.load(open(path))
state = {"ok": 0}

class Bare(scrapy.Spider):
    name = "bare"
    custom_settings = {"CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
                       "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "ERROR", "COOKIES_ENABLED": False,
                       "RETRY_ENABLED": False, "TELNETCONSOLE_ENABLED": False}
    async def start(self):
        for url in targets:
            yield scrapy.Request(url, meta={"proxy": proxy}, dont_filter=True)
    def start_requests(self):
        for url in targets:
            yield scrapy.Request(url, meta={"proxy": proxy}, dont_filter=True)
    def parse(self, response):
        if response.status == 200 and response.body.startswith(b'{"code":'):
            state["ok"] += 1

process = CrawlerProcess()
process.crawl(Bare)
start = time.perf_counter()
process.start()
elapsed = time.perf_counter() - start
print(json.dumps({"ok": state["ok"], "elapsed": elapsed}))
"""


def scrapy_rate(proxy: str, targets: list[str], concurrency: int, tmp: Path) -> float:
    path = tmp / "bench_sandbox_urls.json"
    path.write_text(json.dumps(targets))
    out = subprocess.run(
        [sys.executable, "-c", SCRAPY_CHILD, proxy, str(concurrency), str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ok"] == len(targets), result
    return len(targets) / result["elapsed"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--endpoint", choices=("ocj", "jd"), default="ocj")
    args = parser.parse_args(argv)
    import tempfile

    card = Scorecard("sandbox")
    card.state(HEADROOM_GOAL)

    targets = urls(args.requests, args.endpoint)
    with (
        running_sandbox(seed=1, size=20_000, in_process=False, references="shipped") as sb,
        tempfile.TemporaryDirectory() as tmp,
    ):
        asyncio.run(aiohttp_rate(sb.url, targets[:200], args.concurrency))  # warm-up
        sandbox_rps = asyncio.run(aiohttp_rate(sb.url, targets, args.concurrency))
        scrapy_rps = scrapy_rate(sb.url, targets, args.concurrency, Path(tmp))
    print(f"pages: {args.endpoint} search JSON, {args.requests} requests")
    print(f"sandbox served (aiohttp client, {args.concurrency} concurrent): {sandbox_rps:8.0f} requests/s")
    print(f"one Scrapy process fetching the same pages:        {scrapy_rps:8.0f} requests/s")
    card.record(HEADROOM_GOAL, sandbox_rps / scrapy_rps)
    return card.exit_code()


if __name__ == "__main__":
    sys.exit(main())
