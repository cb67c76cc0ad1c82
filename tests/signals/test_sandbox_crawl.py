"""End to end: crawl the sandbox with planted signal cases, import its lists, run the signals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.config import load_settings
from crawler.context import AppContext
from crawler.references import read_records
from crawler.references.importer import store
from crawler.sandbox.content import Market
from crawler.sandbox.signal_cases import CASE_SIGNAL, write_signal_lists
from crawler.sandbox.testing import make_config
from crawler.signals import run_signals
from crawler.storage import migrate
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, Listing, ListType
from crawler.storage.repositories import CategoryRepository, PlatformRepository
from crawler.timeutil import FixedClock
from scheduler.pipeline import NightlyOptions, crawl_stage

CATEGORIES = ["power_bank", "toys", "electric_bicycle", "space_heater", "hair_dryer", "wires_cables", "mask"]


@pytest.mark.sandbox(size=300, signals=True)
def test_crawled_planted_cases_are_flagged(tmp_path: Path, sandbox) -> None:
    settings = load_settings(
        data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 's.db'}", sandbox_url=sandbox.url
    )
    context = AppContext(settings=settings, clock=FixedClock(datetime(2026, 11, 24, 17, 0, tzinfo=UTC)))
    try:
        migrate.upgrade(context.engine)
        with transaction(context.sessions) as session:
            PlatformRepository(session).sync(load_platforms())
            CategoryRepository(session, context.clock).sync(load_categories().categories)
        market = Market(make_config(seed=1, size=300, signals=True))
        for list_type, path in write_signal_lists(market, tmp_path / "lists").items():
            store(context.sessions, context.clock, read_records(path, list_type=ListType(list_type)))
        crawl = crawl_stage(
            context,
            NightlyOptions(platforms=["jd", "pdd", "yhd"], categories=CATEGORIES, depth=3, max_terms=2),
        )
        assert crawl["totals"]["listings_seen"] > 0, crawl
        summary = run_signals(context.sessions, context.clock)
        assert summary.problems == []
        truth = {
            (row["item_id"], row["signal"]["kind"])
            for row in sandbox.truth()
            if row.get("type") == "listing" and row.get("signal") and row["signal"]["kind"] != "price"
        }
        with context.sessions() as session:
            stored = set(session.scalars(select(Listing.platform_item_id)))
            flagged = {
                (item_id, kind)
                for kind, item_id in session.execute(
                    select(Flag.kind, Listing.platform_item_id).join(Listing)
                )
                if kind in set(CASE_SIGNAL.values()) - {"price"}
            }
        crawled_truth = {(i, k) for i, k in truth if i in stored}
        assert crawled_truth, (len(stored), len(truth))
        assert {k for _, k in crawled_truth} == {"licence", "ccc_missing", "licensed_ip", "blacklist"}
        assert flagged == crawled_truth
    finally:
        context.close()
