"""Integrity: content addressing, the hash chain, and verification that names exactly what changed."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.service import EvidenceService
from crawler.evidence.verify import verify
from crawler.storage.models import EvidenceCapture
from tests.evidence.conftest import add_listing, page_capture, png


@pytest.fixture
def captured(evidence_context):
    """Three captures of two listings (the first one twice), through the real storage path (no browser)."""
    service = EvidenceService(evidence_context)
    photo = png((10, 120, 10))
    first, first_flag = add_listing(evidence_context, "1")
    second, second_flag = add_listing(evidence_context, "2")
    ids = []
    for listing_id, flag_id, shade in ((first, first_flag, 0), (second, second_flag, 5), (first, None, 9)):
        target = service.target_for_listing(listing_id, flag_id=flag_id)
        ids.append(service.record(target, page_capture(shade=shade, photos=(photo,))).capture_id)
        evidence_context.clock.advance(timedelta(hours=1))
    return evidence_context, ids


def _verify(context, capture_ids=None):
    with context.sessions() as session:
        return verify(EvidenceLayout.from_settings(context.settings), session, capture_ids)


def _subjects(report) -> list[str]:
    return [f"{f.subject}: {f.problem}" for f in report.findings]


def _writable(path):
    path.chmod(0o644)
    return path


def test_untouched_evidence_verifies_and_identical_artefacts_are_stored_once(captured):
    context, ids = captured
    report = _verify(context)
    assert report.ok, _subjects(report)
    assert (report.captures, report.log_entries) == (3, 3)
    layout = EvidenceLayout.from_settings(context.settings)
    with context.sessions() as session:
        captures = [session.get(EvidenceCapture, i) for i in ids]
        photo_hashes = {a.sha256 for c in captures for a in c.artefacts if a.kind == "photo"}
        assert len(photo_hashes) == 1  # the same photo three times, one object
        assert [c.log_sequence for c in captures] == [1, 2, 3]
    lines = layout.log.path.read_bytes().splitlines()
    assert json.loads(lines[1])["prev"] == hashlib.sha256(lines[0]).hexdigest()
    assert json.loads(lines[0])["prev"] == "0" * 64


def test_a_flipped_byte_in_an_artefact_is_named(captured):
    context, ids = captured
    layout = EvidenceLayout.from_settings(context.settings)
    with context.sessions() as session:
        shot = next(a for a in session.get(EvidenceCapture, ids[1]).artefacts if a.name == "screenshot.png")
    path = _writable(layout.store.path_for(shot.sha256))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = _verify(context)
    assert len(report.findings) == 1, _subjects(report)
    finding = report.findings[0]
    assert (
        finding.subject
        == f"capture {ids[1]} artefact screenshot.png (object {shot.sha256[:2]}/{shot.sha256[2:4]}/{shot.sha256})"
    )
    assert finding.problem.startswith("content changed")
    assert _verify(context, [ids[0]]).ok  # the other captures are untouched


def test_an_edited_manifest_is_named(captured):
    context, ids = captured
    layout = EvidenceLayout.from_settings(context.settings)
    with context.sessions() as session:
        manifest_sha = session.get(EvidenceCapture, ids[0]).manifest_sha256
    path = _writable(layout.store.path_for(manifest_sha))
    manifest = json.loads(path.read_bytes())
    manifest["final_url"] = "https://item.m.jd.com/product/other.html"
    path.write_bytes(json.dumps(manifest).encode())
    report = _verify(context, [ids[0]])
    assert [f.subject for f in report.findings] == [
        f"capture {ids[0]} manifest.json (object {manifest_sha[:2]}/{manifest_sha[2:4]}/{manifest_sha})"
    ]
    assert "content changed" in report.findings[0].problem


def test_a_manifest_hash_changed_in_the_database_is_named(captured):
    context, ids = captured
    with context.engine.begin() as conn:
        conn.execute(
            text("UPDATE evidence_capture SET manifest_sha256 = :h WHERE id = :i"),
            {"h": "f" * 64, "i": ids[2]},
        )
    report = _verify(context)
    assert f"capture {ids[2]} manifest" in [f.subject for f in report.findings]
    assert "log entry 3 names" in report.findings[0].problem


def test_a_deleted_log_entry_is_named(captured):
    context, _ = captured
    log_path = EvidenceLayout.from_settings(context.settings).log.path
    lines = log_path.read_bytes().splitlines(keepends=True)
    log_path.write_bytes(lines[0] + lines[2])
    report = _verify(context)
    assert "log entry 2: missing: removed from the log (line 2 holds entry 3)" in _subjects(report)
    assert any(
        f.subject.startswith("capture ") and "log entry 2 is missing" in f.problem for f in report.findings
    )


def test_reordered_log_entries_are_named(captured):
    context, _ = captured
    log_path = EvidenceLayout.from_settings(context.settings).log.path
    lines = log_path.read_bytes().splitlines(keepends=True)
    log_path.write_bytes(lines[0] + lines[2] + lines[1])
    report = _verify(context)
    assert "log entry 2 (line 3): out of order: comes after entry 3 (line 2)" in _subjects(report)
    assert not any("changed" in f.problem for f in report.findings)  # every line is intact, only moved


def test_an_edited_log_entry_is_named_even_the_last_one(captured):
    context, ids = captured
    log_path = EvidenceLayout.from_settings(context.settings).log.path
    lines = log_path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"status":"complete"', b'"status":"partial"')
    log_path.write_bytes(b"".join(lines))
    report = _verify(context)
    subjects = [f.subject for f in report.findings]
    assert subjects.count("log entry 2 (line 2)") == 2  # the next link and the database copy disagree
    assert all(s == "log entry 2 (line 2)" for s in subjects), _subjects(report)

    lines = log_path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"status":"partial"', b'"status":"complete"')
    lines[2] = lines[2].replace(f'"capture_id":{ids[2]}'.encode(), f'"capture_id":{ids[0]}'.encode())
    log_path.write_bytes(b"".join(lines))
    report = _verify(context)
    assert (
        "log entry 3 (line 3): differs from the database copy of the same entry (the log file was "
        "edited; the database copy still has its recorded hash)"
    ) in _subjects(report)


def test_a_removed_last_entry_is_caught_by_the_database_copy_and_blocks_appending(captured):
    context, ids = captured
    layout = EvidenceLayout.from_settings(context.settings)
    lines = layout.log.path.read_bytes().splitlines(keepends=True)
    layout.log.path.write_bytes(b"".join(lines[:2]))
    report = _verify(context)
    assert "log entry 3: missing from the log file (the database has it)" in _subjects(report)
    service = EvidenceService(context)
    with context.sessions() as session:
        target = service.target_for_listing(session.get(EvidenceCapture, ids[0]).listing_id)
    outcome = service.record(target, page_capture(shade=20))
    assert outcome.status == "unlogged" and outcome.log_seq is None
    assert "ends at entry 2 but its database copy ends at entry 3" in outcome.problems[-1]
    assert len(layout.log.path.read_bytes().splitlines()) == 2  # nothing appended to a broken log


def test_the_database_copy_of_the_log_is_append_only(captured):
    context, _ = captured
    with pytest.raises(Exception, match="append-only"), context.engine.begin() as conn:
        conn.execute(text("DELETE FROM evidence_log WHERE seq = 2"))


def test_concurrent_captures_keep_one_unbroken_chain(evidence_context):
    import threading

    context = evidence_context
    service = EvidenceService(context)
    listing_id, flag_id = add_listing(context, "1")
    target = service.target_for_listing(listing_id, flag_id=flag_id)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for n in range(3):
                service.record(target, page_capture(shade=worker * 10 + n))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = _verify(context)
    assert report.ok, _subjects(report)
    layout = EvidenceLayout.from_settings(context.settings)
    assert [json.loads(line)["seq"] for line in layout.log.path.read_bytes().splitlines()] == list(
        range(1, 13)
    )
