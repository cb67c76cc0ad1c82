"""Two workers storing the same new seller and listing at once on PostgreSQL: the second waits for the
first, then updates what it inserted, instead of failing its whole batch on a unique violation."""

from __future__ import annotations

import threading
from decimal import Decimal

from sqlalchemy import func, select

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.items import ListingItem
from crawler.storage.engine import make_engine, make_session_factory, transaction
from crawler.storage.models import Listing, Seller
from crawler.storage.repositories import CategoryRepository, ListingRepository, PlatformRepository


def item(price: str) -> ListingItem:
    return ListingItem(
        platform="jd",
        item_id="100200300",
        title="KN95 口罩",
        category="mask",
        price=Decimal(price),
        seller_id="shop-1",
        seller_name="小狐狸旗舰店",
    )


def test_the_same_new_seller_and_listing_stored_at_once(empty_postgres, clock):
    engine = make_engine(empty_postgres)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)
    first, second = sessions(), sessions()
    outcome: dict[str, object] = {}

    def store_second() -> None:
        try:
            outcome["result"] = ListingRepository(second).upsert_batch([item("9.90")], clock.now())
            second.commit()
        except Exception as exc:  # reported below
            outcome["error"] = exc

    try:
        assert ListingRepository(first).upsert_batch([item("8.80")], clock.now()).new
        # the first transaction is still open: the second's inserts wait on its unique keys
        thread = threading.Thread(target=store_second)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive(), "the second writer waits for the first"
        first.commit()
        thread.join(30)
        assert "error" not in outcome, outcome.get("error")
        result = outcome["result"]
        assert not result.new and len(result.changed) == 1
    finally:
        first.close()
        second.close()
    with sessions() as session:
        assert session.scalar(select(func.count(Seller.id))) == 1
        assert session.scalar(select(func.count(Listing.id))) == 1
        listing = ListingRepository(session).get("jd", "100200300")
        assert listing.price == Decimal("9.90") and listing.seller.name == "小狐狸旗舰店"
        assert len(listing.snapshots) == 2
    engine.dispose()
