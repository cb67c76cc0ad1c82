"""The generated marketplace: deterministic, searchable without enumeration, planted entries, nights."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from crawler.sandbox.config import PLATFORMS, SandboxConfig
from crawler.sandbox.content import POSITIVE_TRAPS, Market
from crawler.sandbox.references import REAL_FILES, RealListError, load_pool, shipped_refs


def market(**kw) -> Market:
    kw.setdefault("references", "shipped")
    return Market(SandboxConfig(**kw))


def test_same_seed_same_marketplace_other_seed_other() -> None:
    a, b, c = market(seed=5, size=900), market(seed=5, size=900), market(seed=6, size=900)
    for platform in PLATFORMS:
        for index in (0, 17, 450, 899):
            assert a.listing(platform, index) == b.listing(platform, index)
    titles_a = [a.listing("jd", i).title for i in range(60)]
    titles_c = [c.listing("jd", i).title for i in range(60)]
    assert titles_a != titles_c
    assert [a.listing("jd", i).item_id for i in range(60)] != [c.listing("jd", i).item_id for i in range(60)]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_item_ids_decode_back_and_unknown_ids_do_not(platform: str) -> None:
    m = market(size=500)
    ids = {m.item_id(platform, i) for i in range(500)}
    assert len(ids) == 500
    for i in (0, 1, 250, 499):
        assert m.index_of(platform, m.item_id(platform, i)) == i
    bigger = market(size=5000)
    outside = [
        bigger.item_id(platform, i)
        for i in range(500, 5000)
        if m.index_of(platform, bigger.item_id(platform, i)) is None
    ]
    assert outside, "ids of listings that do not exist in the smaller marketplace must not resolve"
    assert m.index_of(platform, "not-an-id") is None


def test_every_search_term_returns_its_categorys_listings() -> None:
    m = market(size=900)
    for spec in m.specs:
        for language, terms in spec.search_terms.items():
            platform = "amazon" if language == "en" else "jd"
            for term in terms:
                page = m.search(platform, term, 1)
                assert page.listings, f"{term!r} found nothing"
                assert {x.category for x in page.listings} == {spec.code}, term


def test_unknown_keyword_is_an_honest_empty_result() -> None:
    page = market().search("jd", "量子引擎零件", 1)
    assert page.total == 0 and page.listings == []


def test_pages_partition_the_category_and_size_one_million_needs_no_enumeration() -> None:
    m = market(size=3000)
    seen = []
    page = 1
    while True:
        result = m.search("jd", "口罩", page)
        seen += [x.index for x in result.listings]
        if not result.has_more:
            break
        page += 1
    assert len(seen) == len(set(seen)) == m.slots("mask")
    big = market(size=1_000_000)
    made: list[int] = []
    listing = big.listing
    big.listing = lambda platform, index: made.append(index) or listing(platform, index)  # type: ignore[method-assign]
    start = time.perf_counter()
    result = big.search("jd", "口罩", 1000)
    # Page 1000 makes its own 30 listings and no others; the time bound is loose (a loaded machine) but
    # far below what enumerating a million listings takes.
    assert len(made) == 30 and len(set(made)) == 30
    assert time.perf_counter() - start < 10.0
    assert len(result.listings) == 30 and result.total == big.slots("mask") > 30_000


def test_titles_read_like_marketplace_titles() -> None:
    m = market(size=900)
    titles = [m.listing("jd", i).title for i in range(300)]
    assert sum("【" in t for t in titles) > 100
    assert sum(any(w in t for w in ("包邮", "正品", "新款")) for t in titles) > 100
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in titles)
    english = [m.listing("amazon", i).title for i in range(100)]
    assert all(t.isascii() or re.search(r"[A-Za-z]{3}", t) for t in english)


def test_each_block_plants_one_match_and_two_near_misses() -> None:
    m = market(size=30 * 20 * 3)  # three full blocks per category
    for platform in ("jd", "amazon"):
        listings = [m.listing(platform, i) for i in range(30 * 20 * 3)]
        # the traps (accessories, white labels, oddly written true listings) take plain slots of their
        # own; the block's match and two near misses are where they were
        kinds = Counter(x.kind for x in listings if x.product.trap is None)
        assert kinds["match"] == 30 * 3  # every category has a shipped reference entry
        assert kinds["near_miss"] == 30 * 3 * 2
        traps = Counter(x.product.trap for x in listings if x.product.trap)
        assert traps["accessory"] == 30 * 3 * 3, "three accessory listings per planted model"
        assert traps["white_label"] + traps["same_brand_other_product"] == 30 * 3
        assert sum(traps[t] for t in POSITIVE_TRAPS) == 30 * 3
        assert kinds["plain"] == 30 * 3 * 12


def test_matches_are_written_the_way_sellers_write() -> None:
    m = market(size=30 * 20 * 4)
    matches = [
        x
        for p in PLATFORMS
        for i in range(m.config.count())
        if (x := m.listing(p, i)).kind == "match" and x.product.trap is None
    ]
    variations = Counter(v for x in matches for v in x.variations)
    for expected in (
        "brand_in_shop_only",
        "model_fullwidth",
        "model_lower",
        "model_in_specs_only",
        "barcode_in_specs_only",
    ):
        assert variations[expected] > 0, expected
    for x in matches:
        ref = x.product.ref
        assert ref is not None and x.category == ref.category
        written = x.model_in_title or x.model_in_specs or ""
        assert _plain_model(ref.model) == _plain_model(written), (ref.model, written)
        if "brand_in_shop_only" in x.variations:
            assert ref.brand not in x.title and (
                ref.brand in x.shop_name or (ref.brand_zh or "@") in x.shop_name
            )
        if ref.barcode:
            assert (
                ref.barcode not in x.title
                and x.spec("条形码" if x.currency == "CNY" else ("UPC" if x.platform == "amazon" else "EAN"))
                == ref.barcode
            )


def _plain_model(text: str) -> str:
    ascii_text = text.translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
    return re.sub(r"[-_\s\u2010-\u2014\u3000]", "", ascii_text).lower()


def test_near_misses_of_each_kind() -> None:
    m = market(size=30 * 20 * 6)
    near = [
        x
        for i in range(m.config.count())
        if (x := m.listing("jd", i)).kind == "near_miss" and x.product.trap is None
    ]
    kinds = Counter(x.product.near_miss for x in near)
    assert set(kinds) == {"neighbour_model", "generic", "same_model_other_brand"}
    for x in near:
        ref = x.product.ref
        if x.product.near_miss == "neighbour_model":
            assert x.product.brand == ref.brand and x.product.model != ref.model
        elif x.product.near_miss == "same_model_other_brand":
            assert (
                x.product.model == ref.model and x.product.brand != ref.brand and x.category != ref.category
            )


def test_nights_add_change_take_down_and_relist() -> None:
    base = dict(seed=3, size=30 * 20 * 4)
    night0, night3 = market(**base), market(**base, night=3)
    assert night3.config.count() > night0.config.count()
    old = range(night0.config.count())
    taken = [i for i in old if not night3.listing("jd", i).alive(3)]
    changed = [i for i in old if night3.listing("jd", i).price != night0.listing("jd", i).price]
    retitled = [i for i in old if night3.listing("jd", i).title != night0.listing("jd", i).title]
    assert taken and changed and retitled
    new = [night3.listing("jd", i) for i in range(night0.config.count(), night3.config.count())]
    relists = [x for x in new if x.relist_of is not None]
    assert relists, "some new listings are relisted copies"
    for x in relists:
        origin = night3.listing("jd", x.relist_of)
        assert origin.down is not None and origin.down <= x.born
        assert x.product == origin.product and x.shop_name != origin.shop_name
    # the listings of night 0 keep their identity on later nights
    for i in (0, 5, 99):
        a, b = night0.listing("jd", i), night3.listing("jd", i)
        assert (a.item_id, a.product) == (b.item_id, b.product)


def test_shipped_reference_list_covers_every_category() -> None:
    refs = shipped_refs()
    assert len(refs) >= 30
    codes = {c.code for c in market().specs}
    assert codes <= {r.category for r in refs}
    assert all(r.brand and r.model for r in refs)


def test_real_reference_entries_when_the_shared_data_is_there() -> None:
    from tests.conftest import shared_data

    data = shared_data("recalls")
    codes = [c.code for c in market().specs]
    pool = load_pool(data.parent, codes)
    assert pool.origin == f"shared:{data.parent}", "the shared data is there: its real entries are used"
    real = [r for r in pool.refs if r.source != "sandbox-shipped"]
    assert real, "real entries are picked"
    assert pool == load_pool(data.parent, codes), "deterministic"
    assert all(r.category in codes and r.model for r in pool.refs)
    assert all(r.brand or (re.search(r"\d", r.model) and re.search(r"[A-Za-z]", r.model)) for r in pool.refs)
    assert len({r.source for r in real}) >= 2, "entries come from several sources"


def test_a_real_list_the_importer_cannot_read_is_named_not_passed_over(tmp_path) -> None:
    """A real file that is there but yields nothing (a broken importer, a damaged file) stops the marketplace
    with the file and the reason, instead of a quiet fall-back to the fictional list."""
    broken = tmp_path / REAL_FILES[1]
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json\n", encoding="utf-8")
    codes = [c.code for c in market().specs]
    with pytest.raises(RealListError) as caught:
        load_pool(tmp_path, codes)
    assert caught.value.path == broken
    assert "JSON" in caught.value.reason or "format" in caught.value.reason
    assert str(broken) in str(caught.value)


def test_absent_real_files_leave_the_shipped_list(tmp_path) -> None:
    codes = [c.code for c in market().specs]
    pool = load_pool(tmp_path, codes)
    assert pool.origin == "shipped"
    assert {r.source for r in pool.refs} == {r.source for r in shipped_refs() if r.category in codes}
