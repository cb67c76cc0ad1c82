"""``surveil match`` over the database: flags with risk, incremental reruns, new list versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.items import ListingItem
from crawler.matching.risk import hazard_severity, risk_score
from crawler.matching.run import run_matching
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, FlagStatus, ListType, Match, MatchRun, ReferenceEntry
from crawler.storage.repositories import (
    CategoryRepository,
    ListingRepository,
    PlatformRepository,
    ReferenceRepository,
)


@pytest.fixture
def loaded(sessions, clock):
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)
    return sessions


def _entry(key: str, **fields) -> ReferenceEntry:
    return ReferenceEntry(ref_key=key, entry_hash=key, list_type=ListType.RECALL, **fields)


def _add_list(sessions, clock, code: str, entries: list[ReferenceEntry]) -> None:
    with transaction(sessions) as session:
        repo = ReferenceRepository(session, clock)
        ref_list = repo.get_or_create_list(code, code, ListType.RECALL)
        repo.add_version(ref_list, entries)


def _listings(sessions, clock, items: list[ListingItem]) -> None:
    with transaction(sessions) as session:
        ListingRepository(session).upsert_batch(items, clock.now())


def test_match_run_flags_incrementally(loaded, clock):
    sessions = loaded
    _add_list(
        sessions,
        clock,
        "recalls",
        [
            _entry(
                "R1",
                product_name="儿童电吹风",
                brand="小狐狸（LittleFox）",
                models=["LF-HD22"],
                hazard="触电风险 electric shock",
            )
        ],
    )
    _listings(
        sessions,
        clock,
        [
            ListingItem(
                platform="jd",
                item_id="1",
                title="小狐狸 儿童吹风机 LF-HD22",
                brand="小狐狸",
                sales_count=5000,
            ),
            ListingItem(platform="jd", item_id="2", title="不锈钢保温杯 500ml"),
            ListingItem(platform="jd", item_id="3", title="小狐狸 吹风机 LF-HD23", brand="小狐狸"),
        ],
    )
    first = run_matching(sessions, clock)
    assert first.mode == "full" and first.listings_changed == 3
    assert first.flags_created == 1
    with sessions() as session:
        flag = session.scalar(select(Flag))
        assert flag.kind == "match" and flag.subject == f"entry:{flag.entry_id}"
        assert flag.list_type == ListType.RECALL and 0 < flag.risk_score <= 1
        assert "model LF-HD22 = LF-HD22" in flag.explanation
        assert flag.match.decision == "match"

    clock.advance(timedelta(hours=1))
    again = run_matching(sessions, clock)
    assert again.mode == "incremental" and again.listings_changed == 0 and again.flags_created == 0

    with transaction(sessions) as session:
        session.scalar(select(Flag)).status = FlagStatus.DISMISSED
    clock.advance(timedelta(hours=1))
    _listings(
        sessions,
        clock,
        [
            ListingItem(platform="jd", item_id="1", title="小狐狸 儿童吹风机 LF-HD22 升级款", brand="小狐狸"),
            ListingItem(
                platform="taobao", item_id="9", title="SafeRide kids helmet SR-200", brand="SafeRide"
            ),
        ],
    )
    changed = run_matching(sessions, clock)
    assert changed.listings_changed == 2
    assert changed.flags_created == 0 and changed.flags_updated == 1
    with sessions() as session:
        assert session.scalar(select(Flag)).status == FlagStatus.DISMISSED

    clock.advance(timedelta(hours=1))
    _add_list(
        sessions,
        clock,
        "helmets",
        [_entry("H1", product_name="Kids helmet", brand="SafeRide", models=["SR-200"])],
    )
    versions = run_matching(sessions, clock)
    assert len(versions.new_versions) == 1 and versions.listings_changed == 0
    assert versions.listings_rechecked_for_new_versions == 4
    assert versions.flags_created == 1
    with sessions() as session:
        assert session.scalar(select(func.count(Match.id))) == 2
        assert session.scalar(select(func.count(MatchRun.id))) == 4


def test_risk_weighs_strength_hazard_priority_and_sales():
    assert hazard_severity("Strangulation hazard") == 1.0
    assert hazard_severity("甲醛含量不合格") == 0.8
    assert hazard_severity(None) == 0.5
    strong = risk_score(0.95, "fire", 1, 100000, "recall")
    assert 0 < strong <= 1
    assert risk_score(0.6, "fire", 1, 100000, "recall") < strong
    assert risk_score(0.95, "label missing", 1, 100000, "recall") < strong
    assert risk_score(0.95, "fire", 5, 100000, "recall") < strong
    assert risk_score(0.95, "fire", 1, 0, "recall") < strong
