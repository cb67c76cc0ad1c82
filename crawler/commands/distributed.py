"""``surveil worker --redis URL`` (crawl announced runs from the shared queue) and the ``--distributed``
side of ``surveil crawl`` (seed the queue, wait for it to drain, finish the run)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import typer

from crawler.commands.common import app_context, console, fail
from crawler.context import AppContext
from crawler.distributed.keys import Keys

if TYPE_CHECKING:
    from crawler.crawling.runner import CrawlPlan


def _redis(context: AppContext, redis_url: str | None) -> str:
    url = redis_url or context.settings.redis_url
    if not url:
        fail("no Redis: pass --redis URL or set SURVEIL_REDIS_URL")
    return url


def seed_and_wait(
    ctx: typer.Context, context: AppContext, plan: CrawlPlan, redis_url: str | None, wait: bool
) -> None:
    from crawler.commands.crawl import show
    from crawler.distributed import coordinator

    url = _redis(context, redis_url)
    keys = Keys(context.settings.redis_prefix)
    server = coordinator.connect(url)
    try:
        run_id = coordinator.start_run(context, plan, server, keys)
    except (ValueError, RuntimeError) as exc:
        fail(str(exc))
    console().print(f"run {run_id}: seeded {', '.join(plan.platforms)} for the workers at {url}")
    if not wait:
        return
    if not coordinator.wait_drained(server, keys, plan.platforms, timeout=24 * 3600):
        fail(f"run {run_id}: the queue did not drain")
    coordinator.finish_run(context, run_id, server, keys, plan.platforms)
    show(ctx, run_id, as_json=False)


def worker(
    ctx: typer.Context,
    redis_url: str | None = typer.Option(None, "--redis", help="Redis URL (default: the redis_url setting)."),
    once: bool = typer.Option(False, "--once", help="Crawl one run, then exit."),
    wait: float = typer.Option(60.0, "--wait", min=1, help="Seconds to wait for a run before looking again."),
    setting: list[str] = typer.Option([], "--set", help="Scrapy setting NAME=VALUE (JSON values)."),
) -> None:
    """A crawl worker: takes requests from the shared Redis queue and stores listings in the database.

    Each run is crawled in a child process (Scrapy's reactor starts once per process); without --once the
    worker then waits for the next run."""
    context = app_context(ctx)
    url = _redis(context, redis_url)
    argv = [sys.executable, "-m", "crawler.distributed.worker", "--redis", url]
    argv += ["--prefix", context.settings.redis_prefix, "--wait", str(wait)]
    for pair in setting:
        argv += ["--set", pair]
    while True:
        done = subprocess.run(argv, capture_output=False, stdout=subprocess.PIPE, text=True, check=False)
        lines = [line for line in (done.stdout or "").splitlines() if line.startswith("{")]
        run_id = json.loads(lines[-1])["run_id"] if lines else None
        if done.returncode != 0:
            console().print(f"[red]worker exited with {done.returncode}[/]")
            if once:
                raise typer.Exit(done.returncode)
            time.sleep(5)
        elif run_id is not None:
            console().print(f"run {run_id}: drained")
        if once:
            return
