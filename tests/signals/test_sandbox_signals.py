"""Planted signal cases: opt-in, caught by the checks, and by the database run on the same listings."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.items import ListingItem
from crawler.references import read_records
from crawler.references.importer import store
from crawler.sandbox.config import PLATFORMS
from crawler.sandbox.content import Market
from crawler.sandbox.signal_cases import CASE_SIGNAL, write_signal_lists
from crawler.sandbox.testing import make_config
from crawler.sandbox.truth import record
from crawler.signals import run_signals
from crawler.signals.sandbox_eval import evaluate_signals
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, Listing, ListType
from crawler.storage.repositories import CategoryRepository, ListingRepository, PlatformRepository


def test_planting_is_opt_in_and_leaves_planted_matches_alone():
    plain = Market(make_config(seed=3, size=300))
    planted = Market(make_config(seed=3, size=300, signals=True))
    cases = set()
    for platform in PLATFORMS:
        for index in plain.all_indexes():
            before, after = plain.listing(platform, index), planted.listing(platform, index)
            assert "signal" not in record(plain, before)
            assert (after.kind, after.product.ref) == (before.kind, before.product.ref)
            if after.signal is not None:
                cases.add(after.signal)
                assert record(planted, after)["signal"]["kind"] == CASE_SIGNAL[after.signal]
                assert after.kind != "match" or after.signal == "underpriced"
            else:
                assert after == before
    assert cases == set(CASE_SIGNAL)


def test_eval_reports_each_signal():
    report = evaluate_signals(seed=1, size=300)
    for kind in ("licence", "ccc_missing", "licensed_ip", "blacklist"):
        figures = report["signals"][kind]
        assert figures["planted"] > 0 and figures["precision"] == 1.0 and figures["recall"] == 1.0, kind
    assert report["signals"]["price"]["planted"] > 0 and report["signals"]["price"]["tp"] >= 1
    assert report["problems"] == []


def test_database_run_flags_the_planted_cases(sessions, clock, tmp_path):
    market = Market(make_config(seed=2, size=60, signals=True))
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)
    for list_type, path in write_signal_lists(market, tmp_path).items():
        result = read_records(path, list_type=ListType(list_type))
        store(sessions, clock, result, list_type=ListType(list_type))
    items, truth = [], set()
    for platform in PLATFORMS:
        for index in market.all_indexes():
            listing = market.listing(platform, index)
            items.append(
                ListingItem(
                    platform=platform,
                    item_id=listing.item_id,
                    title=listing.title,
                    category=listing.category,
                    price=Decimal(listing.price),
                    currency=listing.currency,
                    seller_id=listing.shop_id,
                    seller_name=listing.shop_name,
                    brand=listing.brand_shown,
                    model=listing.model_in_specs,
                    specs=dict(listing.specs),
                    licence_no=listing.licence_no,
                )
            )
            if listing.signal and listing.signal != "underpriced":
                truth.add((listing.item_id, CASE_SIGNAL[listing.signal]))
    with transaction(sessions) as session:
        ListingRepository(session).upsert_batch(items, clock.now())
    summary = run_signals(sessions, clock)
    assert summary.problems == []
    with sessions() as session:
        flagged = {
            (item_id, kind)
            for kind, item_id in session.execute(select(Flag.kind, Listing.platform_item_id).join(Listing))
            if kind != "price"
        }
    assert truth and flagged == truth
