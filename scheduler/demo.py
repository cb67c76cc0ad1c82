"""The whole loop on the local sandbox marketplace: two nights, flags, evidence, a purchase plan, a lab file.

Used by ``surveil demo`` (and ``make demo``). Nothing here contacts a real platform: the crawl goes to the
sandbox through its proxy address.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.context import AppContext
from crawler.storage import migrate
from crawler.storage.engine import transaction
from crawler.storage.models import EvidenceCapture, Flag, Listing, Purchase, ReferenceEntry
from crawler.storage.repositories import AuditRepository, CategoryRepository, PlatformRepository
from crawler.timeutil import FixedClock, to_local
from scheduler.pipeline import NightlyOptions, NightlyReport, run_nightly

Progress = Callable[[str], None]

#: Platforms whose robots.txt shuts out every crawler, and the agreement the demo assumes the bureau has.
ROBOTS_AGREEMENTS = {
    "taobao": "demo: the bureau's monitoring agreement with the platform (administrator's switch)"
}

#: Categories the demo crawls: ones with planted reference entries on every platform.
DEMO_CATEGORIES = ["power_bank", "space_heater", "toys", "mask", "children_clothing", "helmet"]


@dataclass
class DemoOptions:
    seed: int = 1
    size: int = 1200
    nights: int = 2
    categories: list[str] = field(default_factory=lambda: list(DEMO_CATEGORIES))
    platforms: list[str] = field(default_factory=list)
    shared_data: Path | None = None
    budget: Decimal = Decimal("20000")
    out_dir: Path = Path("var/demo")
    evidence: bool = True


@dataclass
class DemoSummary:
    references: dict[str, int] = field(default_factory=dict)
    nights: list[dict[str, Any]] = field(default_factory=list)
    listings: int = 0
    flags_by_reason: dict[str, int] = field(default_factory=dict)
    evidence_captures: int = 0
    purchases_planned: int = 0
    plan_id: int | None = None
    lab_files: list[str] = field(default_factory=list)
    coverage: list[dict[str, Any]] = field(default_factory=list)


def reference_files(shared_data: Path | None) -> list[Path]:
    """The real lists when ``shared_data`` holds them, else the list the sandbox ships."""
    from importlib import resources

    from crawler.sandbox.references import REAL_FILES

    if shared_data is not None:
        found = [shared_data / rel for rel in REAL_FILES if (shared_data / rel).is_file()]
        if found:
            return found
    return [Path(str(resources.files("crawler.sandbox").joinpath("data/references.csv")))]


def load_references(context: AppContext, files: list[Path], progress: Progress) -> dict[str, int]:
    from crawler.references.importer import import_file

    loaded: dict[str, int] = {}
    for path in files:
        report = import_file(context.sessions, context.clock, path, imported_by="demo", skip_invalid=True)
        loaded[path.name] = report.records
        progress(f"reference list {path.name}: {loaded[path.name]} entries")
    return loaded


@contextlib.contextmanager
def _sandbox(options: DemoOptions, night: int) -> Iterator[Any]:
    from crawler.sandbox.testing import running_sandbox

    references = str(options.shared_data) if options.shared_data else "shipped"
    with running_sandbox(
        seed=options.seed, size=options.size, night=night, references=references, in_process=False
    ) as handle:
        yield handle


def run_demo(context: AppContext, options: DemoOptions, progress: Progress) -> DemoSummary:
    """Load catalogue and lists, crawl ``options.nights`` nights, plan purchases, write the lab file."""
    clock = context.clock
    if not isinstance(clock, FixedClock):
        clock = FixedClock(clock.now())
        context.clock = clock
    migrate.upgrade(context.engine)
    with transaction(context.sessions) as session:
        for platform in PlatformRepository(session).sync(load_platforms()):
            if platform.code in ROBOTS_AGREEMENTS and platform.obey_robots:
                platform.obey_robots = False
                AuditRepository(session, clock).record(
                    "platform.robots_off",
                    "platform",
                    platform.code,
                    actor="demo",
                    details={"reason": ROBOTS_AGREEMENTS[platform.code]},
                )
                progress(f"robots.txt not obeyed on {platform.code}: {ROBOTS_AGREEMENTS[platform.code]}")
        CategoryRepository(session, clock).sync(load_categories().categories)
    summary = DemoSummary()
    summary.references = load_references(context, reference_files(options.shared_data), progress)
    for night in range(options.nights):
        with _sandbox(options, night) as sandbox:
            context.settings = context.settings.model_copy(update={"sandbox_url": sandbox.url})
            progress(f"night {night + 1}: sandbox at {sandbox.url}, {to_local(clock.now()):%Y-%m-%d %H:%M}")
            report = run_nightly(
                context,
                NightlyOptions(
                    platforms=options.platforms,
                    categories=options.categories,
                    depth=1,
                    max_terms=1,
                    evidence=options.evidence,
                    notify=False,
                ),
                progress=lambda stage, state: progress(f"  {stage}: {state}"),
            )
        summary.nights.append(_night_summary(night, report))
        clock.advance(timedelta(days=1))
    _plan_and_export(context, options, summary, progress)
    _totals(context, summary)
    return summary


def _night_summary(night: int, report: NightlyReport) -> dict[str, Any]:
    crawl = report.stage("crawl")
    match = report.stage("match")
    evidence = report.stage("evidence")
    return {
        "night": night + 1,
        "ok": report.ok,
        "crawl": crawl.detail if crawl else {},
        "flags_created": (match.detail.get("flags_created") if match else None),
        "evidence": (evidence.detail.get("captures") if evidence else None),
        "seconds": round(sum(s.seconds for s in report.stages), 1),
        "errors": {s.name: s.detail.get("error") for s in report.stages if not s.ok},
    }


def _plan_and_export(
    context: AppContext, options: DemoOptions, summary: DemoSummary, progress: Progress
) -> None:
    from crawler.purchases.export import export_for_lab
    from crawler.purchases.plans import approve_plan, create_plan
    from crawler.purchases.settings import load_purchasing_settings

    clock = context.clock
    period = f"{to_local(clock.now()):%Y-%m}"
    with transaction(context.sessions) as session:
        result = create_plan(session, clock, "demo", period, options.budget, seed=options.seed)
        plan = result.plan
        summary.plan_id = plan.id
        summary.purchases_planned = len(plan.purchases)
        if plan.purchases:
            approve_plan(session, clock, "demo", plan.id, load_purchasing_settings(context.settings.data_dir))
    progress(f"purchase plan {summary.plan_id} for {period}: {summary.purchases_planned} test buys")
    if not summary.purchases_planned:
        return
    with transaction(context.sessions) as session:
        labs = {p.lab.code for p in session.scalars(select(Purchase)) if p.lab is not None}
        for code in sorted(labs):
            out = options.out_dir / "lab-exports" / code
            exported = export_for_lab(session, clock, "demo", code, out, include_unreceived=True)
            summary.lab_files += [str(f) for f in exported.files.values()]
    progress(f"lab files: {len(summary.lab_files)} written under {options.out_dir / 'lab-exports'}")


def _totals(context: AppContext, summary: DemoSummary) -> None:
    with context.sessions() as session:
        summary.listings = session.scalar(select(func.count(Listing.id))) or 0
        rows = session.execute(
            select(Flag.kind, Flag.list_type, func.count(Flag.id)).group_by(Flag.kind, Flag.list_type)
        ).all()
        summary.flags_by_reason = {f"{kind}:{lt.value if lt else '-'}": n for kind, lt, n in rows}
        summary.evidence_captures = session.scalar(select(func.count(EvidenceCapture.id))) or 0
        summary.references["entries stored"] = session.scalar(select(func.count(ReferenceEntry.id))) or 0
    if summary.nights:
        summary.coverage = [n["crawl"].get("totals", {}) for n in summary.nights]
