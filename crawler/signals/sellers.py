"""Sellers as first-class subjects: all their flags across nights, the same business on other platforms
(shared normalised shop name, manufacturer, or identical photos), and repeat offenders ranked."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.signals.facts import manufacturer_of
from crawler.storage.models import Flag, FlagStatus, Image, Listing, ListingImage, Platform, Seller
from matchers.risk_signals.companies import company_core

MIN_CORE = 3


@dataclass
class LinkedSeller:
    seller_id: int
    name: str
    platform: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class Offender:
    seller_id: int
    name: str
    platform: str
    flagged_listings: int
    confirmed: int
    nights: int
    max_risk: float
    linked: int = 0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def seller_flags(session: Session, seller_id: int, limit: int = 500) -> list[tuple[Flag, Listing]]:
    """Every flag on the seller's listings, of every night and status, newest first."""
    stmt = (
        select(Flag, Listing)
        .join(Listing, Flag.listing_id == Listing.id)
        .where(Listing.seller_id == seller_id)
        .order_by(Flag.created_at.desc(), Flag.id.desc())
        .limit(limit)
    )
    return [(flag, listing) for flag, listing in session.execute(stmt)]


def _identities(session: Session, seller_ids: list[int] | None = None) -> dict[int, dict[str, set]]:
    """Per seller: its shop-name core, the cores of the makers its listings name, its photo hashes."""
    out: dict[int, dict[str, set]] = defaultdict(lambda: {"name": set(), "maker": set(), "photo": set()})
    sellers = select(Seller.id, Seller.name)
    if seller_ids is not None:
        sellers = sellers.where(Seller.id.in_(seller_ids))
    for sid, name in session.execute(sellers):
        core = company_core(name)
        if len(core) >= MIN_CORE:
            out[sid]["name"].add(core)
    listings = select(Listing.seller_id, Listing.specs).where(Listing.seller_id.is_not(None))
    if seller_ids is not None:
        listings = listings.where(Listing.seller_id.in_(seller_ids))
    for sid, specs in session.execute(listings):
        core = company_core(manufacturer_of(specs or {}))
        if len(core) >= MIN_CORE:
            out[sid]["maker"].add(core)
    photos = (
        select(Listing.seller_id, Image.sha256)
        .join(ListingImage, ListingImage.listing_id == Listing.id)
        .join(Image, Image.id == ListingImage.image_id)
        .where(Listing.seller_id.is_not(None))
    )
    if seller_ids is not None:
        photos = photos.where(Listing.seller_id.in_(seller_ids))
    for sid, sha in session.execute(photos):
        if sha:
            out[sid]["photo"].add(sha)
    return out


def linked_sellers(
    session: Session, seller_id: int, everyone: dict[int, dict[str, set]] | None = None
) -> list[LinkedSeller]:
    """Sellers on other platforms that share an identifier with this one, with the reasons."""
    everyone = everyone if everyone is not None else _identities(session)
    mine = everyone.get(seller_id)
    if mine is None:
        return []
    home = session.get(Seller, seller_id)
    found: dict[int, list[str]] = {}
    for other, ids in everyone.items():
        if other == seller_id:
            continue
        reasons = [f"same shop name ({core})" for core in sorted(mine["name"] & ids["name"])]
        reasons += [f"same manufacturer ({core})" for core in sorted(mine["maker"] & ids["maker"])]
        shared = mine["photo"] & ids["photo"]
        if shared:
            reasons.append(f"{len(shared)} identical photo(s)")
        if reasons:
            found[other] = reasons
    if not found:
        return []
    rows = session.execute(
        select(Seller.id, Seller.name, Seller.platform_id, Platform.code)
        .join(Platform, Platform.id == Seller.platform_id)
        .where(Seller.id.in_(list(found)))
    )
    linked = [
        LinkedSeller(sid, name, code, found[sid])
        for sid, name, platform_id, code in rows
        if home is None or platform_id != home.platform_id
    ]
    return sorted(linked, key=lambda s: (-len(s.reasons), s.seller_id))


def repeat_offenders(session: Session, limit: int = 50) -> list[Offender]:
    """Sellers ranked by flagged listings (dismissed flags left out), then confirmed flags, then nights."""
    stmt = (
        select(
            Seller.id,
            Seller.name,
            Platform.code,
            func.count(func.distinct(Flag.listing_id)),
            func.count(func.distinct(Flag.id)).filter(Flag.status == FlagStatus.CONFIRMED),
            func.count(func.distinct(func.date(Flag.created_at))),
            func.max(Flag.risk_score),
        )
        .join(Listing, Listing.seller_id == Seller.id)
        .join(Flag, Flag.listing_id == Listing.id)
        .join(Platform, Platform.id == Seller.platform_id)
        .where(Flag.status != FlagStatus.DISMISSED)
        .group_by(Seller.id, Seller.name, Platform.code)
    )
    offenders = [
        Offender(sid, name, code, int(n), int(confirmed or 0), int(nights or 0), float(risk or 0))
        for sid, name, code, n, confirmed, nights, risk in session.execute(stmt)
    ]
    offenders.sort(key=lambda o: (-o.flagged_listings, -o.confirmed, -o.nights, -o.max_risk, o.seller_id))
    top = offenders[:limit]
    everyone = _identities(session) if top else {}
    for offender in top:
        offender.linked = len(linked_sellers(session, offender.seller_id, everyone))
    return top
