"""The nightly pipeline: crawl, match and flag, capture evidence, report coverage, build the digest.

Each stage is a plain function of an :class:`~crawler.context.AppContext` (its clock included), so the
scheduler, ``surveil nightly --now`` and the demo run the same code. The crawl runs in a child process:
Scrapy's reactor starts once per process, and a killed crawl must not take the pipeline with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from crawler.context import AppContext
from crawler.storage.engine import transaction
from crawler.storage.models import CrawlRun, EvidenceCapture, Flag
from crawler.timeutil import FixedClock

Progress = Callable[[str, str], None]


@dataclass
class NightlyOptions:
    platforms: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    depth: int = 2
    limit: int | None = None
    max_terms: int | None = None
    details: str = "auto"
    evidence: bool = True
    notify: bool = True
    signals: bool = True
    crawl_timeout: float = 3 * 3600
    #: Seed the shared Redis queue (setting ``redis_url``) for the workers and wait for it to drain.
    distributed: bool = False


@dataclass
class StageResult:
    name: str
    ok: bool
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class NightlyReport:
    stages: list[StageResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(stage.ok for stage in self.stages)

    def stage(self, name: str) -> StageResult | None:
        return next((s for s in self.stages if s.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "stages": [asdict(s) for s in self.stages]}


def _child_env(context: AppContext) -> dict[str, str]:
    env = dict(os.environ)
    settings = context.settings
    env["SURVEIL_DATABASE_URL"] = settings.resolved_database_url
    env["SURVEIL_DATA_DIR"] = str(settings.data_dir.resolve())
    if settings.sandbox_url:
        env["SURVEIL_SANDBOX_URL"] = settings.sandbox_url
    return env


def crawl_stage(context: AppContext, options: NightlyOptions, resume: int | None = None) -> dict[str, Any]:
    """Crawl in a child process (``python -m crawler.crawling.runner``); returns its run id and totals."""
    if options.distributed:
        from crawler.distributed.nightly import distributed_crawl_stage

        return distributed_crawl_stage(context, options)
    argv = [
        sys.executable,
        "-m",
        "crawler.crawling.runner",
        "--depth",
        str(options.depth),
        "--details",
        options.details,
    ]
    for platform in options.platforms:
        argv += ["--platform", platform]
    for category in options.categories:
        argv += ["--category", category]
    if options.limit:
        argv += ["--limit", str(options.limit)]
    if options.max_terms:
        argv += ["--max-terms", str(options.max_terms)]
    if resume is not None:
        argv += ["--resume", str(resume)]
    argv += ["--set", "LOG_LEVEL=WARNING"]
    if isinstance(context.clock, FixedClock):
        argv += ["--set", f"SURVEIL_NOW={context.clock.now().isoformat()}"]
    done = subprocess.run(
        argv,
        env=_child_env(context),
        capture_output=True,
        text=True,
        timeout=options.crawl_timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"crawl exited with {done.returncode}: {done.stderr.strip()[-2000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return run_outcome(context, int(json.loads(lines[-1])["run_id"]))


def run_outcome(context: AppContext, run_id: int) -> dict[str, Any]:
    """A finished crawl run as a stage's result: its status and totals."""
    with transaction(context.sessions) as session:
        run = session.get(CrawlRun, run_id)
        summary = dict(run.summary or {})
        status = str(run.status)
    return {
        "run_id": run_id,
        "status": status,
        "totals": summary.get("totals", {}),
        "partial": status != "finished",
    }


def match_stage(context: AppContext) -> dict[str, Any]:
    from crawler.matching.run import run_matching

    summary = run_matching(context.sessions, context.clock)
    return summary.to_json()


def signals_stage(context: AppContext) -> dict[str, Any]:
    from crawler.signals import load_weights, run_signals

    weights = load_weights(data_dir=context.settings.data_dir)
    return run_signals(context.sessions, context.clock, weights).to_json()


def flags_without_evidence(context: AppContext) -> list[int]:
    with context.sessions() as session:
        captured = select(EvidenceCapture.listing_id)
        stmt = (
            select(Flag.id).where(Flag.listing_id.not_in(captured)).order_by(Flag.risk_score.desc(), Flag.id)
        )
        return list(session.scalars(stmt))


def evidence_stage(context: AppContext, run_id: int | None = None) -> dict[str, Any]:
    """Capture every flagged listing that has no capture yet (new flags, and any a crash left behind)."""
    from crawler.evidence.service import capture_for_flags

    flag_ids = flags_without_evidence(context)
    outcomes = capture_for_flags(context, flag_ids, run_id=run_id) if flag_ids else []
    by_status: dict[str, int] = {}
    for outcome in outcomes:
        by_status[outcome.status] = by_status.get(outcome.status, 0) + 1
    failed = [o.as_dict() for o in outcomes if o.status in ("error", "unlogged")]
    return {"flags": len(flag_ids), "captures": by_status, "problems": failed[:20], "partial": bool(failed)}


def coverage_stage(context: AppContext, run_id: int | None) -> dict[str, Any]:
    from crawler.crawling.report import coverage_rows, totals
    from crawler.storage.repositories import RunRepository

    if run_id is None:
        return {"run_id": None}
    with transaction(context.sessions) as session:
        run = RunRepository(session, context.clock).get(run_id)
        rows = coverage_rows(run)
        blocked = [r for r in rows if r.get("blocked")]
        return {"run_id": run_id, "totals": totals(run), "cells": len(rows), "blocked": blocked}


def digest_stage(context: AppContext, notify: bool) -> dict[str, Any]:
    from scheduler.digest import build_digest
    from scheduler.notify import deliver

    with transaction(context.sessions) as session:
        digest = build_digest(session, context.clock.now(), context.settings.digest_min_risk)
    detail: dict[str, Any] = {"sections": {k: len(v) for k, v in digest.sections.items()}}
    if notify:
        delivery = deliver(context.settings, digest)
        detail.update(sent=delivery.sent, failed=delivery.failed, partial=bool(delivery.failed))
    return detail


def _timed(name: str, body: Callable[[], dict[str, Any]], progress: Progress | None) -> StageResult:
    if progress:
        progress(name, "started")
    started = time.monotonic()
    try:
        detail = body()
        ok = True
    except Exception as exc:  # noqa: BLE001 - a failed stage is reported; the night goes on
        detail, ok = {"error": f"{exc.__class__.__name__}: {exc}"}, False
    result = StageResult(name, ok, round(time.monotonic() - started, 2), detail)
    if progress:
        progress(name, f"done in {result.seconds:.1f} s" if ok else f"failed: {detail['error']}")
    return result


def after_crawl(
    context: AppContext, run_id: int | None, options: NightlyOptions, progress: Progress | None = None
) -> list[StageResult]:
    """What follows a crawl: matching and flags, risk signals, evidence, coverage report, digest."""
    results = [_timed("match", lambda: match_stage(context), progress)]
    if options.signals:
        results.append(_timed("signals", lambda: signals_stage(context), progress))
    if options.evidence:
        results.append(_timed("evidence", lambda: evidence_stage(context, run_id), progress))
    results.append(_timed("coverage", lambda: coverage_stage(context, run_id), progress))
    results.append(_timed("digest", lambda: digest_stage(context, options.notify), progress))
    return results


def run_nightly(
    context: AppContext, options: NightlyOptions, progress: Progress | None = None
) -> NightlyReport:
    """The whole night, in order. A crawl that fails still lets matching run on what was stored."""
    from crawler.storage import migrate

    migrate.upgrade(context.engine)
    report = NightlyReport()
    crawl = _timed("crawl", lambda: crawl_stage(context, options), progress)
    report.stages.append(crawl)
    run_id = crawl.detail.get("run_id") if crawl.ok else None
    report.stages += after_crawl(context, run_id, options, progress)
    return report
