"""Follow-ups of reported flags: takedown re-checks and the search for relisted copies (both backends)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.config import load_settings
from crawler.context import AppContext
from crawler.items import ListingItem
from crawler.storage.engine import transaction
from crawler.storage.models import AuditEntry, Flag, FlagStatus, Image, ReviewDecision
from crawler.storage.repositories import CategoryRepository, ListingRepository, PlatformRepository
from scheduler.followups import relisting_search, takedown_recheck

PHOTO = 0x9F3A_5C71_0E2B_D468


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _listing(
    repo: ListingRepository, now, item_id: str, seller: str, platform: str = "jd", model: str = "PB-20K"
):
    repo.upsert_batch(
        [
            ListingItem(
                platform=platform,
                item_id=item_id,
                title=f"充电宝 {model} 20000毫安",
                category="power_bank",
                price=Decimal("59"),
                seller_id=seller,
                seller_name=f"店铺{seller}",
                model=model,
                image_urls=[f"https://img.example/{item_id}.jpg"],
            )
        ],
        now,
    )
    return repo.get(platform, item_id)


def _photo(session, listing, phash: int, now) -> None:
    image = Image(sha256=f"{listing.id:064d}", phash=_signed(phash), created_at=now)
    session.add(image)
    session.flush()
    listing.images[0].image_id = image.id


def test_relisted_copies_are_flagged_once_and_takedowns_recorded(sessions, engine, clock, tmp_path):
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)
        repo = ListingRepository(session)
        now = clock.now()
        original = _listing(repo, now, "1001", "s1")
        by_photo = _listing(repo, now, "2002", "s2", platform="pdd", model="X9")
        by_seller = _listing(repo, now, "1003", "s1")
        unrelated = _listing(repo, now, "1004", "s4", model="OTHER-1")
        _photo(session, original, PHOTO, now)
        _photo(session, by_photo, PHOTO ^ 0b101, now)  # re-encoded copy: 2 bits apart
        _photo(session, unrelated, PHOTO ^ 0xFFFF_FFFF, now)  # 32 bits apart
        flag = Flag(
            listing_id=original.id,
            kind="match",
            subject="entry:1",
            risk_score=0.9,
            status=FlagStatus.CONFIRMED,
            created_at=now,
            updated_at=now,
        )
        session.add(flag)
        session.flush()
        session.add(ReviewDecision(flag_id=flag.id, decision="confirm", decided_at=now))
        flag_id, original_id = flag.id, original.id
        expected = {by_photo.id, by_seller.id}
    context = AppContext(
        settings=load_settings(
            data_dir=tmp_path, database_url=str(engine.url.render_as_string(hide_password=False))
        ),
        clock=clock,
    )
    clock.advance(timedelta(days=8))
    with transaction(sessions) as session:
        ListingRepository(session).mark_gone("jd", "power_bank", {"1003", "1004"}, clock.now())
    result = takedown_recheck(context, after_days=7, capture=False).to_json()
    assert result["checked"] == 1 and result["removed"] == 1
    first = relisting_search(context)
    assert first == {"taken_down": 1, "candidates": 2, "flags_created": 2}
    assert relisting_search(context)["flags_created"] == 0, "a copy is flagged once per original"
    with sessions() as session:
        copies = list(session.scalars(select(Flag).where(Flag.kind == "relisting")))
        assert {f.listing_id for f in copies} == expected
        assert all(f.subject == f"listing:{original_id}" and f.risk_score == 0.9 for f in copies)
        reasons = {f.listing_id: " ".join(f.explanation) for f in copies}
        assert "photo distance 2/64" in reasons[by_photo.id]
        assert "same seller, model PB-20K" in reasons[by_seller.id]
        audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "takedown.recheck"))
        assert audit.object_id == str(flag_id) and audit.details["state"] == "removed"
    context.close()
