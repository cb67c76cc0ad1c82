"""The ``layout`` fault profile: JD's search switches, from ``layout_night`` on, to the real mobile
``searchm`` JSONP (the shape of the shared capture) or to a shape no page object knows."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from crawler.pages.base import PageOutcome
from crawler.pages.outcome import read_page
from tests.sandbox.client import jd_search

CAPTURES = Path(__file__).resolve().parents[3] / "shared" / "data" / "listings" / "real_captures" / "jd"


def _searchm(text: str) -> dict:
    assert text.startswith("searchCB(") and text.endswith(")")
    assert "\\x2F" in text and "/" not in text[len("searchCB(") : -1]  # slashes only as the \x2F escape
    return json.loads(text[len("searchCB(") : -1].replace("\\x2F", "/"))


def _keys(value: object) -> object:
    """The key structure of a JSON value (lists by their first element)."""
    if isinstance(value, dict):
        return {k: _keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys(value[0])] if value else []
    return type(value).__name__


@pytest.mark.sandbox(size=300, faults="layout", layouts="jd:searchm", layout_night=1, night=1)
def test_jd_searchm_has_the_real_captures_shape_and_reads(sandbox) -> None:
    response = jd_search(sandbox, "口罩")
    assert response.status == 200
    data = _searchm(response.text())
    served = data["data"]["searchm"]
    truth = {r["item_id"]: r for r in sandbox.truth("jd") if r.get("type") == "listing"}
    rows = served["Paragraph"]
    assert rows and all(row["wareid"] in truth for row in rows)
    assert rows[0]["Content"]["warename"] == truth[rows[0]["wareid"]]["title"]
    assert int(served["Head"]["Summary"]["ResultCount"]) >= len(rows)
    capture = next(iter(sorted(CAPTURES.glob("jd_searchm_*.json"))), None)
    if capture is not None:  # every key path the sandbox serves is one the real capture has
        real = json.loads(re.sub(r"\\x2F", "/", capture.read_text(encoding="utf-8")))["data"]["searchm"]
        real_row, served_row = _keys(real["Paragraph"])[0], _keys(rows)[0]
        assert set(served_row) <= set(real_row) and set(served_row["Content"]) <= set(real_row["Content"])
        assert set(_keys(served["Head"]["Summary"])) <= set(_keys(real["Head"]["Summary"]))
    result = read_page("jd", "search", response.body, "https://api.m.jd.com/api")
    assert result.status is PageOutcome.OK and len(result.rows) == len(rows)


@pytest.mark.sandbox(size=300, faults="layout", layouts="jd:unknown", layout_night=1, night=0)
def test_jd_switches_only_from_the_layout_night_and_unknown_is_layout_changed(sandbox) -> None:
    before = jd_search(sandbox, "口罩")
    assert read_page("jd", "search", before.body, "https://api.m.jd.com/api").status is PageOutcome.OK
    sandbox.sandbox.config = replace(sandbox.sandbox.config, night=1)  # the switch's night, same market
    after = jd_search(sandbox, "口罩")
    assert "ware_name" in after.text()
    assert (
        read_page("jd", "search", after.body, "https://api.m.jd.com/api").status is PageOutcome.LAYOUT_CHANGED
    )
