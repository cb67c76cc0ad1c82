"""Photos a listing no longer serves are taken from the crawl's image store, when that copy is intact."""

from __future__ import annotations

import hashlib
import json

from crawler.evidence.browser_capture import Photo
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.service import EvidenceService
from crawler.storage.engine import transaction
from crawler.storage.models import EvidenceCapture, Image, ListingImage
from tests.evidence.conftest import add_listing, page_capture, png


def _store_image(context, listing_id: int, url: str, body: bytes) -> None:
    sha = hashlib.sha256(body).hexdigest()
    relative = f"images/{sha[:2]}/{sha}"
    path = context.settings.data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    with transaction(context.sessions) as session:
        image = Image(
            sha256=sha, size=len(body), mime="image/png", path=relative, created_at=context.clock.now()
        )
        session.add(image)
        session.flush()
        row = session.query(ListingImage).filter_by(listing_id=listing_id, source_url=url).one()
        row.image_id = image.id


def test_unfetchable_photo_comes_from_the_image_store_and_says_so(evidence_context):
    context = evidence_context
    url = "https://img14.360buyimg.com/n1/jfs/seat-1.png"
    gone = "https://img14.360buyimg.com/n1/jfs/seat-2.png"
    listing_id, flag_id = add_listing(context, "1", photos=(url, gone))
    body = png((1, 200, 1))
    _store_image(context, listing_id, url, body)
    service = EvidenceService(context)
    page = page_capture()
    page.photos = [Photo(url=url, error="HTTP 404"), Photo(url=gone, error="HTTP 404")]
    outcome = service.record(service.target_for_listing(listing_id, flag_id=flag_id), page)
    layout = EvidenceLayout.from_settings(context.settings)
    with context.sessions() as session:
        capture = session.get(EvidenceCapture, outcome.capture_id)
        photos = {a.name: a.sha256 for a in capture.artefacts if a.kind == "photo"}
        manifest = json.loads(layout.store.get(capture.manifest_sha256))
    assert photos == {"photos/01.png": hashlib.sha256(body).hexdigest()}
    sources = {p["url"]: p["source"] for p in manifest["photos"]}
    assert sources[url].startswith("crawl image store, downloaded 2026-11-20")
    assert sources[gone] == "live"  # nothing stored: the failed fetch stays recorded as such


def test_a_stored_photo_that_changed_is_not_used(evidence_context):
    context = evidence_context
    url = "https://img14.360buyimg.com/n1/jfs/seat-1.png"
    listing_id, _ = add_listing(context, "1", photos=(url,), flagged=False)
    _store_image(context, listing_id, url, png((5, 5, 5)))
    with context.sessions() as session:
        relative = session.query(Image).one().path
    (context.settings.data_dir / relative).write_bytes(png((6, 6, 6)))
    service = EvidenceService(context)
    page = page_capture()
    page.photos = [Photo(url=url, error="HTTP 404")]
    outcome = service.record(service.target_for_listing(listing_id), page)
    assert outcome.status == "partial"
    assert any("no longer has its recorded SHA-256" in p for p in outcome.problems)
    with context.sessions() as session:
        assert not [
            a for a in session.get(EvidenceCapture, outcome.capture_id).artefacts if a.kind == "photo"
        ]
