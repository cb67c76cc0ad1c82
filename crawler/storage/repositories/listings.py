"""Listings: idempotent batch upserts with a snapshot only when something an analyst cares about changed.

New sellers and listings are inserted with ``INSERT … ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite
alike), then read back: two writers storing the same new seller or listing at once (crawl workers
sharing a database) both succeed, the second one updating what the first inserted."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from crawler.items import ListingItem
from crawler.storage.models import Category, Listing, ListingImage, ListingSnapshot, Platform, Seller

# Fields that a sparse item (a search-page row) may leave empty without erasing what a detail page gave.
MERGED_FIELDS = (
    "url",
    "title",
    "brand",
    "model",
    "specs",
    "barcodes",
    "licence_no",
    "sales_count",
    "comment_count",
    "image_urls",
    "seller_id",
    "seller_name",
    "category",
)


@dataclass
class UpsertResult:
    new: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.new) + len(self.changed) + len(self.unchanged)


def _stored(item: ListingItem, row: Listing) -> ListingItem:
    """The stored listing as an item."""
    return ListingItem(
        platform=item.platform,
        item_id=item.item_id,
        title=row.title,
        url=row.url,
        category=row.category.code if row.category else None,
        price=row.price,
        price_masked=bool(row.price_masked),
        currency=row.currency or item.currency,
        seller_id=row.seller.platform_seller_id if row.seller else None,
        seller_name=row.seller.name if row.seller else None,
        brand=row.brand,
        model=row.model,
        specs=dict(row.specs or {}),
        barcodes=list(row.barcodes or []),
        licence_no=row.licence_no,
        sales_count=row.sales_count,
        comment_count=row.comment_count,
        image_urls=[img.source_url for img in row.images],
        available=row.available is not False,
    )


def _merge(item: ListingItem, row: Listing) -> ListingItem:
    """Fill the item's empty fields from the stored listing, so a sparse sighting is not a change. A
    search-only item changes only the price (when it shows one), currency, sales and comment counts."""
    stored = _stored(item, row)
    if item.search_only:
        merged = ListingItem(**{**stored.__dict__, "search_only": True})
        if item.price is not None and not item.price_masked:
            merged.price, merged.price_masked, merged.currency = item.price, False, item.currency
        for name in ("sales_count", "comment_count", "category"):
            if getattr(item, name) is not None:
                setattr(merged, name, getattr(item, name))
        return merged
    merged = ListingItem(**{**item.__dict__})
    for name in MERGED_FIELDS:
        if getattr(merged, name) in (None, "", [], {}):
            setattr(merged, name, getattr(stored, name))
    return merged


class ListingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._platforms: dict[str, Platform] = {}
        self._categories: dict[str, Category | None] = {}

    def _platform(self, code: str) -> Platform:
        if code not in self._platforms:
            row = self.session.scalar(select(Platform).where(Platform.code == code))
            if row is None:
                raise LookupError(
                    f"unknown platform {code!r}: run 'surveil db upgrade' and load the catalogue"
                )
            self._platforms[code] = row
        return self._platforms[code]

    def _category(self, code: str | None) -> Category | None:
        if code is None:
            return None
        if code not in self._categories:
            self._categories[code] = self.session.scalar(select(Category).where(Category.code == code))
        return self._categories[code]

    def _insert(self, model: type) -> Any:
        """The dialect's INSERT (it has ``on_conflict_do_nothing``)."""
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            raise NotImplementedError(f"no INSERT … ON CONFLICT for {dialect}")
        return insert(model)

    def _load_sellers(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], Seller]:
        stmt = select(Seller).where(tuple_(Seller.platform_id, Seller.platform_seller_id).in_(keys))
        return {(s.platform_id, s.platform_seller_id): s for s in self.session.scalars(stmt)}

    def _sellers(self, items: list[ListingItem], now: datetime) -> dict[tuple[int, str], Seller]:
        keys = sorted({(self._platform(i.platform).id, i.seller_id) for i in items if i.seller_id})
        if not keys:
            return {}
        names = {(self._platform(i.platform).id, i.seller_id): i.seller_name for i in items if i.seller_id}
        found = self._load_sellers(keys)
        missing = [key for key in keys if key not in found]
        if missing:
            rows = [
                {
                    "platform_id": key[0],
                    "platform_seller_id": key[1],
                    "name": names.get(key) or "",
                    "normalized_name": (names.get(key) or "").strip().lower(),
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
                for key in missing
            ]
            stmt = self._insert(Seller).on_conflict_do_nothing(
                index_elements=["platform_id", "platform_seller_id"]
            )
            self.session.execute(stmt, rows)
            found.update(self._load_sellers(missing))
        for key in keys:
            seller = found[key]
            name = names.get(key) or ""
            seller.last_seen_at = now
            if name and name != seller.name:
                seller.name = name
                seller.normalized_name = name.strip().lower()
        return found

    def _load_listings(self, platform_id: int, item_ids: list[str]) -> dict[tuple[int, str], Listing]:
        stmt = (
            select(Listing)
            .where(Listing.platform_id == platform_id, Listing.platform_item_id.in_(item_ids))
            .options(
                selectinload(Listing.images), selectinload(Listing.seller), selectinload(Listing.category)
            )
        )
        return {(row.platform_id, row.platform_item_id): row for row in self.session.scalars(stmt)}

    def _insert_new(
        self,
        items: list[ListingItem],
        sellers: dict[tuple[int, str], Seller],
        now: datetime,
        run_id: int | None,
    ) -> set[tuple[int, str]]:
        """Insert these (so far unknown) listings unless another writer just did; returns the keys of
        the rows inserted here."""
        rows = []
        for item in items:
            platform_id = self._platform(item.platform).id
            row = {
                "platform_id": platform_id,
                "platform_item_id": item.item_id,
                "first_seen_at": now,
                "last_seen_at": now,
                "last_changed_at": now,
                **self._columns(item, now, run_id),
            }
            if item.seller_id:
                row["seller_id"] = sellers[(platform_id, item.seller_id)].id
            rows.append(row)
        stmt = (
            self._insert(Listing)
            .on_conflict_do_nothing(index_elements=["platform_id", "platform_item_id"])
            .returning(Listing.platform_id, Listing.platform_item_id)
        )
        return {(p, i) for p, i in self.session.execute(stmt, rows)}

    def upsert_batch(
        self, items: list[ListingItem], now: datetime, run_id: int | None = None
    ) -> UpsertResult:
        """Store a batch in one flush. Re-sending the same batch changes nothing but ``last_seen_at``."""
        result = UpsertResult()
        if not items:
            return result
        latest: dict[tuple[str, str], ListingItem] = {}
        for item in items:
            latest[(item.platform, item.item_id)] = item
        items = list(latest.values())
        sellers = self._sellers(items, now)
        by_platform: dict[int, list[ListingItem]] = defaultdict(list)
        for item in items:
            by_platform[self._platform(item.platform).id].append(item)
        existing: dict[tuple[int, str], Listing] = {}
        for platform_id, group in by_platform.items():
            existing.update(self._load_listings(platform_id, [i.item_id for i in group]))
        unknown = [i for i in items if (self._platform(i.platform).id, i.item_id) not in existing]
        inserted: set[tuple[int, str]] = set()
        if unknown:
            inserted = self._insert_new(unknown, sellers, now, run_id)
            for platform_id in {self._platform(i.platform).id for i in unknown}:
                ids = [i.item_id for i in unknown if self._platform(i.platform).id == platform_id]
                loaded = self._load_listings(platform_id, ids)
                for key, row in loaded.items():
                    if key in inserted:
                        set_committed_value(row, "snapshots", [])
                existing.update(loaded)
        touched: list[tuple[str, Listing]] = []
        for item in items:
            platform = self._platform(item.platform)
            key = (platform.id, item.item_id)
            row = existing[key]
            if key in inserted:
                merged = item
                state = "new"
            else:
                merged = _merge(item, row)
                state = "changed" if merged.content_hash() != row.content_hash else "unchanged"
                row.last_seen_at = now
                if row.gone_at is not None:
                    row.gone_at = None
                    state = "changed"
            self._apply(row, merged, sellers, now, run_id)
            if state != "unchanged":
                row.last_changed_at = now
                row.snapshots.append(self._snapshot(merged, now, run_id))
            touched.append((state, row))
        self.session.flush()
        for state, row in touched:
            getattr(result, state).append(row.id)
        return result

    def _columns(self, item: ListingItem, now: datetime, run_id: int | None) -> dict[str, Any]:
        """The listing's columns as the item has them (seller and images aside)."""
        columns: dict[str, Any] = {
            "title": item.title,
            "url": item.url,
            "price": item.price,
            "price_masked": item.price_masked,
            "currency": item.currency,
            "brand": item.brand,
            "model": item.model,
            "specs": dict(item.specs),
            "barcodes": list(item.barcodes),
            "licence_no": item.licence_no,
            "sales_count": item.sales_count,
            "comment_count": item.comment_count,
            "available": item.available,
            "content_hash": item.content_hash(),
            "last_run_id": run_id,
        }
        category = self._category(item.category)
        if category is not None:
            columns["category_id"] = category.id
        if item.detail_fetched:
            columns["detail_fetched_at"] = now
        return columns

    def _apply(
        self,
        row: Listing,
        item: ListingItem,
        sellers: dict[tuple[int, str], Seller],
        now: datetime,
        run_id: int | None,
    ) -> None:
        for name, value in self._columns(item, now, run_id).items():
            setattr(row, name, value)
        # a seller id filled in from the stored listing keeps the stored seller
        seller = sellers.get((row.platform_id, item.seller_id)) if item.seller_id else None
        if seller is not None:
            row.seller = seller
        current = [img.source_url for img in row.images]
        if current != item.image_urls:
            keep = {img.source_url: img for img in row.images}
            row.images = [
                keep.get(url) or ListingImage(source_url=url) for url in dict.fromkeys(item.image_urls)
            ]
            for position, img in enumerate(row.images):
                img.position = position

    @staticmethod
    def _snapshot(item: ListingItem, now: datetime, run_id: int | None) -> ListingSnapshot:
        return ListingSnapshot(
            captured_at=now,
            run_id=run_id,
            content_hash=item.content_hash(),
            title=item.title,
            price=item.price,
            price_masked=item.price_masked,
            seller_name=item.seller_name,
            available=item.available,
            data=item.to_dict(),
        )

    def get(self, platform: str, item_id: str) -> Listing | None:
        stmt = (
            select(Listing)
            .join(Platform)
            .where(Platform.code == platform, Listing.platform_item_id == item_id)
            .options(selectinload(Listing.snapshots), selectinload(Listing.images))
        )
        return self.session.scalar(stmt)

    def mark_gone(self, platform: str, category: str, seen_item_ids: set[str], now: datetime) -> list[int]:
        """Listings of a fully crawled platform × category that were not seen: taken down or delisted."""
        plat = self._platform(platform)
        cat = self._category(category)
        if cat is None:
            return []
        stmt = select(Listing).where(
            Listing.platform_id == plat.id, Listing.category_id == cat.id, Listing.gone_at.is_(None)
        )
        gone = []
        for row in self.session.scalars(stmt):
            if row.platform_item_id not in seen_item_ids:
                row.gone_at = now
                row.available = False
                gone.append(row.id)
        self.session.flush()
        return gone
