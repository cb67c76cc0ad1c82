"""The domain's tables.

Every datetime column is timezone-aware UTC (:class:`~crawler.storage.base.UTCDateTime`); values are
shown in Asia/Shanghai by the presentation layers. Defaults that depend on time are set by the
repositories from an injected clock, never by the database.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crawler.storage.base import Base


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class ListType(enum.StrEnum):
    RECALL = "recall"
    NONCOMPLIANT = "noncompliant"
    RISK = "risk"
    LICENCE = "licence"
    LICENSED = "licensed"
    BLACKLIST = "blacklist"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    PARTIAL = "partial"
    FAILED = "failed"


class CoverageStatus(enum.StrEnum):
    """How one platform × category ended in a run (derived from its stored counters, see
    :attr:`CrawlStat.status`). Only ``ok`` and ``empty`` mean the category was read to the end."""

    OK = "ok"
    EMPTY = "empty"  # searched, the platform's own word that nothing matches
    BLOCKED = "blocked"  # captcha, risk check, login wall: the category's search stopped
    LAYOUT_CHANGED = "layout_changed"  # pages none of the platform's known layouts reads
    ERRORS = "errors"  # read, but some pages failed (partly crawled)
    NOT_SEARCHED = "not_searched"


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    PURCHASE_ORDERED = "purchase_ordered"
    CLOSED = "closed"


class Decision(enum.StrEnum):
    MATCH = "match"
    REVIEW = "review"


class DismissReason(enum.StrEnum):
    """Why an analyst dismissed a match flag; the matcher is refitted on these (``surveil eval --feedback``)."""

    ACCESSORY = "accessory"  # a part or accessory for the entry's product, not the product
    OTHER_PRODUCT = "other_product"  # another product of the brand or shop, whatever code it shares
    OTHER_MODEL = "other_model"  # the entry's product line, another model
    OTHER_BRAND = "other_brand"  # the same model code under another brand
    NOT_THE_BATCH = "not_the_batch"  # the right product, but not the batch or dates the entry names
    OTHER = "other"  # anything else: the note says what


class PurchaseStatus(enum.StrEnum):
    PLANNED = "planned"
    ORDERED = "ordered"
    RECEIVED = "received"
    SENT_TO_LAB = "sent_to_lab"
    RESULT = "result"
    CANCELLED = "cancelled"


class Role(enum.StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    OFFICER = "officer"
    LAB = "lab"


# --- catalogue and platforms -------------------------------------------------------------------


class Category(Base):
    """A monitored product category of the bureau's key-product catalogue."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=3)
    licence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    ccc_required: Mapped[bool] = mapped_column(Boolean, default=False)
    search_terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    risk_factors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    test_items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    yearly_quota: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None]


class Platform(Base):
    __tablename__ = "platform"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    allowed_hosts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    obey_robots: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- crawling ----------------------------------------------------------------------------------


class CrawlRun(Base):
    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"), default=RunStatus.RUNNING)
    trigger: Mapped[str] = mapped_column(String(32), default="manual")
    software_version: Mapped[str] = mapped_column(String(32), default="")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    stats: Mapped[list[CrawlStat]] = relationship(back_populates="run", cascade="all, delete-orphan")


class CrawlStat(Base):
    """Coverage of one platform × category in one run; ``blocked`` is distinct from an empty result."""

    __tablename__ = "crawl_stat"
    __table_args__ = (UniqueConstraint("run_id", "platform_id", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_run.id", ondelete="CASCADE"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    requests: Mapped[int] = mapped_column(Integer, default=0)
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    listings_seen: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    gone: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    block_reason: Mapped[str | None] = mapped_column(String(200))
    #: Pages that ended ``layout_changed`` (a shape no known layout reads), and the first one's layout
    #: and what was missing.
    layout_changed: Mapped[int] = mapped_column(Integer, default=0)
    layout_note: Mapped[str | None] = mapped_column(String(200))

    run: Mapped[CrawlRun] = relationship(back_populates="stats")
    platform: Mapped[Platform] = relationship()
    category: Mapped[Category] = relationship()

    @property
    def status(self) -> CoverageStatus:
        """A changed layout first (it needs code, not patience), then a block, then the rest."""
        if self.layout_changed:
            return CoverageStatus.LAYOUT_CHANGED
        if self.blocked:
            return CoverageStatus.BLOCKED
        if not self.pages_fetched:
            return CoverageStatus.NOT_SEARCHED
        if self.errors:
            return CoverageStatus.ERRORS
        if not self.listings_seen:
            return CoverageStatus.EMPTY
        return CoverageStatus.OK


class Seller(Base):
    __tablename__ = "seller"
    __table_args__ = (UniqueConstraint("platform_id", "platform_seller_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    platform_seller_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(300), default="")
    normalized_name: Mapped[str] = mapped_column(String(300), default="", index=True)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class Listing(Base):
    """A product offer, keyed by (platform, platform item id); its current state plus snapshots."""

    __tablename__ = "listing"
    __table_args__ = (
        UniqueConstraint("platform_id", "platform_item_id"),
        Index("ix_listing_category_last_seen", "category_id", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    platform_item_id: Mapped[str] = mapped_column(String(128))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("seller.id"), index=True)
    url: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    price_masked: Mapped[bool] = mapped_column(Boolean, default=False)
    currency: Mapped[str] = mapped_column(String(8), default="CNY")
    brand: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    barcodes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    licence_no: Mapped[str | None] = mapped_column(String(100))
    specs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sales_count: Mapped[int | None] = mapped_column(Integer)
    comment_count: Mapped[int | None] = mapped_column(Integer)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    last_changed_at: Mapped[datetime]
    gone_at: Mapped[datetime | None]
    detail_fetched_at: Mapped[datetime | None]
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"))
    #: Hash of what the search page showed last time: a product page is re-read only when it changes.
    search_sig: Mapped[str | None] = mapped_column(String(64))

    platform: Mapped[Platform] = relationship()
    category: Mapped[Category | None] = relationship()
    seller: Mapped[Seller | None] = relationship()
    snapshots: Mapped[list[ListingSnapshot]] = relationship(
        back_populates="listing", order_by="ListingSnapshot.captured_at", cascade="all, delete-orphan"
    )
    images: Mapped[list[ListingImage]] = relationship(
        back_populates="listing", order_by="ListingImage.position", cascade="all, delete-orphan"
    )


class ListingSnapshot(Base):
    """The listing as it was when something an analyst cares about changed."""

    __tablename__ = "listing_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"))
    captured_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    price_masked: Mapped[bool] = mapped_column(Boolean, default=False)
    seller_name: Mapped[str | None] = mapped_column(String(300))
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    listing: Mapped[Listing] = relationship(back_populates="snapshots")


class Image(Base):
    """A downloaded photo, stored once by content hash, with a 64-bit perceptual hash."""

    __tablename__ = "image"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    phash: Mapped[int | None] = mapped_column(BigInteger, index=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer, default=0)
    mime: Mapped[str] = mapped_column(String(64), default="")
    path: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class ListingImage(Base):
    __tablename__ = "listing_image"
    __table_args__ = (UniqueConstraint("listing_id", "source_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("image.id"))
    source_url: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    listing: Mapped[Listing] = relationship(back_populates="images")
    image: Mapped[Image | None] = relationship()


# --- reference lists -----------------------------------------------------------------------------


class ReferenceList(Base):
    __tablename__ = "reference_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    list_type: Mapped[ListType] = mapped_column(_enum(ListType, "list_type"))
    source: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]

    versions: Mapped[list[ReferenceListVersion]] = relationship(
        back_populates="reference_list", order_by="ReferenceListVersion.number", cascade="all, delete-orphan"
    )


class ReferenceListVersion(Base):
    __tablename__ = "reference_list_version"
    __table_args__ = (UniqueConstraint("list_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("reference_list.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(100), default="")
    file_name: Mapped[str] = mapped_column(Text, default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="", index=True)
    format: Mapped[str] = mapped_column(String(64), default="")
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    diff: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    reference_list: Mapped[ReferenceList] = relationship(back_populates="versions")
    entries: Mapped[list[ReferenceEntry]] = relationship(
        back_populates="version", cascade="all, delete-orphan"
    )


class ReferenceEntry(Base):
    """One normalised record of a list version; ``raw`` keeps the original record verbatim."""

    __tablename__ = "reference_entry"
    __table_args__ = (UniqueConstraint("version_id", "ref_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("reference_list_version.id", ondelete="CASCADE"))
    ref_key: Mapped[str] = mapped_column(String(200))
    entry_hash: Mapped[str] = mapped_column(String(64))
    list_type: Mapped[ListType] = mapped_column(_enum(ListType, "list_type"))
    product_name: Mapped[str] = mapped_column(Text, default="")
    brand: Mapped[str | None] = mapped_column(String(300))
    models: Mapped[list[Any]] = mapped_column(JSON, default=list)
    batches: Mapped[list[Any]] = mapped_column(JSON, default=list)
    barcodes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    manufacturer: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    category_text: Mapped[str | None] = mapped_column(Text)
    hazard: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[Any]] = mapped_column(JSON, default=list)
    published_on: Mapped[date | None] = mapped_column(Date)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    version: Mapped[ReferenceListVersion] = relationship(back_populates="entries")
    category: Mapped[Category | None] = relationship()


# --- matching, flags and review ------------------------------------------------------------------


class Match(Base):
    __tablename__ = "match"
    __table_args__ = (UniqueConstraint("listing_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("reference_entry.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    decision: Mapped[Decision] = mapped_column(_enum(Decision, "match_decision"))
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    matcher_version: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    listing: Mapped[Listing] = relationship()
    entry: Mapped[ReferenceEntry] = relationship()


class Flag(Base):
    """Something an analyst must look at: a list match or a risk signal on a listing."""

    __tablename__ = "flag"
    __table_args__ = (
        UniqueConstraint("listing_id", "kind", "subject"),
        Index("ix_flag_status_risk", "status", "risk_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200), default="")
    match_id: Mapped[int | None] = mapped_column(ForeignKey("match.id", ondelete="SET NULL"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("reference_entry.id", ondelete="SET NULL"))
    list_type: Mapped[ListType | None] = mapped_column(_enum(ListType, "list_type"))
    risk_score: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[FlagStatus] = mapped_column(_enum(FlagStatus, "flag_status"), default=FlagStatus.OPEN)
    explanation: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    listing: Mapped[Listing] = relationship()
    match: Mapped[Match | None] = relationship()
    entry: Mapped[ReferenceEntry | None] = relationship()
    decisions: Mapped[list[ReviewDecision]] = relationship(
        back_populates="flag", order_by="ReviewDecision.decided_at"
    )


class ReviewDecision(Base):
    __tablename__ = "review_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    reason_code: Mapped[DismissReason | None] = mapped_column(_enum(DismissReason, "dismiss_reason"))
    listing_state: Mapped[str | None] = mapped_column(String(64))
    """What the listing showed when decided (title, model, photos; see ``review.listing_state``): a
    dismissed flag is raised again only when this changes."""
    decided_at: Mapped[datetime]

    flag: Mapped[Flag] = relationship(back_populates="decisions")
    user: Mapped[User | None] = relationship()


class MatcherWeights(Base):
    """Matcher weights fitted on analysts' decisions, with how they decided decisions held out of the fit
    and how the matcher's own rules decided the same ones. Matching uses the newest only when it did
    better than the rules."""

    __tablename__ = "matcher_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    fitted_at: Mapped[datetime]
    weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    held_out_score: Mapped[float] = mapped_column(Float)
    baseline_score: Mapped[float] = mapped_column(Float)
    decisions: Mapped[int] = mapped_column(Integer, default=0)
    held_out: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def better(self) -> bool:
        return self.held_out > 0 and self.held_out_score > self.baseline_score


class MatchRun(Base):
    """One pass of list matching: what it looked at, so the next pass takes only what is new."""

    __tablename__ = "match_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    matcher_version: Mapped[str] = mapped_column(String(32), default="")
    listings_changed_until: Mapped[datetime | None]
    version_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    mode: Mapped[str] = mapped_column(String(32), default="incremental")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- evidence ------------------------------------------------------------------------------------


class EvidenceCapture(Base):
    __tablename__ = "evidence_capture"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flag.id", ondelete="SET NULL"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"))
    captured_at: Mapped[datetime]
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text, default="")
    device_profile: Mapped[str] = mapped_column(String(100), default="")
    software_version: Mapped[str] = mapped_column(String(32), default="")
    manifest_sha256: Mapped[str] = mapped_column(String(64), default="")
    log_sequence: Mapped[int | None] = mapped_column(Integer)
    timestamp_token: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="complete")
    #: Why a capture is partial or failed (``crawler.evidence.checks.CheckReason``), and every reason.
    check_reason: Mapped[str | None] = mapped_column(String(40))
    check_detail: Mapped[str] = mapped_column(Text, default="")

    artefacts: Mapped[list[EvidenceArtefact]] = relationship(
        back_populates="capture", cascade="all, delete-orphan"
    )


class EvidenceArtefact(Base):
    __tablename__ = "evidence_artefact"
    __table_args__ = (UniqueConstraint("capture_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("evidence_capture.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    mime: Mapped[str] = mapped_column(String(100), default="")

    capture: Mapped[EvidenceCapture] = relationship(back_populates="artefacts")


class EvidenceLogEntry(Base):
    """The database copy of the hash-chained evidence log (``evidence/log.jsonl``); append-only.

    ``line`` is the exact JSON line of the file, ``entry_sha256`` its SHA-256; each line names the
    previous line's SHA-256, so the file checks itself and this table checks the file's tail.
    """

    __tablename__ = "evidence_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    capture_id: Mapped[int | None] = mapped_column(Integer, index=True)
    prev_sha256: Mapped[str] = mapped_column(String(64))
    entry_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    line: Mapped[str] = mapped_column(Text)


# --- purchases, samples and labs -----------------------------------------------------------------


class Lab(Base):
    __tablename__ = "lab"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    accepted_categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    export_preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    contact: Mapped[str] = mapped_column(Text, default="")


class PurchasePlan(Base):
    __tablename__ = "purchase_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(16))
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    seed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(32), default="draft")
    created_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    approved_by: Mapped[str] = mapped_column(String(100), default="")

    purchases: Mapped[list[Purchase]] = relationship(back_populates="plan")


class Purchase(Base):
    __tablename__ = "purchase"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_plan.id", ondelete="SET NULL"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"))
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flag.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    status: Mapped[PurchaseStatus] = mapped_column(
        _enum(PurchaseStatus, "purchase_status"), default=PurchaseStatus.PLANNED
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    expected_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    price_paid: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    due_on: Mapped[date | None] = mapped_column(Date)
    buyer: Mapped[str] = mapped_column(String(100), default="")
    order_no: Mapped[str] = mapped_column(String(100), default="")
    lab_id: Mapped[int | None] = mapped_column(ForeignKey("lab.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cost_basis: Mapped[str] = mapped_column(String(32), default="")

    plan: Mapped[PurchasePlan | None] = relationship(back_populates="purchases")
    listing: Mapped[Listing] = relationship()
    lab: Mapped[Lab | None] = relationship()
    sample: Mapped[Sample | None] = relationship(back_populates="purchase", uselist=False)


class Sample(Base):
    """A received product with its sample ID (样品编号) and, later, the lab's verdict."""

    __tablename__ = "sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchase.id"), unique=True)
    sample_code: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime | None]
    condition: Mapped[str] = mapped_column(Text, default="")
    parcel_photos: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime | None]
    lab_id: Mapped[int | None] = mapped_column(ForeignKey("lab.id"))
    result: Mapped[str | None] = mapped_column(String(32))
    report_no: Mapped[str | None] = mapped_column(String(100))
    result_on: Mapped[date | None] = mapped_column(Date)
    verdicts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    purchase: Mapped[Purchase] = relationship(back_populates="sample")


# --- people and the audit trail ------------------------------------------------------------------


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Append-only: the migration installs triggers that refuse UPDATE and DELETE on every backend."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """One sign-in attempt; recent failures per username and per client throttle further attempts."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    username: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(100))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


#: The review queue ranks flags by risk (any status, or within a list type) and counts them over dates.
Index("ix_flag_risk", Flag.risk_score)
Index("ix_flag_status_list_type_risk", Flag.status, Flag.list_type, Flag.risk_score)
Index("ix_flag_status_created", Flag.status, Flag.created_at)


# --- scheduling ----------------------------------------------------------------------------------


class JobLease(Base):
    """Who runs a job now: one row per job id, taken with a conditional update, so the same job never
    runs twice at once, also across hosts sharing the database."""

    __tablename__ = "job_lease"

    job_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200), default="")
    acquired_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class JobRun(Base):
    """One execution (or refusal) of a scheduled job, with its outcome."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_job_scheduled", "job_id", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100))
    scheduled_for: Mapped[datetime | None]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(32), default="running")
    holder: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- takedown requests ---------------------------------------------------------------------------


class TakedownRequest(Base):
    """A request to a platform to remove the listing of a confirmed flag, and what became of it:
    drafted, sent, acknowledged, removed, still online."""

    __tablename__ = "takedown_request"
    __table_args__ = (
        UniqueConstraint("flag_id"),
        Index("ix_takedown_request_platform_status", "platform_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(32), default="drafted")
    export_batch: Mapped[str] = mapped_column(String(64), default="")
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]

    flag: Mapped[Flag] = relationship()
    listing: Mapped[Listing] = relationship()
    platform: Mapped[Platform] = relationship()
