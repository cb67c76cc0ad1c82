"""The ground truth matches exactly what is served, on night 0 and later nights."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse

import imagehash
import pytest
from PIL import Image
from typer.testing import CliRunner

from crawler.cli import app
from crawler.sandbox import photos
from tests.sandbox.client import fetch, jd_search


def _cli_truth(tmp_path, *args: str) -> list[dict]:
    out = tmp_path / "truth.jsonl"
    result = CliRunner().invoke(
        app, ["sandbox", "truth", "--references", "shipped", "--out", str(out), *args]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert lines[0]["type"] == "meta"
    return lines[1:]


@pytest.mark.sandbox(seed=11, size=300, night=2)
def test_cli_truth_equals_what_jd_and_ocj_serve(sandbox, tmp_path) -> None:
    truth = _cli_truth(tmp_path, "--seed", "11", "--size", "300", "--night", "2")
    assert truth == sandbox.truth()
    cookies = sandbox.session("jd", "bureau-01")
    served: dict[str, dict] = {}
    for spec in sandbox.market.specs:
        page = 1
        while True:
            data = jd_search(sandbox, spec.search_terms["zh"][0], page, cookies=cookies).json()["data"]
            for ware in data["wareList"]:
                served[ware["skuId"]] = ware
            if page * 30 >= data["resultCount"]:
                break
            page += 1
    jd_truth = {r["item_id"]: r for r in truth if r["platform"] == "jd"}
    live = {k for k, r in jd_truth.items() if r["status"] == "live"}
    assert set(served) == live
    for item_id, ware in served.items():
        record = jd_truth[item_id]
        assert (ware["name"], ware["price"], ware["shopName"]) == (
            record["title"],
            record["price"],
            record["shop_name"],
        )
    gone = [r for r in jd_truth.values() if r["status"] == "taken_down"]
    assert gone, "two nights take some listings down"
    for record in gone[:5]:
        assert "该商品已下柜" in fetch(sandbox, record["url"]).text()
    ocj = {r["item_id"]: r for r in truth if r["platform"] == "ocj"}
    items = fetch(
        sandbox, "https://m.ocj.com.cn/api/search?keyword=" + urllib.parse.quote("口罩") + "&size=50"
    ).json()
    for item in items["data"]["items"]:
        assert (
            ocj[item["itemCode"]]["title"] == item["itemName"] and ocj[item["itemCode"]]["status"] == "live"
        )


def test_truth_kinds_refs_and_relists(tmp_path) -> None:
    truth = _cli_truth(tmp_path, "--seed", "4", "--size", "1200", "--night", "3", "--no-plain")
    kinds = {r["kind"] for r in truth}
    assert kinds == {"match", "near_miss"} or kinds == {"match", "near_miss", "plain"}
    matches = [r for r in truth if r["kind"] == "match"]
    assert all(r["ref"]["source"] and r["ref"]["ref_id"] and r["ref"]["file"] for r in matches)
    near = {r["near_miss_kind"] for r in truth if r["kind"] == "near_miss"}
    assert near == {
        "neighbour_model",
        "generic",
        "same_model_other_brand",
        # the traps' listings that name a planted model without selling it
        "accessory",
        "white_label",
        "same_brand_other_product",
    }
    relists = [r for r in truth if r["relist_of"]]
    assert relists and all(r["born_night"] >= 1 for r in relists)
    by_id = {(r["platform"], r["item_id"]): r for r in truth}
    for r in relists:
        origin = by_id[(r["platform"], r["relist_of"]["item_id"])]
        assert origin["taken_down_night"] <= r["born_night"] and origin["shop_name"] != r["shop_name"]
        assert origin["ref"] == r["ref"]


@pytest.mark.sandbox(seed=2, size=900)
def test_listing_photos_stay_close_to_the_reference_photo_and_differ_between_products(sandbox) -> None:
    truth = sandbox.truth("jd")
    by_ref: dict[str, list[dict]] = {}
    for r in truth:
        if r["kind"] == "match" and r["trap"] is None:  # the edited-photo trap is tested apart
            by_ref.setdefault(r["ref"]["ref_id"], []).append(r)
    ref_id, listings = next((k, v) for k, v in by_ref.items() if len(v) >= 2)
    ref_photo = listings[0]["ref"]["photo"]
    conn_url = sandbox.url + ref_photo
    import urllib.request

    with urllib.request.urlopen(conn_url, timeout=10) as resp:  # noqa: S310 - the local sandbox
        reference = imagehash.phash(Image.open(io.BytesIO(resp.read())))

    def first_photo(record: dict) -> imagehash.ImageHash:
        page = fetch(sandbox, record["url"], cookies=sandbox.session("jd")).text()
        path = re.search(r"imageurl: '([^']+)'", page).group(1)
        return imagehash.phash(
            Image.open(io.BytesIO(fetch(sandbox, "https://img14.360buyimg.com/n1/" + path).body))
        )

    same = [first_photo(r) for r in listings[:2]]
    assert all(reference - h <= 12 for h in same), ref_id
    plain = [first_photo(r) for r in [r for r in truth if r["kind"] == "plain" and r["status"] == "live"][:6]]
    assert all(reference - h > 12 for h in plain)
    assert len({str(h) for h in plain}) == len(plain)


def test_variants_are_resized_recompressed_and_sometimes_watermarked() -> None:
    sizes = set()
    raw = set()
    for n in range(12):
        body = photos.variant_bytes(1, "ref:x", f"jd:{n}", 0)
        raw.add(body)
        sizes.add(Image.open(io.BytesIO(body)).size)
    assert len(raw) == 12 and len(sizes) >= 3


def test_refs_command_writes_a_generic_list_with_photos(tmp_path) -> None:
    result = CliRunner().invoke(app, ["sandbox", "refs", "--references", "shipped", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with (tmp_path / "references.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 30 and all(r["brand"] and r["model"] for r in rows)
    assert (tmp_path / rows[0]["image_paths"]).read_bytes()[:2] == b"\xff\xd8"
