"""Space: identical artefacts stored once, stats, and retention that logs its removals in the chain."""

from __future__ import annotations

import json
from datetime import timedelta

from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.retention import prune, stats
from crawler.evidence.service import EvidenceService
from crawler.evidence.verify import verify
from crawler.storage.models import EvidenceCapture
from tests.evidence.conftest import add_listing, page_capture, png


def test_prune_removes_only_expired_unflagged_captures_and_logs_it(evidence_context):
    context = evidence_context
    clock = context.clock
    layout = EvidenceLayout.from_settings(context.settings)
    service = EvidenceService(context)
    shared = png((9, 9, 9))
    only_old = png((200, 0, 0))
    flagged_id, flag_id = add_listing(context, "1")
    plain_id, _ = add_listing(context, "2", flagged=False)
    old_plain = service.record(
        service.target_for_listing(plain_id), page_capture(shade=1, photos=(shared, only_old))
    )
    old_flagged = service.record(
        service.target_for_listing(flagged_id, flag_id=flag_id), page_capture(shade=2, photos=(shared,))
    )
    clock.advance(timedelta(days=80))
    recent_plain = service.record(service.target_for_listing(plain_id), page_capture(shade=3))

    with context.sessions() as session:
        before = stats(layout, session, clock.now(), 30)
        old_objects = {a.name: a.sha256 for a in session.get(EvidenceCapture, old_plain.capture_id).artefacts}
    assert before["captures"] == 3 and before["expired_unflagged_captures"] == 1
    assert before["stored_bytes"] < before["logical_bytes"] + 10_000  # the shared photo is stored once

    result = prune(layout, context.sessions, clock.now(), 30)
    assert result.captures == [old_plain.capture_id] and result.log_seq == 4
    store = layout.store
    assert not store.exists(old_objects["photos/02.png"])  # used only by the pruned capture
    assert store.exists(old_objects["photos/01.png"])  # still used by the flagged capture
    with context.sessions() as session:
        assert session.get(EvidenceCapture, old_plain.capture_id) is None
        assert session.get(EvidenceCapture, old_flagged.capture_id) is not None
        assert session.get(EvidenceCapture, recent_plain.capture_id) is not None
        report = verify(layout, session)
        after = stats(layout, session, clock.now(), 30)
    assert report.ok, [str(f) for f in report.findings]
    entry = json.loads(layout.log.path.read_text().splitlines()[-1])
    assert entry["kind"] == "prune" and entry["captures"][0]["capture_id"] == old_plain.capture_id
    assert old_objects["photos/02.png"] in entry["objects_removed"]
    assert after["captures"] == 2 and after["prune_entries"] == 1 and after["expired_unflagged_captures"] == 0
    assert prune(layout, context.sessions, clock.now(), 30).captures == []
    assert prune(layout, context.sessions, clock.now(), 0).cutoff is None


def test_stats_count_logical_and_stored_bytes(evidence_context):
    context = evidence_context
    layout = EvidenceLayout.from_settings(context.settings)
    service = EvidenceService(context)
    listing_id, flag_id = add_listing(context, "1")
    for _ in range(3):  # the same page three times: every artefact is identical
        service.record(service.target_for_listing(listing_id, flag_id=flag_id), page_capture())
    with context.sessions() as session:
        data = stats(layout, session, context.clock.now(), 90)
        artefacts = session.get(EvidenceCapture, 1).artefacts
        every = [a.size for c in (1, 2, 3) for a in session.get(EvidenceCapture, c).artefacts]
    same = sum(a.size for a in artefacts if a.kind in ("screenshot", "html"))
    # Screenshot and HTML are stored once; each WARC differs (record ids, dates) and is kept.
    assert data["captures"] == 3 and data["artefacts"] == 9 and data["distinct_artefacts"] == 5
    assert data["logical_bytes"] == sum(every)
    assert data["saved_by_dedup_bytes"] > 2 * same - 3 * 4096
    assert data["objects"] == 5 + 3  # five distinct artefacts and three manifests
