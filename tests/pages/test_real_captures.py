"""Responses the platforms really served (../shared/data/listings/real_captures) read to their
hand-written expected files, field by field: one test per capture and field, so a failure names both.

The expected files were written by a separate script from the raw files; they are the truth and are
never regenerated here. Titles are compared exactly (the expected files keep the platforms' double
spaces, so no whitespace is normalised); prices as decimals ("146" and "146.00" are the same price).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from crawler.pages.base import PageOutcome
from crawler.pages.outcome import PageResult, read_page
from tests.conftest import SHARED_DATA, shared_data

ROOT = ("listings", "real_captures")
FIELDS = ("count", "id", "title", "price", "currency", "shop", "seller_id", "comments", "images")


def _captures() -> list[Path]:
    folder = SHARED_DATA.joinpath(*ROOT)
    if not folder.exists():
        return []
    return sorted(
        p for p in folder.glob("*/*") if p.is_file() and not p.name.endswith((".expected.json", ".md"))
    )


def _expected(path: Path) -> dict:
    return json.loads(path.with_name(path.name + ".expected.json").read_text("utf-8"))


def _cases() -> list[tuple[Path, str]]:
    cases = []
    for path in _captures():
        expected = _expected(path)
        present = {key for row in expected["rows"] for key in row}
        cases.extend((path, name) for name in FIELDS if name == "count" or name in present)
    return cases


_RESULTS: dict[Path, PageResult] = {}


def _read(path: Path) -> PageResult:
    if path not in _RESULTS:
        expected = _expected(path)
        market = expected.get("marketplace")
        url = f"https://www.{market}/s" if market else None
        _RESULTS[path] = read_page(expected["platform"], expected["kind"], path.read_bytes(), url)
    return _RESULTS[path]


def _rows(result: PageResult) -> list[dict]:
    return result.to_dict()["rows"]


CASES = _cases()


@pytest.mark.parametrize(
    "path, field",
    CASES or [(None, "absent")],
    ids=[f"{p.parent.name}/{p.name}-{f}" for p, f in CASES] or ["absent"],
)
def test_capture_reads_to_its_expected_field(path: Path | None, field: str) -> None:
    if path is None:
        shared_data(*ROOT, "README.md")
    expected = _expected(path)
    result = _read(path)
    assert result.status is PageOutcome.OK, result.problems
    assert result.layout, "every page names the layout it was read with"
    rows = _rows(result)
    if field == "count":
        assert len(rows) == expected["count"]
        return
    if field == "id":
        assert [row["id"] for row in rows] == [row["id"] for row in expected["rows"]]
        return
    got = {row["id"]: row for row in rows}
    for want in expected["rows"]:
        if field not in want:
            continue
        assert want["id"] in got, f"listing {want['id']} missing"
        value = got[want["id"]][field]
        if field == "price":
            value = None if value is None else Decimal(value)
            assert value == (None if want["price"] is None else Decimal(want["price"])), want["id"]
        elif field == "images":
            assert len(value) == want["images"], want["id"]
        else:
            assert value == want[field], want["id"]


def test_every_capture_has_an_expected_file() -> None:
    captures = _captures()
    if not captures:
        shared_data(*ROOT, "README.md")
    assert len(captures) == 12


def test_ads_are_marked_sponsored() -> None:
    """The proxy search page counts its ads; AliExpress marks a quarter of its entries ``ad``."""
    folder = shared_data(*ROOT)
    proxy = folder / "pdd" / "pdd_proxy_api_search_2019-06-15_page2.json"
    assert sum(row.sponsored for row in _read(proxy).rows) == _expected(proxy)["ads"]
    for path in sorted((folder / "aliexpress").glob("*.js")):
        rows = _read(path).rows
        assert sum(row.sponsored for row in rows) == 15 and not rows[0].sponsored
    amazon = folder / "amazon" / "amazon_in_search_cmf_buds_pricetag.html"
    rows = _read(amazon).rows
    assert rows[0].sponsored and not rows[2].sponsored


def test_result_counts_and_layouts() -> None:
    folder = shared_data(*ROOT)
    jd = _read(folder / "jd" / "jd_searchm_robam_trimmed5of40.json")
    assert jd.layout == "jd-searchm-2019" and jd.search.total == 202 and jd.search.has_next
    amazon = _read(folder / "amazon" / "amazon_in_search_cmf_buds_pricetag.html")
    assert amazon.layout == "amazon-2025" and amazon.search.has_next
    assert {row.currency for row in amazon.rows} == {"INR"}
    h5 = _read(folder / "taobao" / "tmall_h5_detail_item-data.js").item
    assert h5.layout == "taobao-h5-detail-2019"
    assert h5.item.brand == "卡贝琳" and h5.item.specs["货号"] == "L4491"  # spec values trimmed


def test_jsonp_of_any_callback_name() -> None:
    path = shared_data(*ROOT, "jd", "jd_searchm_robam_trimmed5of40.json")
    body = path.read_text("utf-8")
    for wrapped in (f"searchCB({body})", f"jQuery1234_5678({body});", f"/**/cb.x({body})"):
        result = read_page("jd", "search", wrapped)
        assert result.status is PageOutcome.OK and len(result.rows) == 5


def test_pdd_next_data_reindented_still_reads() -> None:
    path = shared_data(*ROOT, "pdd", "pdd_m_search_result_nextdata_2019-10-10.html")
    html = path.read_text("utf-8")
    start = html.index(">", html.index('id="__NEXT_DATA__"')) + 1
    end = html.index("</script>", start)
    pretty = json.dumps(json.loads(html[start:end]), ensure_ascii=False, indent=2)
    result = read_page("pdd", "search", html[:start] + "\n" + pretty + "\n" + html[end:])
    assert result.status is PageOutcome.OK and len(result.rows) == 20
