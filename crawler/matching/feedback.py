"""Analysts' decisions teach the matcher: its signals re-weighed on confirmed and dismissed flags.

Every match flag an analyst decided (confirm or test purchase: the pair deserved the flag; dismiss: it
did not) is matched again as it stands, and its evidence becomes a row of numbers
(``matchers.evaluation.combiner.evidence_features``). About one decision in four, chosen by a stable hash
of the flag, is held out; logistic weights are fitted on the rest. On the held-out part, the matcher's
own rule (``match`` means confirm) and the fitted weights are scored alike (F1 of predicting the
confirmations), and the weights are stored with both scores. Nightly matching uses the newest stored
weights only when they scored better than the rule on their held-out part, and decides as they were
scored: a surfaced pair the weights expect an analyst to confirm is ``match`` (when an identifier
agreed and nothing caps it at review, as the rules require), any other is ``review``; the weights
never raise a pair the rules left out. Nothing here reads a clock but the one given.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crawler.matching.convert import entry_photo_hashes, offer_from_listing, reference_from_entry
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, Listing, ListingImage, MatcherWeights, ReviewDecision
from crawler.timeutil import Clock
from matchers import Matcher, MatchResult, Thresholds, Verdict
from matchers.evaluation.combiner import (
    FEEDBACK_FEATURES,
    FeedbackCombiner,
    decision_f1,
    evidence_features,
    held_out,
)
from matchers.photos import default_hasher

FLAG_KIND = "match"


@dataclass
class DecidedPair:
    flag_id: int
    confirmed: bool
    reason: str | None
    features: list[float]
    rule_says_match: bool
    may_match: bool
    """An identifier agreed and nothing caps the pair at review: the weights may call it ``match``."""


@dataclass
class FeedbackReport:
    decisions: int = 0
    held_out: int = 0
    rule_f1: float = 0.0
    fitted_f1: float = 0.0
    better: bool = False
    weights_id: int | None = None
    dismissals_by_reason: dict[str, int] = field(default_factory=dict)
    held_out_changes: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def decided_pairs(session: Session, thresholds: Thresholds | None = None) -> list[DecidedPair]:
    """Each decided match flag (its latest decision) with the features of its pair as matched now."""
    latest: dict[int, ReviewDecision] = {}
    for decision in session.scalars(
        select(ReviewDecision)
        .join(Flag, Flag.id == ReviewDecision.flag_id)
        .where(Flag.kind == FLAG_KIND, Flag.entry_id.is_not(None))
        .order_by(ReviewDecision.decided_at, ReviewDecision.id)
    ):
        latest[decision.flag_id] = decision
    if not latest:
        return []
    flags = list(
        session.scalars(
            select(Flag)
            .where(Flag.id.in_(list(latest)))
            .options(
                selectinload(Flag.entry),
                selectinload(Flag.listing).selectinload(Listing.images).selectinload(ListingImage.image),
                selectinload(Flag.listing).selectinload(Listing.platform),
                selectinload(Flag.listing).selectinload(Listing.category),
                selectinload(Flag.listing).selectinload(Listing.seller),
            )
            .order_by(Flag.id)
        )
    )
    entries = {f.entry.id: f.entry for f in flags if f.entry is not None}
    # the entries as nightly matching sees them, photos included, so the features are the same there
    hasher, problems = default_hasher(), []
    refs = [reference_from_entry(e, entry_photo_hashes(e, hasher, problems)) for e in entries.values()]
    matcher = Matcher(refs, thresholds=thresholds)
    out: list[DecidedPair] = []
    for flag in flags:
        if flag.entry is None or flag.listing is None:
            continue
        results = matcher.match(offer_from_listing(flag.listing), keep_none=True)
        result = next((r for r in results if r.ref_id == str(flag.entry.id)), None)
        decision = latest[flag.id]
        out.append(
            DecidedPair(
                flag_id=flag.id,
                confirmed=decision.decision != "dismiss",
                reason=str(decision.reason_code) if decision.reason_code is not None else None,
                features=evidence_features(result.score, result.evidence)
                if result
                else [0.0] * FEEDBACK_FEATURES,
                rule_says_match=bool(result and result.verdict is Verdict.MATCH),
                may_match=bool(result and may_match(result)),
            )
        )
    return out


def fit_feedback(
    sessions, clock: Clock, thresholds: Thresholds | None = None, store: bool = True
) -> FeedbackReport:
    """Fit the weights on the decisions outside the held-out part, score both ways on it, store."""
    report = FeedbackReport()
    with transaction(sessions) as session:
        pairs = decided_pairs(session, thresholds)
        report.decisions = len(pairs)
        report.dismissals_by_reason = dict(
            sorted(Counter(p.reason or "none" for p in pairs if not p.confirmed).items())
        )
        train = [p for p in pairs if not held_out(f"flag:{p.flag_id}")]
        test = [p for p in pairs if held_out(f"flag:{p.flag_id}")]
        report.held_out = len(test)
        if not train or not test:
            report.skipped = "too few decisions to fit and hold some out"
            return report
        fitted = FeedbackCombiner.fit([p.features for p in train], [p.confirmed for p in train])
        truth = [p.confirmed for p in test]
        rule = [p.rule_says_match for p in test]
        learned = [decides_match(fitted.probability(p.features), fitted, p.may_match) for p in test]
        report.rule_f1 = round(decision_f1(truth, rule), 4)
        report.fitted_f1 = round(decision_f1(truth, learned), 4)
        report.better = report.fitted_f1 > report.rule_f1
        report.held_out_changes = {
            "match_to_review_dismissed": sum(
                r and not f and not t for r, f, t in zip(rule, learned, truth, strict=True)
            ),
            "match_to_review_confirmed": sum(
                r and not f and t for r, f, t in zip(rule, learned, truth, strict=True)
            ),
            "review_to_match_confirmed": sum(
                not r and f and t for r, f, t in zip(rule, learned, truth, strict=True)
            ),
            "review_to_match_dismissed": sum(
                not r and f and not t for r, f, t in zip(rule, learned, truth, strict=True)
            ),
        }
        if store:
            row = MatcherWeights(
                fitted_at=clock.now(),
                weights=fitted.to_json(),
                held_out_score=report.fitted_f1,
                baseline_score=report.rule_f1,
                decisions=len(pairs),
                held_out=len(test),
            )
            session.add(row)
            session.flush()
            report.weights_id = row.id
    return report


def active_weights(session: Session) -> tuple[MatcherWeights, FeedbackCombiner] | None:
    """The newest stored weights, when they did better than the rules on their held-out decisions."""
    row = session.scalar(
        select(MatcherWeights).order_by(MatcherWeights.fitted_at.desc(), MatcherWeights.id.desc())
    )
    if row is None or not row.better:
        return None
    combiner = FeedbackCombiner.from_json(row.weights or {})
    return (row, combiner) if combiner is not None else None


def may_match(result: MatchResult) -> bool:
    """Whether weights may call the pair ``match``: as for the rules, an identifier (barcode, model,
    photo) agreed and no finding caps the pair at review."""
    evidence = result.evidence
    return any(e.identifying for e in evidence) and not any(
        getattr(e, "caps_at_review", False) for e in evidence
    )


def decides_match(probability: float, combiner: FeedbackCombiner, allowed: bool) -> bool:
    """The weights' decision: ``match`` when an analyst is expected to confirm and the pair may match."""
    return allowed and probability >= combiner.threshold


def reconsider(result: MatchResult, combiner: FeedbackCombiner) -> tuple[Verdict, str | None]:
    """The verdict with the feedback weights applied, decided as on the held-out decisions: a pair the
    weights expect an analyst to confirm is ``match`` (when it may match at all), one they do not is
    ``review``. They never raise a pair the rules left out, nor drop one."""
    if result.verdict is Verdict.NONE:
        return result.verdict, None
    p = combiner.probability(evidence_features(result.score, result.evidence))
    verdict = Verdict.MATCH if decides_match(p, combiner, may_match(result)) else Verdict.REVIEW
    if verdict is result.verdict:
        return verdict, None
    if verdict is Verdict.MATCH:
        return verdict, f"analysts' decisions: confirmed in {p:.0%} of such pairs, raised to match"
    return verdict, f"analysts' decisions: confirmed in {p:.0%} of such pairs, held for review"


def feedback_rows(report: FeedbackReport) -> list[dict[str, Any]]:
    """Rows of the ``surveil eval --feedback`` table."""
    if report.skipped:
        return [{"data_set": "feedback", "skipped": f"{report.skipped} ({report.decisions} decisions)"}]
    base = f"{report.held_out} of {report.decisions} decisions held out"
    changes = ", ".join(f"{k} {v}" for k, v in report.held_out_changes.items())
    reasons = ", ".join(f"{k} {v}" for k, v in report.dismissals_by_reason.items()) or "none"
    used = "used by nightly matching" if report.better else "not used (no better than the rules)"
    return [
        {
            "data_set": "feedback: matcher rules",
            "precision": None,
            "recall": None,
            "f1": report.rule_f1,
            "notes": base,
        },
        {
            "data_set": "feedback: fitted weights",
            "precision": None,
            "recall": None,
            "f1": report.fitted_f1,
            "notes": f"{base}; {used} (weights #{report.weights_id}); changes: {changes}; dismissals: {reasons}",
        },
    ]
