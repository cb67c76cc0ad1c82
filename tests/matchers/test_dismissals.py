"""A dismissed (listing, entry) pair is not raised again unless the listing's title, model or photo
changes; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.items import ListingItem
from crawler.matching.run import run_matching
from crawler.storage.engine import transaction
from crawler.storage.models import (
    AuditEntry,
    DismissReason,
    Flag,
    FlagStatus,
    ListType,
    ReferenceEntry,
    ReviewDecision,
    Role,
)
from crawler.storage.repositories import (
    CategoryRepository,
    ListingRepository,
    PlatformRepository,
    ReferenceRepository,
)
from crawler.storage.repositories.review import ReviewError, ReviewRepository
from crawler.storage.repositories.users import UserRepository


@pytest.fixture
def flagged(sessions, clock):
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)
        UserRepository(session, clock).add("ana", "x", Role.ANALYST)
        repo = ReferenceRepository(session, clock)
        ref_list = repo.get_or_create_list("recalls", "recalls", ListType.RECALL)
        entry = ReferenceEntry(
            ref_key="R1",
            entry_hash="R1",
            list_type=ListType.RECALL,
            product_name="儿童电吹风",
            brand="小狐狸（LittleFox）",
            models=["LF-HD22"],
        )
        repo.add_version(ref_list, [entry])
    _list(sessions, clock, "小狐狸 儿童吹风机 LF-HD22 负离子", price="39.00")
    run_matching(sessions, clock)
    return sessions


def _list(sessions, clock, title: str, price: str = "39.00", model: str | None = None) -> None:
    with transaction(sessions) as session:
        item = ListingItem(platform="jd", item_id="1", title=title, brand="小狐狸", price=price, model=model)
        ListingRepository(session).upsert_batch([item], clock.now())


def _flag(sessions) -> Flag:
    with sessions() as session:
        return session.scalars(select(Flag).where(Flag.kind == "match")).one()


def test_a_dismissed_pair_stays_dismissed_until_the_listing_changes(flagged, clock):
    sessions = flagged
    flag = _flag(sessions)
    assert flag.status == FlagStatus.OPEN
    with transaction(sessions) as session:
        user = UserRepository(session, clock).by_name("ana")
        review = ReviewRepository(session, clock)
        with pytest.raises(ReviewError) as bad:
            review.decide([flag.id], "dismiss", user, reason="wrong")
        assert bad.value.code == "unknown_reason"
        review.decide([flag.id], "dismiss", user, reason=DismissReason.ACCESSORY)
    with sessions() as session:
        decision = session.scalars(select(ReviewDecision)).one()
        assert decision.reason_code is DismissReason.ACCESSORY and decision.note == ""

    # a price change and a rewritten spacing are not changes that matter
    clock.advance(timedelta(days=1))
    _list(sessions, clock, "小狐狸  儿童吹风机 LF-HD22 负离子", price="35.00")
    summary = run_matching(sessions, clock, full=True)
    assert summary.flags_reopened == 0 and _flag(sessions).status == FlagStatus.DISMISSED

    # a new title does
    clock.advance(timedelta(days=1))
    _list(sessions, clock, "小狐狸 儿童吹风机 LF-HD22 新款大功率", price="35.00")
    summary = run_matching(sessions, clock)
    assert summary.flags_reopened == 1
    reopened = _flag(sessions)
    assert reopened.status == FlagStatus.OPEN and reopened.id == flag.id
    with sessions() as session:
        actions = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-1] == "flag.reopened"

    # dismissed again: a later run leaves it alone
    with transaction(sessions) as session:
        user = UserRepository(session, clock).by_name("ana")
        ReviewRepository(session, clock).decide([flag.id], "dismiss", user, "同品牌其他产品", "other_product")
    clock.advance(timedelta(days=1))
    summary = run_matching(sessions, clock, full=True)
    assert summary.flags_reopened == 0 and _flag(sessions).status == FlagStatus.DISMISSED
