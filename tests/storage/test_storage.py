"""The storage suite: every test here runs on SQLite and on PostgreSQL (the ``db_url`` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.items import ListingItem
from crawler.storage import migrate
from crawler.storage.engine import transaction
from crawler.storage.models import (
    AuditEntry,
    CrawlRun,
    Flag,
    FlagStatus,
    Listing,
    ListingSnapshot,
    ListType,
    ReferenceEntry,
    Role,
    RunStatus,
    Seller,
)
from crawler.storage.repositories import (
    AuditRepository,
    CategoryRepository,
    ListingRepository,
    PlatformRepository,
    ReferenceRepository,
    RunRepository,
    UserRepository,
)


@pytest.fixture
def loaded(sessions, clock):
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)
    return sessions


def item(**overrides) -> ListingItem:
    data = dict(
        platform="jd",
        item_id="100012345678",
        title="小太阳取暖器 家用节能 速热电暖器",
        url="https://item.m.jd.com/product/100012345678.html",
        category="space_heater",
        price=Decimal("129.00"),
        seller_id="1000001",
        seller_name="暖阳电器旗舰店",
        image_urls=["https://img14.360buyimg.com/n1/jfs/a.jpg"],
    )
    data.update(overrides)
    return ListingItem(**data)


def test_migrations_reach_head_and_downgrade_cleanly(engine):
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision(engine)


def test_datetimes_round_trip_as_utc(loaded, clock):
    shanghai = timezone(timedelta(hours=8))
    started = datetime(2026, 11, 21, 2, 30, tzinfo=shanghai)
    with transaction(loaded) as session:
        run = CrawlRun(started_at=started, status=RunStatus.RUNNING)
        session.add(run)
        session.flush()
        run_id = run.id
    with loaded() as session:
        stored = session.get(CrawlRun, run_id).started_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 11, 20, 18, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused(loaded):
    with pytest.raises(StatementError, match="naive datetime"), transaction(loaded) as session:
        session.add(CrawlRun(started_at=datetime(2026, 1, 1), status=RunStatus.RUNNING))
        session.flush()


def test_audit_log_is_append_only(loaded, clock):
    with transaction(loaded) as session:
        entry = AuditRepository(session, clock).record("flag.confirm", "flag", 7, actor="analyst1")
        entry_id = entry.id
    for statement in (
        "UPDATE audit_log SET action = 'x' WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"), transaction(loaded) as session:
            session.execute(text(statement), {"id": entry_id})
    with loaded() as session:
        assert session.get(AuditEntry, entry_id).action == "flag.confirm"
        assert [e.action for e in AuditRepository(session, clock).trail("flag", 7)] == ["flag.confirm"]


def test_listing_upsert_is_idempotent_with_snapshots_only_on_change(loaded, clock):
    with transaction(loaded) as session:
        first = ListingRepository(session).upsert_batch([item()], clock.now())
    assert len(first.new) == 1
    clock.advance(timedelta(days=1))
    with transaction(loaded) as session:
        again = ListingRepository(session).upsert_batch([item()], clock.now())
    assert again.unchanged == first.new
    clock.advance(timedelta(days=1))
    with transaction(loaded) as session:
        changed = ListingRepository(session).upsert_batch([item(price=Decimal("99.00"))], clock.now())
    assert changed.changed == first.new
    with loaded() as session:
        listing = ListingRepository(session).get("jd", "100012345678")
        assert listing.price == Decimal("99.00")
        assert [s.price for s in listing.snapshots] == [Decimal("129.00"), Decimal("99.00")]
        assert listing.last_seen_at == clock.now()
        assert (
            session.scalar(select(Listing).where(Listing.platform_item_id == "100012345678")).id == listing.id
        )
        assert len(list(session.scalars(select(Seller)))) == 1


def test_sparse_sighting_keeps_detail_fields_and_is_not_a_change(loaded, clock):
    detailed = item(
        brand="暖阳",
        model="NY-H2000",
        specs={"型号": "NY-H2000"},
        barcodes=["6901234567892"],
        image_urls=["https://img14.360buyimg.com/n1/jfs/a.jpg", "https://img14.360buyimg.com/n1/jfs/b.jpg"],
        detail_fetched=True,
    )
    with transaction(loaded) as session:
        ListingRepository(session).upsert_batch([detailed], clock.now())
    search_row = item(image_urls=[], seller_name=None)
    with transaction(loaded) as session:
        result = ListingRepository(session).upsert_batch([search_row], clock.now())
    assert len(result.unchanged) == 1
    with loaded() as session:
        listing = ListingRepository(session).get("jd", "100012345678")
        assert listing.model == "NY-H2000" and listing.barcodes == ["6901234567892"]
        assert [i.source_url for i in listing.images][-1].endswith("b.jpg")
        assert len(listing.snapshots) == 1


def test_masked_price_is_stored_as_unknown(loaded, clock):
    with transaction(loaded) as session:
        ListingRepository(session).upsert_batch([item(price=Decimal("1999"), price_masked=True)], clock.now())
    with loaded() as session:
        listing = ListingRepository(session).get("jd", "100012345678")
        assert listing.price is None and listing.price_masked is True


def test_gone_listings_are_marked_and_come_back_as_a_change(loaded, clock):
    with transaction(loaded) as session:
        ListingRepository(session).upsert_batch([item(), item(item_id="2")], clock.now())
    clock.advance(timedelta(days=1))
    with transaction(loaded) as session:
        gone = ListingRepository(session).mark_gone("jd", "space_heater", {"2"}, clock.now())
    assert len(gone) == 1
    with transaction(loaded) as session:
        back = ListingRepository(session).upsert_batch([item()], clock.now())
    assert back.changed == gone


def test_run_coverage_distinguishes_blocked_from_empty(loaded, clock):
    with transaction(loaded) as session:
        runs = RunRepository(session, clock)
        run = runs.start("nightly")
        jd = PlatformRepository(session).by_code("jd")
        tb = PlatformRepository(session).by_code("taobao")
        heater = CategoryRepository(session, clock).by_code("space_heater")
        empty = runs.stat(run, jd, heater)
        runs.add_counts(empty, requests=2, pages_fetched=2)
        blocked = runs.stat(run, tb, heater)
        runs.add_counts(blocked, requests=1)
        runs.mark_blocked(blocked, "RGV587_ERROR slider captcha")
        runs.finish(run)
        run_id = run.id
    with loaded() as session:
        run = RunRepository(session, clock).get(run_id)
        assert run.status == RunStatus.PARTIAL
        by_platform = {s.platform.code: s for s in run.stats}
        assert by_platform["jd"].blocked is False and by_platform["jd"].listings_seen == 0
        assert by_platform["taobao"].blocked is True and "RGV587" in by_platform["taobao"].block_reason


def test_listing_key_is_unique_per_platform(loaded, clock):
    with pytest.raises(IntegrityError), transaction(loaded) as session:
        platform = PlatformRepository(session).by_code("jd")
        for _ in range(2):
            session.add(
                Listing(
                    platform_id=platform.id,
                    platform_item_id="dup",
                    first_seen_at=clock.now(),
                    last_seen_at=clock.now(),
                    last_changed_at=clock.now(),
                )
            )
        session.flush()


def test_reference_versions_keep_history(loaded, clock):
    def entry(key: str, model: str) -> ReferenceEntry:
        return ReferenceEntry(
            ref_key=key,
            entry_hash=key + model,
            list_type=ListType.RECALL,
            product_name="Space heater",
            models=[model],
            raw={"id": key},
        )

    with transaction(loaded) as session:
        repo = ReferenceRepository(session, clock)
        lst = repo.get_or_create_list("eu-safety-gate", "EU Safety Gate", ListType.RECALL)
        repo.add_version(lst, [entry("A1", "H-1")], file_name="w30.xml")
        repo.add_version(lst, [entry("A1", "H-1"), entry("A2", "H-2")], file_name="w31.xml")
    with loaded() as session:
        repo = ReferenceRepository(session, clock)
        lst = repo.get_or_create_list("eu-safety-gate", "EU Safety Gate", ListType.RECALL)
        assert [v.number for v in lst.versions] == [1, 2]
        assert [v.active for v in lst.versions] == [False, True]
        assert sorted(e.ref_key for e in repo.active_entries()) == ["A1", "A2"]
        assert repo.count_entries() == 3


def test_flags_users_and_decisions(loaded, clock):
    with transaction(loaded) as session:
        ListingRepository(session).upsert_batch([item()], clock.now())
        listing = ListingRepository(session).get("jd", "100012345678")
        user = UserRepository(session, clock).add("analyst1", "argon2-hash", Role.ANALYST)
        flag = Flag(
            listing_id=listing.id,
            kind="match",
            subject="entry:1",
            risk_score=0.9,
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        session.add(flag)
        session.flush()
        assert flag.status == FlagStatus.OPEN
        assert UserRepository(session, clock).by_name("analyst1").role == Role.ANALYST
        assert user.created_at == clock.now()


def test_categories_sync_reports_changes_and_deactivates(loaded, clock):
    specs = load_categories().categories
    edited = [s.model_copy(update={"priority": 5}) if s.code == "towel" else s for s in specs[1:]]
    with transaction(loaded) as session:
        report = CategoryRepository(session, clock).sync(edited)
    assert report.changed == ["towel"]
    assert report.deactivated == [specs[0].code]
    with transaction(loaded) as session:
        assert CategoryRepository(session, clock).sync(edited).changed == []
        assert len(CategoryRepository(session, clock).active()) == len(specs) - 1


def test_snapshot_rows_reference_their_run(loaded, clock):
    with transaction(loaded) as session:
        run = RunRepository(session, clock).start()
        ListingRepository(session).upsert_batch([item()], clock.now(), run_id=run.id)
        run_id = run.id
    with loaded() as session:
        snap = session.scalar(select(ListingSnapshot))
        assert snap.run_id == run_id and snap.data["title"].startswith("小太阳")


def test_migrations_form_one_line():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from crawler.storage.migrate import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; chain the newest onto the others"
