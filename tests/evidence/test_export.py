"""Export packages check out with standard tools: sha256sum -c, a WARC reader, the log chain by hand."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.evidence.export import ExportError, export_flag
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.service import EvidenceService
from tests.evidence.conftest import add_listing, page_capture, png


@pytest.fixture
def flagged(evidence_context):
    service = EvidenceService(evidence_context)
    other, _ = add_listing(evidence_context, "9", flagged=False)
    service.record(service.target_for_listing(other), page_capture(shade=1))
    listing_id, flag_id = add_listing(evidence_context, "1")
    photo = png((1, 2, 3))
    for shade in (2, 3):
        target = service.target_for_listing(listing_id, flag_id=flag_id)
        service.record(target, page_capture(shade=shade, photos=(photo,)))
    return evidence_context, flag_id


def _export(context, flag_id, out: Path):
    with context.sessions() as session:
        return export_flag(
            EvidenceLayout.from_settings(context.settings),
            session,
            flag_id,
            out,
            exported_at=context.clock.now(),
            pdf=False,
        )


def test_package_checks_with_sha256sum_and_reads_with_warcio(flagged, tmp_path):
    context, flag_id = flagged
    out = tmp_path / "package"
    result = _export(context, flag_id, out)
    assert result.captures == [2, 3] and result.log_entries == 2

    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = [line.split("  ", 1)[1] for line in (out / "SHA256SUMS").read_text().splitlines()]
    on_disk = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "SHA256SUMS"
    )
    assert sorted(listed) == on_disk
    assert check.stdout.count(": OK") == len(listed)

    for capture_id in (2, 3):
        folder = out / "captures" / str(capture_id)
        manifest = json.loads((folder / "manifest.json").read_bytes())
        for artefact in manifest["artefacts"]:
            digest = subprocess.run(
                ["sha256sum", artefact["name"]], cwd=folder, capture_output=True, text=True
            )
            assert digest.stdout.split()[0] == artefact["sha256"]
        with (folder / "exchanges.warc.gz").open("rb") as fh:
            kinds, bodies = [], {}
            for record in ArchiveIterator(fh):
                kinds.append(record.rec_type)
                if record.rec_type == "response":
                    bodies[record.rec_headers.get_header("WARC-Target-URI")] = record.content_stream().read()
        assert kinds == ["warcinfo", "response", "request", "response", "request"]
        warcio = Path(sys.executable).with_name("warcio")
        checked = subprocess.run(
            [str(warcio), "check", str(folder / "exchanges.warc.gz")], capture_output=True
        )
        assert checked.returncode == 0, checked.stdout
        assert "儿童安全座椅".encode() in bodies["https://item.m.jd.com/product/1.html"]

    # The log chain, checked with sed, tr and sha256sum as the README says.
    log = out / "log" / "evidence-log.jsonl"
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [e["seq"] for e in entries] == [2, 3]
    line_hash = subprocess.run(
        ["bash", "-c", f"sed -n '1p' {log} | tr -d '\\n' | sha256sum"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[0]
    assert entries[1]["prev"] == line_hash
    manifest_hash = subprocess.run(
        ["sha256sum", "captures/3/manifest.json"], cwd=out, capture_output=True, text=True
    ).stdout.split()[0]
    assert entries[1]["manifest_sha256"] == manifest_hash

    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "sha256sum -c SHA256SUMS" in readme and "核验步骤" in readme and "How to check it" in readme
    assert "capturing system's own clock" in readme and "未经第三方可信时间戳机构认证" in readme
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert 'src="captures/3/screenshot.png"' in summary and "儿童安全座椅" in summary
    assert "capturing system's own clock" in summary


def test_tampering_after_export_fails_sha256sum(flagged, tmp_path):
    context, flag_id = flagged
    out = tmp_path / "package"
    _export(context, flag_id, out)
    shot = out / "captures" / "2" / "screenshot.png"
    data = bytearray(shot.read_bytes())
    data[100] ^= 0xFF
    shot.write_bytes(bytes(data))
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode != 0
    assert "captures/2/screenshot.png: FAILED" in check.stdout


def test_zip_package_unpacks_and_checks(flagged, tmp_path):
    context, flag_id = flagged
    archive = tmp_path / "case-17.zip"
    _export(context, flag_id, archive)
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert "case-17/SHA256SUMS" in names and "case-17/captures/3/photos/01.png" in names
        zf.extractall(tmp_path / "unpacked")
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"],
        cwd=tmp_path / "unpacked" / "case-17",
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout


def test_export_refuses_tampered_evidence_and_unknown_flags(flagged, tmp_path):
    context, flag_id = flagged
    layout = EvidenceLayout.from_settings(context.settings)
    with pytest.raises(ExportError, match="no flag 999"):
        _export(context, 999, tmp_path / "x")
    lines = layout.log.path.read_bytes().splitlines(keepends=True)
    layout.log.path.write_bytes(lines[0] + lines[2])
    with pytest.raises(ExportError, match="log entry 2: missing"):
        _export(context, flag_id, tmp_path / "y")


def test_scraped_text_is_escaped_in_the_summary(evidence_context, tmp_path):
    from crawler.storage.engine import transaction
    from crawler.storage.models import Listing

    service = EvidenceService(evidence_context)
    listing_id, flag_id = add_listing(evidence_context, "5")
    service.record(service.target_for_listing(listing_id, flag_id=flag_id), page_capture())
    with transaction(evidence_context.sessions) as session:  # retitled after the capture
        session.get(Listing, listing_id).title = '<script>alert("x")</script>童车'
    out = tmp_path / "p"
    _export(evidence_context, flag_id, out)
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "<script>" not in summary and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;童车" in summary


def _resum(root: Path) -> None:
    from crawler.evidence.export import _write_sums

    _write_sums(root)


def test_package_check_catches_a_rebuilt_package(flagged, tmp_path):
    from crawler.evidence.hashing import sha256_bytes
    from crawler.evidence.package_check import check_package

    context, flag_id = flagged
    out = tmp_path / "package"
    _export(context, flag_id, out)
    with context.sessions() as session:
        assert check_package(out, session) == []

    # A photo swapped and SHA256SUMS rebuilt: the manifest still names the old photo.
    photo = out / "captures" / "3" / "photos" / "01.png"
    photo.write_bytes(png((255, 255, 0)))
    _resum(out)
    findings = [str(f) for f in check_package(out)]
    assert findings == ["captures/3/photos/01.png: content changed: not the manifest's SHA-256"]

    # The manifest rewritten to match: now its hash is not the one the log line recorded.
    manifest_path = out / "captures" / "3" / "manifest.json"
    manifest = json.loads(manifest_path.read_bytes())
    manifest["artefacts"] = [
        {**a, "sha256": sha256_bytes(photo.read_bytes())} if a["name"] == "photos/01.png" else a
        for a in manifest["artefacts"]
    ]
    manifest_path.write_text(json.dumps(manifest))
    _resum(out)
    assert [str(f) for f in check_package(out)] == [
        "captures/3/manifest.json: its SHA-256 is not the one log entry 3 recorded"
    ]

    # The log line and the head rewritten too: the package is consistent, the system's log is not.
    log = out / "log" / "evidence-log.jsonl"
    lines = log.read_bytes().splitlines()
    entry = json.loads(lines[1])
    entry["manifest_sha256"] = sha256_bytes(manifest_path.read_bytes())
    lines[1] = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    log.write_bytes(b"\n".join(lines) + b"\n")
    index = json.loads((out / "package.json").read_text())
    index["log"]["head_sha256"] = sha256_bytes(lines[1])
    (out / "package.json").write_text(json.dumps(index))
    _resum(out)
    assert check_package(out) == []  # by itself the forgery holds together ...
    with context.sessions() as session:
        findings = [str(f) for f in check_package(out, session)]
    assert findings == [
        "log/evidence-log.jsonl line 2: entry 3 is not the entry the system's log holds"
    ]  # ... but not against the system


def test_verify_package_command(flagged, tmp_path):
    from typer.testing import CliRunner

    from crawler.cli import app

    context, flag_id = flagged
    out = tmp_path / "package"
    _export(context, flag_id, out)
    env = {
        "SURVEIL_DATA_DIR": str(context.settings.data_dir),
        "SURVEIL_DATABASE_URL": context.settings.resolved_database_url,
    }
    runner = CliRunner()
    ok = runner.invoke(app, ["evidence", "verify", "--package", str(out)], env=env)
    assert ok.exit_code == 0 and "all evidence verifies" in ok.stdout
    (out / "README.md").write_text("edited")
    bad = runner.invoke(app, ["evidence", "verify", "--package", str(out), "--json"], env=env)
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["findings"] == [
        {"subject": "README.md", "problem": "content changed: does not match SHA256SUMS"}
    ]
