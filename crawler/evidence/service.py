"""Capturing evidence for listings and flags: browser capture, storage, manifest, timestamp, log.

``capture_for_flags(context, flag_ids)`` is what the nightly pipeline and ``surveil match`` call when
flags are created; ``capture_listing`` is the on-demand path behind ``surveil evidence capture``.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from crawler import __version__
from crawler.browser.devices import DeviceProfile, device_profile
from crawler.browser.launch import find_chromium
from crawler.context import AppContext
from crawler.evidence.browser_capture import BrowserCapturer, PageCapture, run_coroutine
from crawler.evidence.checks import (
    READY_SELECTORS,
    CaptureStatus,
    CheckResult,
    Expected,
    check_capture,
    text_bodies,
)
from crawler.evidence.hashing import sha256_bytes
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.log import EvidenceLogError
from crawler.evidence.manifest import ArtefactEntry, build_manifest, manifest_bytes
from crawler.evidence.repository import EvidenceRepository
from crawler.evidence.timestamp import TimestampError, TimestampInfo, request_timestamp
from crawler.evidence.warc import write_warc
from crawler.storage.engine import transaction
from crawler.storage.models import EvidenceArtefact, EvidenceCapture, EvidenceLogEntry

log = logging.getLogger(__name__)

#: A listing captured this recently is not captured again for another flag of the same night.
FRESH_WITHIN = timedelta(hours=12)

WARC_METHOD = (
    "Every request of the page was intercepted in Chromium (Playwright page.route), sent over HTTP with "
    "the browser's own request headers, and the response handed back to the page unchanged "
    "(route.fulfill); the WARC holds those exchanges, bodies included, as the browser received them."
)


@dataclass
class CaptureTarget:
    listing_id: int
    url: str
    platform: str = ""
    platform_item_id: str = ""
    title: str = ""
    #: The listing's price and shop as crawled, to be found on the captured page (None/"" = not checked).
    price: Decimal | None = None
    shop: str = ""
    photo_urls: list[str] = field(default_factory=list)
    #: source URL -> (sha256, path under data_dir, mime, downloaded at) of photos the crawl already stored
    stored_photos: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    flag_ids: list[int] = field(default_factory=list)
    run_id: int | None = None


@dataclass(kw_only=True)
class CaptureOutcome:
    """What became of one target.

    ``status``: complete; partial (stored, shows the listing, with problems listed); failed (stored and
    logged, but the page did not render or does not show the listing: ``reason`` says why); unlogged
    (stored, but the log refused the entry); error (nothing stored, ``capture_id`` None).
    """

    capture_id: int | None
    listing_id: int
    status: CaptureStatus
    manifest_sha256: str = ""
    log_seq: int | None = None
    timestamped: bool = False
    problems: list[str] = field(default_factory=list)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "status": self.status.value}


class EvidenceService:
    def __init__(
        self,
        context: AppContext,
        *,
        profile: DeviceProfile | None = None,
        executable: str | None = None,
        capturer_factory: Callable[[], BrowserCapturer] | None = None,
    ) -> None:
        self.context = context
        self.settings = context.settings
        self.layout = EvidenceLayout.from_settings(self.settings)
        self._profile = profile
        self._executable = executable
        self._capturer_factory = capturer_factory

    @property
    def profile(self) -> DeviceProfile:
        if self._profile is None:
            self._profile = device_profile(self.settings.browser_device)
        return self._profile

    def _capturer(self) -> BrowserCapturer:
        if self._capturer_factory is not None:
            return self._capturer_factory()
        executable = self._executable or find_chromium(self.settings.browser_executable)
        return BrowserCapturer(
            self.profile, self.context.clock, executable=executable, proxy=self.settings.sandbox_url
        )

    # --- choosing what to capture ------------------------------------------------------------------

    def targets_for_flags(
        self, flag_ids: Iterable[int], run_id: int | None = None, fresh_within: timedelta | None = None
    ) -> list[CaptureTarget]:
        """One target per listing, carrying every flag on it (highest risk first).

        Listings with a capture newer than ``fresh_within`` are left out, so a re-run night does not
        capture the same page twice.
        """
        with self.context.sessions() as session:
            repo = EvidenceRepository(session)
            by_listing: dict[int, CaptureTarget] = {}
            fresh: set[int] = set()
            if fresh_within is not None:
                fresh = repo.listings_captured_since(self.context.clock.now() - fresh_within)
            for flag in repo.flags(flag_ids):
                if flag.listing_id in fresh:
                    continue
                target = by_listing.get(flag.listing_id)
                if target is None:
                    target = self._target(repo, flag.listing_id, run_id=run_id)
                    if target is None:
                        continue
                    by_listing[flag.listing_id] = target
                target.flag_ids.append(flag.id)
            return list(by_listing.values())

    def target_for_listing(
        self,
        listing_id: int,
        *,
        url: str | None = None,
        flag_id: int | None = None,
        run_id: int | None = None,
    ) -> CaptureTarget | None:
        with self.context.sessions() as session:
            target = self._target(EvidenceRepository(session), listing_id, url=url, run_id=run_id)
            if target is not None and flag_id is not None:
                target.flag_ids.append(flag_id)
            return target

    def _target(
        self, repo: EvidenceRepository, listing_id: int, *, url: str | None = None, run_id: int | None = None
    ) -> CaptureTarget | None:
        listing = repo.listing(listing_id)
        if listing is None:
            return None
        return CaptureTarget(
            listing_id=listing.id,
            url=url or listing.url,
            platform=listing.platform.code if listing.platform else "",
            platform_item_id=listing.platform_item_id,
            title=listing.title,
            price=None if listing.price_masked else listing.price,
            shop=listing.seller.name if listing.seller else "",
            photo_urls=repo.photo_urls(listing),
            stored_photos=repo.stored_photos(listing),
            run_id=run_id if run_id is not None else listing.last_run_id,
        )

    # --- capturing ---------------------------------------------------------------------------------

    def capture(self, targets: Sequence[CaptureTarget]) -> list[CaptureOutcome]:
        """Capture every target with one browser; each capture is stored and logged as soon as it is done."""
        if not targets:
            return []
        return run_coroutine(self._capture_all(list(targets)))

    async def _capture_all(self, targets: list[CaptureTarget]) -> list[CaptureOutcome]:
        outcomes = []
        async with self._capturer() as capturer:
            for target in targets:
                if not target.url:
                    page = PageCapture(requested_url="", fetched_url="")
                    page.problems.append("the listing has no URL to capture")
                else:
                    page = await capturer.capture(
                        target.url,
                        target.photo_urls,
                        check=lambda shown, target=target: self.check_page(target, shown),
                        ready_selector=READY_SELECTORS.get(target.platform),
                    )
                try:
                    outcomes.append(self.record(target, page, browser_proxy=capturer.proxy))
                except Exception as exc:  # noqa: BLE001 - one listing's failure must not stop the batch
                    log.error("evidence for listing %s not stored: %s", target.listing_id, exc)
                    outcomes.append(
                        CaptureOutcome(
                            capture_id=None,
                            listing_id=target.listing_id,
                            status=CaptureStatus.ERROR,
                            problems=[f"not stored: {exc}"],
                        )
                    )
        return outcomes

    @staticmethod
    def check_page(target: CaptureTarget, page: PageCapture) -> CheckResult:
        """Does the page show the listing? (see ``crawler.evidence.checks``)"""
        return check_capture(
            expected=Expected(title=target.title, price=target.price, shop=target.shop),
            screenshot=page.screenshot,
            html=page.html,
            final_url=page.final_url,
            http_status=page.status,
            data_bodies=text_bodies(page.exchanges),
        )

    def record(
        self, target: CaptureTarget, page: PageCapture, browser_proxy: str | None = None
    ) -> CaptureOutcome:
        """Store a finished page capture: artefacts, manifest, database rows, timestamp, log entry."""
        clock = self.context.clock
        captured_at = page.started_at or clock.now()
        store = self.layout.store
        profile = self.profile
        device = {
            "name": profile.name,
            "user_agent": profile.user_agent,
            "viewport": profile.viewport,
            "device_scale_factor": profile.device_scale_factor,
            "is_mobile": profile.is_mobile,
            "locale": "zh-CN",
            "timezone": "Asia/Shanghai",
        }
        artefacts: list[ArtefactEntry] = []

        def keep(name: str, kind: str, data: bytes, mime: str) -> None:
            stored = store.put(data)
            artefacts.append(ArtefactEntry(name, kind, stored.sha256, stored.size, mime))

        if page.screenshot:
            keep("screenshot.png", "screenshot", page.screenshot, "image/png")
        if page.html is not None:
            keep("page.html", "html", page.html.encode("utf-8"), "text/html; charset=utf-8")
        warc_info = {
            "software": f"surveil {__version__}",
            "format": "WARC File Format 1.0",
            "browser": page.browser_version,
            "device": f"{profile.name}; {profile.user_agent}",
            "proxy": browser_proxy or "",
            "description": WARC_METHOD,
        }
        if page.exchanges:
            keep("exchanges.warc.gz", "warc", write_warc(page.exchanges, warc_info), "application/warc")
        photo_notes = self._fill_from_image_store(target, page)
        for number, photo in enumerate((p for p in page.photos if p.body), start=1):
            keep(
                f"photos/{number:02d}{photo.extension}",
                "photo",
                photo.body,
                photo.mime or "application/octet-stream",
            )
        check = page.check if page.check is not None else self.check_page(target, page)
        status = check.status
        if status is CaptureStatus.COMPLETE and page.problems:
            status = CaptureStatus.PARTIAL
        reason = check.reason.value if check.reason is not None else None
        with transaction(self.context.sessions) as session:
            capture = EvidenceCapture(
                listing_id=target.listing_id,
                flag_id=target.flag_ids[0] if target.flag_ids else None,
                run_id=target.run_id,
                captured_at=captured_at,
                requested_url=target.url,
                final_url=page.final_url,
                device_profile=profile.name,
                software_version=__version__,
                status=status.value,
                check_reason=reason,
                check_detail=check.detail(),
            )
            session.add(capture)
            session.flush()
            manifest = build_manifest(
                artefacts=artefacts,
                capture_id=capture.id,
                captured_at=captured_at.isoformat(),
                time_source="system clock of the capturing machine (UTC)",
                listing={
                    "id": target.listing_id,
                    "platform": target.platform,
                    "platform_item_id": target.platform_item_id,
                    "title": target.title,
                },
                flag_ids=target.flag_ids,
                crawl_run_id=target.run_id,
                requested_url=target.url,
                fetched_url=page.fetched_url,
                final_url=page.final_url,
                http_status=page.status,
                page_title=page.title,
                network={
                    "proxy": browser_proxy,
                    "https_fetched_as_http": bool(browser_proxy),
                    "exchanges": len(page.exchanges),
                    "method": WARC_METHOD,
                },
                device=device,
                software={"name": "surveil", "version": __version__, "browser": page.browser_version},
                photos=[
                    {"url": p.url, "error": p.error, "source": photo_notes.get(p.url, "live")}
                    for p in page.photos
                ],
                problems=page.problems,
                status=status.value,
                checks={**check.as_dict(), "retries": page.retries},
            )
            data = manifest_bytes(manifest)
            stored = store.put(data)
            capture.manifest_sha256 = stored.sha256
            for entry in artefacts:
                session.add(
                    EvidenceArtefact(
                        capture_id=capture.id,
                        name=entry.name,
                        kind=entry.kind,
                        sha256=entry.sha256,
                        size=entry.size,
                        mime=entry.mime,
                    )
                )
            capture_id = capture.id
        stamp, stamp_error = self._timestamp(stored.sha256)
        body: dict[str, Any] = {
            "capture_id": capture_id,
            "listing_id": target.listing_id,
            "flag_ids": target.flag_ids,
            "manifest_sha256": stored.sha256,
            "status": status.value,
            "check_reason": reason,
            "timestamp": None,
        }
        if stamp is not None:
            token_object = store.put(stamp.token)
            body["timestamp"] = {
                "tsa_url": self.settings.evidence_tsa_url,
                "token_sha256": token_object.sha256,
                "gen_time": stamp.gen_time.isoformat(),
                "tsa": stamp.tsa_subject,
            }
        elif stamp_error:
            body["timestamp_error"] = stamp_error

        def link(session: Any, row: EvidenceLogEntry) -> None:
            row_capture = session.get(EvidenceCapture, capture_id)
            row_capture.log_sequence = row.seq
            if stamp is not None:
                row_capture.timestamp_token = base64.b64encode(stamp.token).decode("ascii")

        problems = (
            [f"{f.reason.value}: {f.detail}" for f in check.findings]
            + list(page.problems)
            + ([f"timestamp: {stamp_error}"] if stamp_error else [])
        )
        try:
            entry = self.layout.log.append(self.context.sessions, "capture", clock.now(), body, also=link)
        except EvidenceLogError as exc:
            # The capture is stored but unproven; verify reports it until the log is repaired.
            log.error("capture %s stored but not logged: %s", capture_id, exc)
            with transaction(self.context.sessions) as session:
                session.get(EvidenceCapture, capture_id).status = CaptureStatus.UNLOGGED.value
            return CaptureOutcome(
                capture_id=capture_id,
                listing_id=target.listing_id,
                status=CaptureStatus.UNLOGGED,
                manifest_sha256=stored.sha256,
                problems=[*problems, str(exc)],
                reason=reason,
            )
        return CaptureOutcome(
            capture_id=capture_id,
            listing_id=target.listing_id,
            status=status,
            manifest_sha256=stored.sha256,
            log_seq=entry.seq,
            timestamped=stamp is not None,
            problems=problems,
            reason=reason,
        )

    def _fill_from_image_store(self, target: CaptureTarget, page: PageCapture) -> dict[str, str]:
        """Photos that could not be fetched now are taken from the crawl's image store, if it has them
        intact (same SHA-256 as recorded); the manifest says where each photo came from."""
        notes: dict[str, str] = {}
        for photo in page.photos:
            stored = target.stored_photos.get(photo.url)
            if photo.body or stored is None:
                continue
            sha256, relative, mime, downloaded_at = stored
            path = Path(self.settings.data_dir) / relative
            try:
                body = path.read_bytes()
            except OSError:
                continue
            if sha256_bytes(body) != sha256:
                page.problems.append(f"photo {photo.url}: the stored copy no longer has its recorded SHA-256")
                continue
            photo.body, photo.mime = body, mime or photo.mime
            notes[photo.url] = f"crawl image store, downloaded {downloaded_at}"
        return notes

    def _timestamp(self, digest_hex: str) -> tuple[TimestampInfo | None, str | None]:
        url = self.settings.evidence_tsa_url
        if not url:
            return None, None
        try:
            return request_timestamp(url, digest_hex, timeout=self.settings.evidence_tsa_timeout), None
        except TimestampError as exc:
            log.warning("evidence manifest %s not timestamped: %s", digest_hex, exc)
            return None, str(exc)


def capture_for_flags(
    context: AppContext,
    flag_ids: Iterable[int],
    *,
    run_id: int | None = None,
    fresh_within: timedelta | None = FRESH_WITHIN,
    service: EvidenceService | None = None,
) -> list[CaptureOutcome]:
    """Capture the listings of newly created flags, one capture per listing.

    A page that fails to load is still recorded (status "failed", with the reason); a capture that
    cannot be stored is reported as status "error" and the batch goes on. Listings captured within
    ``fresh_within`` are skipped. Raises ``BrowserNotFound`` when no Chromium is available.
    """
    service = service or EvidenceService(context)
    return service.capture(service.targets_for_flags(flag_ids, run_id=run_id, fresh_within=fresh_within))


def capture_listing(
    context: AppContext,
    listing_id: int,
    *,
    url: str | None = None,
    run_id: int | None = None,
    service: EvidenceService | None = None,
) -> CaptureOutcome:
    """Capture one listing now (``url`` overrides its stored URL); the capture carries the listing's flags."""
    service = service or EvidenceService(context)
    target = service.target_for_listing(listing_id, url=url, run_id=run_id)
    if target is None:
        raise LookupError(f"no listing {listing_id}")
    with context.sessions() as session:
        target.flag_ids = EvidenceRepository(session).flag_ids_for_listing(listing_id)
    return service.capture([target])[0]


__all__ = [
    "CaptureOutcome",
    "CaptureTarget",
    "EvidenceService",
    "capture_for_flags",
    "capture_listing",
]
