"""verify without blind spots: database edits behind a dropped trigger, missing triggers, the side that
changed, and anchors of the log head kept outside the system (rollback, rewrite, timestamped heads)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from crawler.cli import app
from crawler.evidence.anchors import append_anchor, make_anchor, parse_line, read_anchors
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.log import APPEND_ONLY_TRIGGERS
from crawler.evidence.service import EvidenceService
from crawler.evidence.verify import verify
from crawler.storage.models import EvidenceLogEntry
from scheduler.digest import build_digest
from tests.evidence.conftest import add_listing, page_capture
from tests.evidence.tsa import running_tsa


@pytest.fixture
def logged(evidence_context):
    """Three captures, three log entries (no browser)."""
    service = EvidenceService(evidence_context)
    listing_id, flag_id = add_listing(evidence_context, "1")
    target = service.target_for_listing(listing_id, flag_id=flag_id)
    for shade in (0, 4, 8):
        service.record(target, page_capture(shade=shade))
        evidence_context.clock.advance(timedelta(minutes=10))
    return evidence_context


def _layout(context) -> EvidenceLayout:
    return EvidenceLayout.from_settings(context.settings)


def _verify(context, anchors=None) -> list[str]:
    with context.sessions() as session:
        report = verify(_layout(context), session, anchors=anchors)
    return [f"{f.subject}: {f.problem}" for f in report.findings]


RESTORE_POSTGRES = (
    "CREATE TRIGGER evidence_log_no_change BEFORE UPDATE OR DELETE ON evidence_log "
    "FOR EACH ROW EXECUTE FUNCTION evidence_log_append_only()"
)


@pytest.fixture
def drop_triggers(logged):
    """Drop the append-only triggers; the PostgreSQL database is shared by the session, so they are put back."""

    def drop(context=logged) -> None:
        with context.sessions() as session:
            dialect = session.get_bind().dialect.name
            for name in APPEND_ONLY_TRIGGERS[dialect]:
                session.execute(
                    text(
                        f"DROP TRIGGER IF EXISTS {name}" + ("" if dialect == "sqlite" else " ON evidence_log")
                    )
                )
            session.commit()

    yield drop
    with logged.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("DROP TRIGGER IF EXISTS evidence_log_no_change ON evidence_log"))
            session.execute(text(RESTORE_POSTGRES))
            session.commit()


def test_untouched_log_has_its_triggers_and_verifies(logged):
    assert _verify(logged) == []


def test_a_dropped_trigger_is_reported(logged, drop_triggers):
    drop_triggers()
    found = _verify(logged)
    assert found and all("trigger" in f and "missing" in f for f in found), found


def test_an_edited_database_line_is_caught_and_the_database_is_named(logged, drop_triggers):
    drop_triggers()
    with logged.sessions() as session:
        row = session.get(EvidenceLogEntry, 2)
        row.line = row.line.replace('"status":"complete"', '"status":"partial"')
        session.commit()
    found = [f for f in _verify(logged) if "trigger" not in f]
    assert found == [
        "log entry 2 (line 2): differs from the database copy of the same entry (the database copy was "
        "edited; the file line still has its recorded hash)"
    ], found


def test_an_edited_database_line_with_its_hash_recomputed_is_still_the_database(logged, drop_triggers):
    """Even when entry_sha256 is recomputed to match, the next entry's prev still names the old line."""
    import hashlib

    drop_triggers()
    with logged.sessions() as session:
        row = session.get(EvidenceLogEntry, 1)
        row.line = row.line.replace('"status":"complete"', '"status":"partial"')
        row.entry_sha256 = hashlib.sha256(row.line.encode()).hexdigest()
        session.commit()
    found = [f for f in _verify(logged) if "trigger" not in f]
    assert len(found) == 1 and "the database copy was edited" in found[0], found


def test_an_edited_file_line_names_the_file(logged):
    path = _layout(logged).log.path
    lines = path.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b'"status":"complete"', b'"status":"partial"')
    path.write_bytes(b"".join(lines))
    found = _verify(logged)
    assert any("the log file was edited" in f for f in found), found
    assert not any("database copy was edited" in f for f in found)


def test_anchor_catches_a_rollback_of_file_and_database_together(logged, drop_triggers):
    layout = _layout(logged)
    with logged.sessions() as session:
        anchor = make_anchor(layout.log, session, datetime(2026, 12, 1, 8, tzinfo=UTC))
    assert (anchor.seq, anchor.token) == (3, None)
    append_anchor(layout.anchors_path, anchor)
    assert parse_line(anchor.line()).head_sha256 == anchor.head_sha256
    assert _verify(logged) == []
    # Someone with both copies in hand removes the newest entry from each: they agree again.
    drop_triggers()
    with logged.sessions() as session:
        session.execute(text("DELETE FROM evidence_log WHERE seq = 3"))
        session.execute(text("UPDATE evidence_capture SET log_sequence = NULL WHERE log_sequence = 3"))
        session.commit()
    path = layout.log.path
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:2]))
    found = [f for f in _verify(logged) if "trigger" not in f and not f.startswith("capture")]
    assert any("the log file ends at entry 2: rolled back below an anchored head" in f for f in found), found
    assert any("the database copy ends at entry 2: rolled back" in f for f in found), found


def test_anchor_catches_a_consistent_rewrite_and_an_external_line_is_enough(logged, drop_triggers):
    layout = _layout(logged)
    with logged.sessions() as session:
        line = make_anchor(layout.log, session, datetime(2026, 12, 1, 8, tzinfo=UTC)).line()
    # The anchor is kept only as a line in a notebook; the whole log is rewritten consistently.
    import hashlib

    path = layout.log.path
    raw = path.read_bytes().splitlines()
    raw[2] = raw[2].replace(b'"status":"complete"', b'"status":"partial"')
    path.write_bytes(b"\n".join(raw) + b"\n")
    drop_triggers()
    with logged.sessions() as session:
        row = session.get(EvidenceLogEntry, 3)
        row.line = raw[2].decode()
        row.entry_sha256 = hashlib.sha256(raw[2]).hexdigest()
        session.commit()
    assert [f for f in _verify(logged) if "trigger" not in f] == []  # no anchor: a blind spot
    found = _verify(logged, anchors=[parse_line(line)])
    assert any("log file entry 3 now hashes to" in f and "rewritten" in f for f in found), found
    assert any("database entry 3 records" in f for f in found), found


def test_anchor_with_a_timestamp_authority_and_the_cli(logged):
    with running_tsa() as tsa:
        settings_env = {
            "SURVEIL_DATA_DIR": str(logged.settings.data_dir),
            "SURVEIL_DATABASE_URL": logged.settings.resolved_database_url,
            "SURVEIL_EVIDENCE_TSA_URL": tsa.url,
        }
        result = CliRunner().invoke(
            app, ["evidence", "anchor", "--json"], env=settings_env, catch_exceptions=False
        )
    assert result.exit_code == 0, result.stdout
    record = json.loads(result.stdout)
    assert record["seq"] == 3 and record["token"]
    (anchor,) = read_anchors(_layout(logged).anchors_path)
    assert anchor.token is not None
    plain = CliRunner().invoke(
        app,
        ["evidence", "anchor", "--no-tsa"],
        env={k: v for k, v in settings_env.items() if k != "SURVEIL_EVIDENCE_TSA_URL"},
        catch_exceptions=False,
    )
    assert "keep this line outside the system" in plain.stdout
    assert f"surveil-evidence-anchor seq=3 head={anchor.head_sha256}" in plain.stdout
    ok = CliRunner().invoke(app, ["evidence", "verify", "--all"], env=settings_env, catch_exceptions=False)
    assert ok.exit_code == 0 and "2 anchor(s)" in " ".join(ok.stdout.split()), ok.stdout
    wrong = f"surveil-evidence-anchor seq=3 head={'ab' * 32}"
    bad = CliRunner().invoke(
        app, ["evidence", "verify", "--all", "--anchor-line", wrong], env=settings_env, catch_exceptions=False
    )
    assert bad.exit_code == 1 and "rewritten" in bad.stdout


def test_the_morning_digest_carries_the_log_head(logged):
    with logged.sessions() as session:
        head = session.get(EvidenceLogEntry, 3)
        digest = build_digest(session, logged.clock.now(), min_risk=0.5)
    assert digest.evidence_log_head["seq"] == 3
    assert f"seq=3 head={head.entry_sha256}" in digest.to_text()
    assert head.entry_sha256 in digest.for_role("officer").to_html()
