"""What a crawl needs to know about stored listings, and the bookkeeping it writes besides upserts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, exists, func, select, update
from sqlalchemy.orm import Session

from crawler.storage.models import Category, CrawlRun, Listing, ListingImage, Platform


@dataclass(frozen=True)
class KnownListing:
    search_sig: str | None
    detail_fetched_at: datetime | None
    last_run_id: int | None
    gone: bool


class CrawlStateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def platform(self, code: str) -> Platform | None:
        return self.session.scalar(select(Platform).where(Platform.code == code))

    def known(self, platform_code: str) -> dict[str, KnownListing]:
        """Every stored listing of a platform, by item id: enough to decide whether to re-open it."""
        stmt = (
            select(
                Listing.platform_item_id,
                Listing.search_sig,
                Listing.detail_fetched_at,
                Listing.last_run_id,
                Listing.gone_at,
            )
            .join(Platform, Platform.id == Listing.platform_id)
            .where(Platform.code == platform_code)
        )
        return {
            row[0]: KnownListing(
                search_sig=row[1], detail_fetched_at=row[2], last_run_id=row[3], gone=row[4] is not None
            )
            for row in self.session.execute(stmt)
        }

    def set_search_sigs(self, platform_id: int, sigs: dict[str, str]) -> None:
        """One statement executed for the whole batch (executemany), not one round trip per listing."""
        if not sigs:
            return
        table = Listing.__table__
        stmt = (
            update(table)
            .where(
                table.c.platform_id == bindparam("b_platform"),
                table.c.platform_item_id == bindparam("b_item"),
            )
            .values(search_sig=bindparam("b_sig"))
        )
        self.session.flush()
        self.session.connection().execute(
            stmt,
            [{"b_platform": platform_id, "b_item": item_id, "b_sig": sig} for item_id, sig in sigs.items()],
        )

    def touch(self, platform_id: int, item_ids: list[str], now: datetime, run_id: int | None) -> int:
        """Listings seen again unchanged: only ``last_seen_at`` and the run move on. Returns how many
        were gone and are back (those count as changed)."""
        if not item_ids:
            return 0
        back = list(
            self.session.scalars(
                select(Listing.id).where(
                    Listing.platform_id == platform_id,
                    Listing.platform_item_id.in_(item_ids),
                    Listing.gone_at.is_not(None),
                )
            )
        )
        self.session.execute(
            update(Listing)
            .where(Listing.platform_id == platform_id, Listing.platform_item_id.in_(item_ids))
            .values(last_seen_at=now, last_run_id=run_id, gone_at=None)
            .execution_options(synchronize_session=False)
        )
        if back:
            self.session.execute(
                update(Listing).where(Listing.id.in_(back)).values(available=True, last_changed_at=now)
            )
        return len(back)

    def field_counts(self, platform_id: int, run_id: int) -> dict[str, int]:
        """Of the listings seen in this run on this platform: how many, and how many have each monitored
        field (id, title, price — a masked price is a price the page states —, shop, image)."""

        def having(condition: object) -> object:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        has_image = exists().where(ListingImage.listing_id == Listing.id)
        row = self.session.execute(
            select(
                func.count(Listing.id),
                having(Listing.platform_item_id != ""),
                having(Listing.title != ""),
                having(Listing.price.is_not(None) | Listing.price_masked.is_(True)),
                having(Listing.seller_id.is_not(None)),
                having(has_image),
            ).where(Listing.platform_id == platform_id, Listing.last_run_id == run_id)
        ).one()
        return dict(
            zip(("rows", "id", "title", "price", "shop", "image"), (int(v or 0) for v in row), strict=True)
        )

    def mark_gone(self, platform_id: int, category_code: str, run_id: int, now: datetime) -> int:
        """Listings of a fully searched platform × category not seen in this run: taken down."""
        category = self.session.scalar(select(Category).where(Category.code == category_code))
        if category is None:
            return 0
        stmt = select(Listing).where(
            Listing.platform_id == platform_id,
            Listing.category_id == category.id,
            Listing.gone_at.is_(None),
            (Listing.last_run_id.is_(None)) | (Listing.last_run_id != run_id),
        )
        rows = list(self.session.scalars(stmt))
        for row in rows:
            row.gone_at = now
            row.available = False
            row.last_changed_at = now
        self.session.flush()
        return len(rows)

    def images_missing(self, platform_id: int, item_ids: list[str]) -> dict[str, list[str]]:
        """Image URLs of these listings that are not downloaded yet, by item id."""
        if not item_ids:
            return {}
        stmt = (
            select(Listing.platform_item_id, ListingImage.source_url)
            .join(ListingImage, ListingImage.listing_id == Listing.id)
            .where(
                Listing.platform_id == platform_id,
                Listing.platform_item_id.in_(item_ids),
                ListingImage.image_id.is_(None),
            )
            .order_by(ListingImage.position)
        )
        missing: dict[str, list[str]] = {}
        for item_id, url in self.session.execute(stmt):
            missing.setdefault(item_id, []).append(url)
        return missing

    def mark_done(self, run: CrawlRun, key: str) -> None:
        summary = dict(run.summary or {})
        done = list(summary.get("done", []))
        if key not in done:
            done.append(key)
        summary["done"] = done
        run.summary = summary

    def done(self, run_id: int) -> set[str]:
        run = self.session.get(CrawlRun, run_id)
        return set((run.summary or {}).get("done", [])) if run else set()
