"""Trusted time: manifests timestamped by a local RFC 3161 authority, tokens checked on verify and export."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import subprocess

import pytest
from sqlalchemy import text

from crawler.evidence.export import export_flag
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.service import EvidenceService
from crawler.evidence.timestamp import TimestampError, check_token, request_timestamp
from crawler.evidence.verify import verify
from crawler.storage.models import EvidenceCapture
from tests.evidence.conftest import add_listing, page_capture
from tests.evidence.tsa import running_tsa


@pytest.fixture
def tsa():
    with running_tsa() as authority:
        yield authority


def test_token_round_trip_and_checks():
    digest = hashlib.sha256(b"manifest").hexdigest()
    with running_tsa() as authority:
        info = request_timestamp(authority.url, digest)
    assert len(authority.requests) == 1
    assert info.tsa_subject.startswith("CN=test timestamp authority")
    assert check_token(info.token, digest).serial_number == info.serial_number
    with pytest.raises(TimestampError, match="not sha256:"):
        check_token(info.token, hashlib.sha256(b"another").hexdigest())
    tampered = bytearray(info.token)
    tampered[-10] ^= 0x01  # inside the signature
    with pytest.raises(TimestampError, match="signature does not verify"):
        check_token(bytes(tampered), digest)


def test_unreachable_authority_is_reported():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TimestampError, match="did not answer"):
        request_timestamp(f"http://127.0.0.1:{port}/tsa", "0" * 64, timeout=2)


def test_captures_are_timestamped_verified_and_exported_with_the_token(
    make_context, db_url, tmp_path, clock, tsa
):
    context = make_context(evidence_tsa_url=tsa.url)
    service = EvidenceService(context)
    listing_id, flag_id = add_listing(context, "1")
    outcome = service.record(service.target_for_listing(listing_id, flag_id=flag_id), page_capture())
    assert outcome.timestamped and not outcome.problems
    layout = EvidenceLayout.from_settings(context.settings)
    entry = json.loads(layout.log.path.read_text().splitlines()[0])
    assert entry["timestamp"]["tsa_url"] == tsa.url
    with context.sessions() as session:
        capture = session.get(EvidenceCapture, outcome.capture_id)
        token = base64.b64decode(capture.timestamp_token)
        assert hashlib.sha256(token).hexdigest() == entry["timestamp"]["token_sha256"]
        report = verify(layout, session)
        assert report.ok and report.timestamps == 1, report.findings
        out = tmp_path / "package"
        export_flag(layout, session, flag_id, out, exported_at=clock.now(), pdf=False)
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True).returncode == 0
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "RFC 3161" in readme and "system's own clock" not in readme
    folder = out / "captures" / str(outcome.capture_id)
    (tmp_path / "tsa-root.pem").write_bytes(tsa.certificate_pem)
    assert (out / "tsa" / "tsa-1.pem").read_bytes().strip() == tsa.certificate_pem.strip()
    openssl = subprocess.run(
        [
            "openssl", "ts", "-verify", "-token_in",
            "-in", str(folder / "manifest.json.tsr"),
            "-data", str(folder / "manifest.json"),
            "-CAfile", str(tmp_path / "tsa-root.pem"),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert openssl.returncode == 0 and "Verification: OK" in openssl.stdout, openssl.stderr


def test_a_replaced_token_is_named_on_verify(make_context, db_url, tmp_path, clock, tsa):
    context = make_context(evidence_tsa_url=tsa.url)
    service = EvidenceService(context)
    listing_id, flag_id = add_listing(context, "1")
    first = service.record(service.target_for_listing(listing_id, flag_id=flag_id), page_capture(shade=1))
    second = service.record(service.target_for_listing(listing_id, flag_id=flag_id), page_capture(shade=2))
    with context.engine.begin() as conn:
        other = conn.execute(
            text("SELECT timestamp_token FROM evidence_capture WHERE id = :i"), {"i": second.capture_id}
        ).scalar_one()
        conn.execute(
            text("UPDATE evidence_capture SET timestamp_token = :t WHERE id = :i"),
            {"t": other, "i": first.capture_id},
        )
    with context.sessions() as session:
        report = verify(EvidenceLayout.from_settings(context.settings), session)
    problems = {f.problem for f in report.findings if f.subject == f"capture {first.capture_id} timestamp"}
    assert "token in the database differs from the logged token" in problems
    assert any(p.startswith("token timestamps sha256:") for p in problems)


def test_capture_without_a_reachable_authority_is_still_logged(make_context, db_url, tmp_path, clock):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    context = make_context(evidence_tsa_url=f"http://127.0.0.1:{port}/tsa", evidence_tsa_timeout=2)
    service = EvidenceService(context)
    listing_id, _ = add_listing(context, "1")
    outcome = service.record(service.target_for_listing(listing_id), page_capture())
    assert not outcome.timestamped and outcome.log_seq == 1
    assert outcome.problems and outcome.problems[0].startswith("timestamp: timestamp authority")
    entry = json.loads(EvidenceLayout.from_settings(context.settings).log.path.read_text().splitlines()[0])
    assert entry["timestamp"] is None and "did not answer" in entry["timestamp_error"]
