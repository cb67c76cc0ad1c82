"""The whole case on paper: summary.pdf lists every capture (manifest hash, log entry, times, trusted time or
the warning) over as many pages as it needs, then the log head. Checked on the PDF's extracted text."""

from __future__ import annotations

import json
import unicodedata
from datetime import timedelta

import pytest

from crawler.browser.launch import find_chromium
from crawler.evidence.export import export_flag
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.service import EvidenceService
from tests.evidence.conftest import add_listing, page_capture
from tests.resources import require_chromium

pypdf = pytest.importorskip("pypdf")

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    require_chromium()


def _flat(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.mark.parametrize("count", [2, 7])
def test_summary_pdf_holds_every_capture_and_the_log_head(evidence_context, tmp_path, count):
    if "postgresql" in evidence_context.settings.resolved_database_url:
        pytest.skip("the summary does not depend on the database backend; rendered once, on SQLite")
    context = evidence_context
    service = EvidenceService(context)
    listing_id, flag_id = add_listing(context, "1")
    target = service.target_for_listing(listing_id, flag_id=flag_id)
    outcomes = []
    for shade in range(count):
        outcomes.append(service.record(target, page_capture(shade=shade * 3)))
        context.clock.advance(timedelta(hours=2))
    layout = EvidenceLayout.from_settings(context.settings)
    with context.sessions() as session:
        result = export_flag(
            layout,
            session,
            flag_id,
            tmp_path / "case",
            exported_at=context.clock.now(),
            browser_executable=find_chromium(context.settings.browser_executable),
        )
    assert result.pdf, result.notes
    reader = pypdf.PdfReader(str(tmp_path / "case" / "summary.pdf"))
    text = _flat("\n".join(page.extract_text() for page in reader.pages))
    if count == 7:
        assert len(reader.pages) > 1
    lines = layout.log.read()
    package = json.loads((tmp_path / "case" / "package.json").read_text(encoding="utf-8"))
    for outcome in outcomes:
        assert f"Capture{outcome.capture_id}" in text
        assert outcome.manifest_sha256 in text, f"manifest of capture {outcome.capture_id} missing"
        line = next(x for x in lines if x.seq == outcome.log_seq)
        assert line.sha256 in text, f"log line of capture {outcome.capture_id} missing"
    assert text.count("notimestampauthorityattestedit") >= count  # the warning, once per capture
    head = package["log"]["head_sha256"]
    assert head == lines[-1].sha256
    assert f"Loghead(entry{lines[-1].seq}):{head}" in text
    assert text.rfind(head) > text.rfind(outcomes[-1].manifest_sha256)  # the head comes last
