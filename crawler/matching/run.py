"""``surveil match``: stored listings against the active reference lists, incrementally.

A run takes (a) listings new or changed since the last run against every active entry and (b) every
live listing against the entries of list versions that became active since the last run. The first
run, or a run after the matcher changed, takes everything. Matches and their flags are upserted; the
run records the listing watermark and the versions it saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.matching.convert import entry_photo_hashes, offer_from_listing, reference_from_entry
from crawler.matching.feedback import active_weights, reconsider
from crawler.matching.risk import risk_score
from crawler.storage.engine import transaction
from crawler.storage.models import Decision, Listing, ReferenceEntry
from crawler.storage.repositories.matching import MatchRepository
from crawler.timeutil import Clock
from matchers import VERSION, Matcher, Thresholds, Verdict
from matchers.evaluation.combiner import FeedbackCombiner
from matchers.photos import default_hasher


@dataclass
class MatchSummary:
    mode: str = "incremental"
    listings_changed: int = 0
    listings_rechecked_for_new_versions: int = 0
    entries: int = 0
    new_versions: list[int] = field(default_factory=list)
    matches_created: int = 0
    matches_updated: int = 0
    flags_created: int = 0
    flags_updated: int = 0
    feedback_weights: int | None = None
    """The stored feedback-fitted weights this run used (only weights that beat the rules on their
    held-out decisions are used), or None."""
    held_for_review_by_feedback: int = 0
    raised_to_match_by_feedback: int = 0
    flags_reopened: int = 0
    """Dismissed flags raised again because the listing's title, model or photos changed."""
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _matcher(entries: list[ReferenceEntry], thresholds: Thresholds | None, problems: list[str]) -> Matcher:
    hasher = default_hasher()
    refs = [reference_from_entry(e, entry_photo_hashes(e, hasher, problems)) for e in entries]
    return Matcher(refs, thresholds=thresholds)


def _apply(
    repo: MatchRepository,
    matcher: Matcher,
    listings: list[Listing],
    entries: dict[int, ReferenceEntry],
    summary: MatchSummary,
    feedback: FeedbackCombiner | None = None,
) -> None:
    for listing in listings:
        for result in matcher.match(offer_from_listing(listing)):
            entry = entries[int(result.ref_id)]
            verdict, note = reconsider(result, feedback) if feedback is not None else (result.verdict, None)
            if note and verdict is Verdict.MATCH:
                summary.raised_to_match_by_feedback += 1
            elif note:
                summary.held_for_review_by_feedback += 1
            reasons = result.reasons + ([note] if note else [])
            decision = Decision.MATCH if verdict is Verdict.MATCH else Decision.REVIEW
            match, created = repo.upsert_match(
                listing.id, entry.id, round(result.score, 4), decision, reasons, VERSION
            )
            summary.matches_created += created
            summary.matches_updated += not created
            risk = risk_score(
                result.score,
                entry.hazard,
                listing.category.priority if listing.category is not None else None,
                listing.sales_count,
                str(entry.list_type),
            )
            _flag, flag_created = repo.upsert_flag(match, entry, risk, reasons)
            summary.flags_created += flag_created
            summary.flags_updated += not flag_created


def run_matching(
    sessions, clock: Clock, thresholds: Thresholds | None = None, full: bool = False
) -> MatchSummary:
    """One matching pass, committed whole or not at all."""
    summary = MatchSummary()
    with transaction(sessions) as session:
        repo = MatchRepository(session, clock)
        previous = repo.last_run()
        active = repo.active_version_ids()
        if full or previous is None or previous.matcher_version != VERSION:
            summary.mode = "full"
        run = repo.start_run(VERSION, summary.mode)
        weights = active_weights(session)
        feedback = weights[1] if weights else None
        summary.feedback_weights = weights[0].id if weights else None
        until = repo.latest_change()
        entries = repo.entries_of_versions(active)
        summary.entries = len(entries)
        by_id = {e.id: e for e in entries}
        if summary.mode == "full":
            ids = repo.listing_ids()
            summary.listings_changed = len(ids)
            summary.new_versions = active
            if entries and ids:
                listings = list(repo.listings(ids))
                matcher = _matcher(entries, thresholds, summary.problems)
                matcher.learn_brands(offer_from_listing(x) for x in listings)
                _apply(repo, matcher, listings, by_id, summary, feedback)
        else:
            new_versions = sorted(set(active) - set(previous.version_ids or []))
            summary.new_versions = new_versions
            changed = repo.listing_ids(previous.listings_changed_until)
            summary.listings_changed = len(changed)
            if entries and changed:
                listings = list(repo.listings(changed))
                _apply(
                    repo, _matcher(entries, thresholds, summary.problems), listings, by_id, summary, feedback
                )
            fresh = [e for e in entries if e.version_id in set(new_versions)]
            if fresh:
                others = [i for i in repo.listing_ids() if i not in set(changed)]
                summary.listings_rechecked_for_new_versions = len(others)
                if others:
                    listings = list(repo.listings(others))
                    _apply(
                        repo,
                        _matcher(fresh, thresholds, summary.problems),
                        listings,
                        by_id,
                        summary,
                        feedback,
                    )
        summary.flags_reopened = repo.reopened
        repo.finish_run(run, until, active, summary.to_json())
    return summary
