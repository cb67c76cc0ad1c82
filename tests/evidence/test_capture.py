"""Capturing a listing in the real mobile browser, through a proxy, into the evidence store."""

from __future__ import annotations

import io
import json
import re
import subprocess

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from crawler import __version__
from crawler.browser.devices import device_profile
from crawler.evidence.hashing import sha256_bytes
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.service import EvidenceService, capture_for_flags
from crawler.evidence.verify import verify
from crawler.storage.models import EvidenceCapture
from tests.evidence.conftest import add_listing
from tests.resources import require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    require_chromium()


def test_flag_capture_through_the_sandbox_proxy_stores_every_artefact(
    make_context, db_url, tmp_path, clock, site
):
    context = make_context(sandbox_url=site.url)
    listing_id, flag_id = add_listing(context, "1")
    outcomes = capture_for_flags(context, [flag_id], run_id=None)
    assert len(outcomes) == 1
    outcome = outcomes[0]
    assert outcome.status == "complete", outcome.problems
    assert capture_for_flags(context, [flag_id]) == []  # captured within the last hours: not again
    assert outcome.log_seq == 1 and not outcome.timestamped

    layout = EvidenceLayout.from_settings(context.settings)
    store = layout.store
    with context.sessions() as session:
        capture = session.get(EvidenceCapture, outcome.capture_id)
        artefacts = {a.name: a for a in capture.artefacts}
        assert capture.flag_id == flag_id and capture.listing_id == listing_id
        assert capture.final_url == "https://item.m.jd.com/product/1.html"
        assert capture.software_version == __version__
        manifest = json.loads(store.get(capture.manifest_sha256))
        report = verify(layout, session)
    assert report.ok, report.findings
    assert set(artefacts) == {
        "screenshot.png",
        "page.html",
        "exchanges.warc.gz",
        "photos/01.png",
        "photos/02.png",
    }
    for artefact in artefacts.values():
        assert sha256_bytes(store.get(artefact.sha256)) == artefact.sha256
        assert (
            store.path_for(artefact.sha256).parent.parent.parent == tmp_path / "data" / "evidence" / "objects"
        )

    profile = device_profile(context.settings.browser_device)
    with Image.open(io.BytesIO(store.get(artefacts["screenshot.png"].sha256))) as shot:
        assert shot.width == round(profile.viewport["width"] * profile.device_scale_factor)
    html = store.get(artefacts["page.html"].sha256).decode("utf-8")
    assert "型号 KS-2024A（脚本已运行）" in html  # rendered, after the script ran
    assert store.get(artefacts["photos/02.png"].sha256) == site.photos["/n1/jfs/seat-2.png"]

    records, responses, requests = [], {}, []
    for record in ArchiveIterator(io.BytesIO(store.get(artefacts["exchanges.warc.gz"].sha256))):
        records.append(record.rec_type)
        uri = record.rec_headers.get_header("WARC-Target-URI")
        if record.rec_type == "response":
            responses[uri] = record.content_stream().read()
        elif record.rec_type == "request":
            requests.append(uri)
    assert "儿童安全座椅".encode() in responses["https://item.m.jd.com/product/1.html"]
    assert responses["https://item.m.jd.com/static/item.js"].startswith(b"document.getElementById")
    assert responses["https://img14.360buyimg.com/n1/jfs/seat-1.png"] == site.photos["/n1/jfs/seat-1.png"]
    assert set(requests) == set(responses)
    assert records[0] == "warcinfo"

    assert manifest["requested_url"] == "https://item.m.jd.com/product/1.html"
    assert manifest["fetched_url"] == "http://item.m.jd.com/product/1.html"
    assert manifest["device"]["name"] == profile.name
    assert manifest["flag_ids"] == [flag_id]
    assert manifest["listing"]["platform"] == "jd"
    assert manifest["software"]["version"] == __version__
    assert manifest["network"]["proxy"] == site.url
    # Every request reached the site through the proxy with the device's user agent.
    hosts = {(host, path) for host, path, _ in site.seen}
    assert ("item.m.jd.com", "/product/1.html") in hosts
    assert ("img14.360buyimg.com", "/n1/jfs/seat-2.png") in hosts
    assert all(agent == profile.user_agent for _, _, agent in site.seen)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_redirects_and_takedowns_are_recorded(make_context, db_url, tmp_path, clock, site):
    context = make_context(sandbox_url=site.url)
    moved_id, _ = add_listing(context, "2", url="https://item.m.jd.com/moved.html", photos=(), flagged=False)
    gone_id, _ = add_listing(context, "3", url="https://item.m.jd.com/gone.html", photos=(), flagged=False)
    service = EvidenceService(context)
    targets = [service.target_for_listing(moved_id), service.target_for_listing(gone_id)]
    moved, gone = service.capture(targets)
    layout = EvidenceLayout.from_settings(context.settings)
    with context.sessions() as session:
        first = session.get(EvidenceCapture, moved.capture_id)
        second = session.get(EvidenceCapture, gone.capture_id)
        assert first.final_url == "https://item.m.jd.com/product/1.html"
        assert second.final_url == "https://item.m.jd.com/gone.html"
        gone_manifest = json.loads(layout.store.get(second.manifest_sha256))
        assert verify(layout, session).ok
    assert gone_manifest["http_status"] == 404
    assert (moved.log_seq, gone.log_seq) == (1, 2)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_capture_command_and_export_with_pdf_summary(make_context, db_url, tmp_path, clock, site):
    from typer.testing import CliRunner

    from crawler.cli import app

    context = make_context()
    listing_id, flag_id = add_listing(context, "7")
    env = {
        "SURVEIL_DATA_DIR": str(context.settings.data_dir),
        "SURVEIL_DATABASE_URL": db_url,
        "SURVEIL_SANDBOX_URL": site.url,
    }
    runner = CliRunner()
    captured = runner.invoke(
        app, ["evidence", "capture", "--url", "https://item.m.jd.com/product/7.html", "--json"], env=env
    )
    assert captured.exit_code == 0, captured.stdout
    outcome = json.loads(captured.stdout)
    assert outcome["listing_id"] == listing_id and outcome["status"] == "complete"
    with context.sessions() as session:
        assert session.get(EvidenceCapture, outcome["capture_id"]).flag_id == flag_id  # its open flag

    out = tmp_path / "case"
    exported = runner.invoke(app, ["evidence", "export", str(flag_id), "--out", str(out), "--json"], env=env)
    assert exported.exit_code == 0, exported.stdout
    assert json.loads(exported.stdout)["pdf"] is True
    pdf = (out / "summary.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # one page
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0 and "summary.pdf: OK" in check.stdout


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_capture_that_cannot_be_logged_is_kept_and_reported(make_context, db_url, tmp_path, clock, site):
    context = make_context(sandbox_url=site.url)
    first, first_flag = add_listing(context, "1")
    capture_for_flags(context, [first_flag])
    layout = EvidenceLayout.from_settings(context.settings)
    layout.log.path.write_bytes(b"")  # the log file is emptied behind the system's back
    second, second_flag = add_listing(context, "2")
    outcomes = capture_for_flags(context, [second_flag])
    assert [(o.listing_id, o.status, o.log_seq) for o in outcomes] == [(second, "unlogged", None)]
    assert "database copy ends at entry 1" in outcomes[0].problems[-1]
    with context.sessions() as session:
        report = verify(layout, session, [outcomes[0].capture_id])
    assert f"capture {outcomes[0].capture_id}: not recorded in the evidence log" in [
        str(f) for f in report.findings
    ]


@pytest.mark.sandbox(seed=4, size=60)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sandbox_listing_flag_capture_and_exported_package_checks_out(
    make_context, db_url, tmp_path, clock, sandbox
):
    from crawler.sandbox.platforms.jd import image_path

    row = next(t for t in sandbox.truth() if t.get("platform") == "jd" and t.get("status") == "live")
    listing = sandbox.market.find("jd", row["item_id"])
    photos = tuple(
        f"https://img14.360buyimg.com/n1/{image_path(listing, n)}" for n in range(min(listing.images, 2))
    )
    context = make_context(sandbox_url=sandbox.url)
    listing_id, flag_id = add_listing(
        context, row["item_id"], url=row["url"], photos=photos, title=row["title"]
    )
    (outcome,) = capture_for_flags(context, [flag_id])
    assert outcome.status == "complete", outcome.problems
    with context.sessions() as session:
        capture = session.get(EvidenceCapture, outcome.capture_id)
        names = sorted(a.name for a in capture.artefacts)
        html = EvidenceLayout.from_settings(context.settings).store.get(
            next(a.sha256 for a in capture.artefacts if a.name == "page.html")
        )
    assert names[:3] == ["exchanges.warc.gz", "page.html"] + (
        ["photos/01.jpg"] if photos else ["screenshot.png"]
    )
    assert row["title"] in html.decode("utf-8")

    from crawler.evidence.export import export_flag

    out = tmp_path / "case"
    with context.sessions() as session:
        export_flag(
            EvidenceLayout.from_settings(context.settings),
            session,
            flag_id,
            out,
            exported_at=clock.now(),
            pdf=False,
        )
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
