"""A captcha on one product page costs that listing its product page tonight, not its category: the
search pages were all read, so the category is covered and may mark unseen listings gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.crawling.coverage import ITEM_BLOCK_LIMIT
from crawler.sandbox import faults
from tests.crawling.helpers import listings, run_crawl, session, stats, truth_live

SEED, RATE = 1, 0.15  # with these, 2 of the 10 JD mask product pages meet a captcha, the search page none


@pytest.mark.sandbox(seed=SEED, size=300, faults="captcha", fault_rate=RATE)
def test_a_captcha_on_a_product_page_does_not_block_the_category(sandbox, tmp_path: Path) -> None:
    truth = truth_live(sandbox, "jd", "mask")
    hit = {i for i in truth if faults.decide(SEED, frozenset({"captcha"}), f"jd|/product/{i}.html", 0, RATE)}
    assert 0 < len(hit) < ITEM_BLOCK_LIMIT
    result = run_crawl(
        tmp_path,
        sandbox.url,
        *("-p", "jd", "-c", "mask", "--depth", "1", "--max-terms", "1"),
        settings={"SURVEIL_BLOCK_RETRIES": 0},
    )
    assert result.returncode == 0, result.output[-3000:]
    with session(tmp_path) as db:
        (stat,) = stats(db, result.run_id)
        assert not stat.blocked, stat.block_reason
        stored = {row.platform_item_id: row for row in listings(db, "jd")}
        assert set(stored) == set(truth)  # the blocked ones from their search rows
        assert {i for i, row in stored.items() if row.detail_fetched_at is None} == hit
