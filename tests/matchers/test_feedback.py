"""Analysts' decisions teach: weights fitted on them are stored with their held-out score, and nightly
matching uses them only when they beat the rules there; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.items import ListingItem
from crawler.matching.feedback import active_weights, feedback_rows, fit_feedback
from crawler.matching.run import run_matching
from crawler.storage.engine import transaction
from crawler.storage.models import (
    DismissReason,
    Flag,
    ListType,
    Match,
    MatcherWeights,
    ReferenceEntry,
    Role,
)
from crawler.storage.repositories import (
    CategoryRepository,
    ListingRepository,
    PlatformRepository,
    ReferenceRepository,
)
from crawler.storage.repositories.review import ReviewRepository
from crawler.storage.repositories.users import UserRepository
from matchers.evaluation.combiner import FEEDBACK_FEATURES, FeedbackCombiner

N = 12


@pytest.fixture
def matched(sessions, clock):
    """N entries; per entry one listing with its model and one with a neighbouring model."""
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)
        UserRepository(session, clock).add("ana", "x", Role.ANALYST)
        repo = ReferenceRepository(session, clock)
        ref_list = repo.get_or_create_list("recalls", "recalls", ListType.RECALL)
        entries = [
            ReferenceEntry(
                ref_key=f"R{k}",
                entry_hash=f"R{k}",
                list_type=ListType.RECALL,
                product_name="儿童电吹风",
                brand=f"Brand{chr(65 + k)}x",
                models=[f"HD-{k}{k}0{k}"],
            )
            for k in range(N)
        ]
        repo.add_version(ref_list, entries)
    items = []
    for k in range(N):
        brand = f"Brand{chr(65 + k)}x"
        items.append(
            ListingItem(
                platform="jd", item_id=f"{k}1", title=f"{brand} 儿童吹风机 HD-{k}{k}0{k}", brand=brand
            )
        )
        items.append(
            ListingItem(
                platform="jd", item_id=f"{k}2", title=f"{brand} 吹风机 HD-{k}{k}0{k}A 新款", brand=brand
            )
        )
    with transaction(sessions) as session:
        ListingRepository(session).upsert_batch(items, clock.now())
    run_matching(sessions, clock)
    return sessions


def _decide_all(sessions, clock) -> None:
    """Analysts confirm the listings of the entry's own model and dismiss the neighbouring models, and
    dismiss one own-model listing in three (say, not the batch)."""
    with transaction(sessions) as session:
        user = UserRepository(session, clock).by_name("ana")
        review = ReviewRepository(session, clock)
        for flag in session.scalars(select(Flag).where(Flag.kind == "match").order_by(Flag.id)):
            item = flag.listing.platform_item_id
            if item.endswith("2"):
                review.decide([flag.id], "dismiss", user, reason=DismissReason.OTHER_MODEL)
            elif int(item[:-1]) % 3 == 0:
                review.decide([flag.id], "dismiss", user, reason=DismissReason.NOT_THE_BATCH)
            else:
                review.decide([flag.id], "confirm", user, "型号一致")


def test_weights_are_fitted_on_decisions_and_stored_with_their_held_out_score(matched, clock):
    sessions = matched
    _decide_all(sessions, clock)
    report = fit_feedback(sessions, clock)
    assert report.decisions >= N and report.held_out >= 1 and report.skipped is None
    assert report.dismissals_by_reason.get("not_the_batch", 0) >= 1
    with sessions() as session:
        row = session.scalars(select(MatcherWeights)).one()
        assert row.id == report.weights_id
        assert row.held_out_score == report.fitted_f1 and row.baseline_score == report.rule_f1
        assert row.decisions == report.decisions and row.held_out == report.held_out
        assert FeedbackCombiner.from_json(row.weights) is not None
    rows = feedback_rows(report)
    assert [r["data_set"] for r in rows] == ["feedback: matcher rules", "feedback: fitted weights"]


def test_too_few_decisions_fit_nothing(matched, clock):
    report = fit_feedback(matched, clock)
    assert report.skipped and report.weights_id is None
    assert feedback_rows(report)[0]["skipped"]


def _store(sessions, clock, held_out_score: float, baseline: float, intercept: float) -> int:
    weights = FeedbackCombiner([0.0] * FEEDBACK_FEATURES, intercept)
    with transaction(sessions) as session:
        row = MatcherWeights(
            fitted_at=clock.now(),
            weights=weights.to_json(),
            held_out_score=held_out_score,
            baseline_score=baseline,
            decisions=40,
            held_out=10,
        )
        session.add(row)
        session.flush()
        return row.id


def _decisions(sessions) -> dict[str, str]:
    with sessions() as session:
        return {m.listing.platform_item_id: str(m.decision) for m in session.scalars(select(Match))}


def test_nightly_matching_uses_weights_only_when_they_beat_the_rules(matched, clock):
    sessions = matched
    before = _decisions(sessions)
    assert "match" in before.values()

    # weights that did worse than the rules on their held-out decisions: not used
    _store(sessions, clock, held_out_score=0.40, baseline=0.55, intercept=-10.0)
    with sessions() as session:
        assert active_weights(session) is None
    clock.advance(timedelta(hours=1))
    summary = run_matching(sessions, clock, full=True)
    assert summary.feedback_weights is None and summary.held_for_review_by_feedback == 0
    assert _decisions(sessions) == before

    # newer weights that did better, and expect no analyst to confirm anything: matches go to review
    clock.advance(timedelta(hours=1))
    better = _store(sessions, clock, held_out_score=0.80, baseline=0.55, intercept=-10.0)
    with sessions() as session:
        found = active_weights(session)
        assert found is not None and found[0].id == better
    clock.advance(timedelta(hours=1))
    summary = run_matching(sessions, clock, full=True)
    assert summary.feedback_weights == better
    assert summary.held_for_review_by_feedback == sum(d == "match" for d in before.values())
    after = _decisions(sessions)
    assert set(after.values()) == {"review"} and set(after) == set(before)
    with sessions() as session:
        flag = session.scalars(select(Flag).where(Flag.kind == "match")).first()
        assert any("analysts' decisions" in str(r) for r in flag.explanation)


def test_weights_decide_as_they_were_scored_but_never_raise_what_the_rules_left_out():
    from crawler.matching.feedback import reconsider
    from matchers import Evidence, MatchResult, Verdict

    confirms = FeedbackCombiner([0.0] * FEEDBACK_FEATURES, 10.0)
    doubts = FeedbackCombiner([0.0] * FEEDBACK_FEATURES, -10.0)
    model = Evidence("model", "model HD-1 = HD-1", 0.6, identifying=True)
    title = Evidence("title", "title similarity 0.80", 0.2)
    review = MatchResult("o", "r", 0.6, Verdict.REVIEW, [model])
    assert reconsider(review, confirms)[0] is Verdict.MATCH
    assert reconsider(MatchResult("o", "r", 0.6, Verdict.REVIEW, [title]), confirms) == (Verdict.REVIEW, None)
    capped = Evidence("type", "accessory for HD-1", factor=0.9, caps_at_review=True)
    assert (
        reconsider(MatchResult("o", "r", 0.6, Verdict.REVIEW, [model, capped]), confirms)[0] is Verdict.REVIEW
    )
    assert reconsider(MatchResult("o", "r", 0.9, Verdict.MATCH, [model]), doubts)[0] is Verdict.REVIEW
    assert reconsider(MatchResult("o", "r", 0.1, Verdict.NONE, [model]), confirms) == (Verdict.NONE, None)
