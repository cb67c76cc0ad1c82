"""From demo-like data: plan, approve, buy, export to a lab, import its results, and the failed product
is a non-compliant reference entry; malformed result files change nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image
from sqlalchemy import select

from crawler.evidence.store import ObjectStore
from crawler.items import ListingItem
from crawler.purchases import lifecycle
from crawler.purchases.export import COLUMNS, THUMBNAIL_FILE_HEADER, THUMBNAIL_HEADER, export_for_lab
from crawler.purchases.plans import approve_plan, create_plan
from crawler.purchases.results import ResultsRefused, import_results
from crawler.purchases.settings import load_purchasing_settings
from crawler.purchases.thumbnails import placeholder_png
from crawler.storage.engine import transaction
from crawler.storage.models import (
    EvidenceArtefact,
    EvidenceCapture,
    Flag,
    FlagStatus,
    ListType,
    Purchase,
    PurchaseStatus,
    ReferenceList,
    Sample,
)
from crawler.storage.repositories import AuditRepository, ListingRepository, ReferenceRepository
from crawler.storage.repositories.purchases import PurchaseRepository

HEADERS = [h for _, h in COLUMNS]


def _screenshot(store: ObjectStore) -> str:
    image = Image.new("RGB", (400, 1200), (200, 30, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return store.put(out.getvalue()).sha256


def _bought(sessions, clock, demo, tmp_path):
    """Plan, approve, order, receive and send every purchase; a screenshot for the flagged jd listing."""
    store = ObjectStore(tmp_path / "evidence" / "objects")
    sha = _screenshot(store)
    jd0 = demo.listing_ids["jd:toys-jd-0"]
    with transaction(sessions) as s:
        capture = EvidenceCapture(
            listing_id=jd0, captured_at=clock.now(), requested_url="https://item.example/jd/toys/0"
        )
        capture.artefacts.append(
            EvidenceArtefact(name="screenshot.png", kind="screenshot", sha256=sha, size=1, mime="image/png")
        )
        s.add(capture)
        plan_id = create_plan(s, clock, "analyst1", "2026-12", Decimal("20000"), seed=7).plan.id
    with transaction(sessions) as s:
        approve_plan(s, clock, "chief", plan_id, load_purchasing_settings())
    clock.advance(timedelta(days=15))
    with transaction(sessions) as s:
        for n, p in enumerate(PurchaseRepository(s).plan_purchases(plan_id)):
            lifecycle.mark_ordered(s, clock, "buyer1", p.id, f"ORD-{n:04d}", p.expected_price)
            lifecycle.mark_received(s, clock, "liaison", p.id, "intact", [f"parcel/{n}.jpg"])
            lifecycle.send_to_lab(s, clock, "liaison", p.id)
    return plan_id, store


def test_plan_to_noncompliant_entry(sessions, clock, demo, tmp_path: Path) -> None:
    plan_id, store = _bought(sessions, clock, demo, tmp_path)
    jd0 = demo.listing_ids["jd:toys-jd-0"]
    with sessions() as s:
        purchases = PurchaseRepository(s).plan_purchases(plan_id)
        flagged = next(p for p in purchases if p.listing_id == jd0)
        lab_code = flagged.lab.code
        lab_purchases = [p for p in purchases if p.lab_id == flagged.lab_id]
        expected = {}
        for p in lab_purchases:
            listing = p.listing
            expected[p.sample.sample_code] = {
                "样品编号": p.sample.sample_code,
                "产品类别": listing.category.name_zh,
                "产品名称": listing.title,
                "商标/品牌": listing.brand,
                "规格型号": listing.model,
                "生产日期/批号": listing.specs["批号"],
                "标称生产企业": listing.specs["生产企业"],
                "电商平台": listing.platform.name,
                "店铺名称": listing.seller.name,
                "商品链接": listing.url,
                "购买价格(元)": p.price_paid,
                "订单号": p.order_no,
                "items": list(listing.category.test_items),
            }
        flagged_code = flagged.sample.sample_code

    out = tmp_path / "export"
    with transaction(sessions) as s:
        result = export_for_lab(s, clock, "liaison", lab_code, out, evidence_store=store)
    assert sorted(result.sample_codes) == sorted(expected)

    # XLSX: every field, and one embedded image per row
    wb = load_workbook(result.files["xlsx"])
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header == HEADERS + [THUMBNAIL_HEADER]
    seen = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        record = dict(zip(header, row, strict=False))
        seen[record["样品编号"]] = record
    assert set(seen) == set(expected)
    for code, want in expected.items():
        got = seen[code]
        for key, value in want.items():
            if key == "items":
                items = got["检验项目"].split("；")
                assert items[: len(value)] == value
                if code == flagged_code:
                    assert "小磁铁脱落" in items[-1], "the matched reference's hazard is a test item"
            elif key == "购买价格(元)":
                assert Decimal(str(got[key])).quantize(Decimal("0.01")) == value
            else:
                assert got[key] == value, (code, key)
    images = ws._images
    assert len(images) == len(expected)
    rows_with_image = sorted(img.anchor._from.row + 1 for img in images)
    assert rows_with_image == list(range(2, len(expected) + 2))
    assert all(img.anchor._from.col == len(HEADERS) for img in images)
    by_row = {img.anchor._from.row + 1: img._data() for img in images}
    row_of = {r[0].value: r[0].row for r in ws.iter_rows(min_row=2)}
    real = Image.open(io.BytesIO(by_row[row_of[flagged_code]]))
    assert real.getpixel((5, 5))[:3] == (200, 30, 30), "the evidence screenshot is the thumbnail"
    other = next(c for c in expected if c != flagged_code)
    assert by_row[row_of[other]] == placeholder_png(), "no screenshot: the 无截图 placeholder"

    # CSV: same fields, thumbnail file next to it
    with result.files["csv"].open(encoding="utf-8-sig", newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert list(csv_rows[0].keys()) == HEADERS + [THUMBNAIL_FILE_HEADER]
    assert sorted(r["样品编号"] for r in csv_rows) == sorted(expected)
    for r in csv_rows:
        want = expected[r["样品编号"]]
        for key, value in want.items():
            if key == "items":
                assert r["检验项目"] == seen[r["样品编号"]]["检验项目"]
            elif key == "购买价格(元)":
                assert Decimal(r[key]) == value
            else:
                assert r[key] == value, (r["样品编号"], key)
        thumb = out / r[THUMBNAIL_FILE_HEADER]
        assert thumb.is_file() and thumb.read_bytes() == by_row[row_of[r["样品编号"]]]

    # printable sheet: one page per sample, ID large and as a QR code
    html = result.files["html"].read_text("utf-8")
    assert html.count('class="sheet"') == len(expected)
    assert html.count("<svg") == len(expected)
    assert f'<h1 class="code">{flagged_code}</h1>' in html

    # results back: the flagged toy fails formaldehyde, everything else passes
    with sessions() as s:
        sent = [p for p in s.scalars(select(Purchase).where(Purchase.status == PurchaseStatus.SENT_TO_LAB))]
        codes = sorted(p.sample.sample_code for p in sent)
        taobao_flagged = next(p for p in sent if p.flag_id == demo.flag_ids["taobao:toys-taobao-1"])
        taobao_code = taobao_flagged.sample.sample_code
    wb = Workbook()
    ws = wb.active
    ws.append(["样品编号", "报告编号", "报告日期", "甲醛含量", "pH值", "可迁移元素", "检验结论"])
    for n, code in enumerate(codes):
        fail = code == flagged_code
        ws.append(
            [
                code,
                f"SH-2026-{n:04d}",
                "2026-12-04",
                "不合格" if fail else "合格",
                "合格",
                "/",
                "不合格" if fail else "合格",
            ]
        )
    results_file = tmp_path / "results.xlsx"
    wb.save(results_file)
    with transaction(sessions) as s:
        report = import_results(s, clock, "liaison", results_file)
    assert report.failed == [flagged_code]
    assert taobao_code in report.passed
    assert demo.flag_ids["taobao:toys-taobao-1"] in report.closed_flags

    with sessions() as s:
        sample = s.scalar(select(Sample).where(Sample.sample_code == flagged_code))
        assert sample.result == "fail" and sample.verdicts == {"甲醛含量": "fail", "pH值": "pass"}
        assert sample.purchase.status == PurchaseStatus.RESULT
        assert s.get(Flag, demo.flag_ids["taobao:toys-taobao-1"]).status == FlagStatus.CLOSED
        assert s.get(Flag, demo.flag_ids["jd:toys-jd-0"]).status == FlagStatus.CONFIRMED
        closed = AuditRepository(s, clock).trail("flag", demo.flag_ids["taobao:toys-taobao-1"])
        assert closed[-1].action == "flag.closed" and closed[-1].actor == "liaison"
        entries = [
            e for e in ReferenceRepository(s, clock).active_entries() if e.list_type == ListType.NONCOMPLIANT
        ]
        assert len(entries) == 1
        entry = entries[0]
        assert entry.ref_key == flagged_code
        assert entry.models == ["MX-001"] and entry.brand == "品牌0"
        assert entry.product_name == "toys 商品 jd 0"
        assert entry.manufacturer == "某某制造厂0" and entry.batches == ["B2026001"]
        assert "甲醛含量" in entry.hazard
        assert entry.photos == ["https://img.example/jd/toys/0.jpg"]
        assert entry.extra["report_no"].startswith("SH-2026-")
        assert entry.version.reference_list.code == "lab-results"
        # the recall list the listing matched is still active next to it
        assert any(e.list_type == ListType.RECALL for e in ReferenceRepository(s, clock).active_entries())


def test_second_failure_adds_a_version_keeping_the_first(sessions, clock, demo, tmp_path: Path) -> None:
    plan_id, _ = _bought(sessions, clock, demo, tmp_path)
    with sessions() as s:
        codes = sorted(p.sample.sample_code for p in PurchaseRepository(s).plan_purchases(plan_id))
    for n, code in enumerate(codes[:2]):
        path = tmp_path / f"r{n}.csv"
        path.write_text(f"sample id,report no,date,Lead\n{code},R-{n},2026-12-05,fail\n", encoding="utf-8")
        with transaction(sessions) as s:
            import_results(s, clock, "liaison", path)
    with sessions() as s:
        rlist = s.scalar(select(ReferenceList).where(ReferenceList.code == "lab-results"))
        assert [v.number for v in rlist.versions] == [1, 2]
        assert [v.active for v in rlist.versions] == [False, True]
        active = {e.ref_key for e in rlist.versions[-1].entries}
        assert active == set(codes[:2])


def test_malformed_results_change_nothing(sessions, clock, demo, tmp_path: Path) -> None:
    plan_id, _ = _bought(sessions, clock, demo, tmp_path)
    with sessions() as s:
        codes = sorted(p.sample.sample_code for p in PurchaseRepository(s).plan_purchases(plan_id))
    path = tmp_path / "bad.csv"
    path.write_text(
        "样品编号,报告编号,报告日期,甲醛含量,pH值\n"
        f"{codes[0]},R-1,2026-12-05,不合格,合格\n"
        f"{codes[1]},,2026-12-05,合格,合格\n"
        f"{codes[2]},R-3,2026-12-05,maybe,合格\n"
        "WG-2026-12-SH-9999,R-4,2026-12-05,合格,合格\n"
        f"{codes[3]},R-5,someday,合格,合格\n"
        f"{codes[0]},R-6,2026-12-05,合格,合格\n",
        encoding="utf-8",
    )
    with transaction(sessions) as s, pytest.raises(ResultsRefused) as info:
        import_results(s, clock, "liaison", path)
    found = {(p.location, p.field) for p in info.value.problems}
    assert ("row 3", "报告编号") in found
    assert ("row 4", "甲醛含量") in found
    assert ("row 6", "报告日期") in found
    assert ("row 7", "样品编号") in found
    assert ("row 5", "样品编号") in found, "a sample ID the system never issued"
    assert all(p.file == "bad.csv" for p in info.value.problems)
    with sessions() as s:
        assert all(sm.result is None for sm in s.scalars(select(Sample))), (
            "no sample got a verdict from a refused file"
        )
        assert s.scalar(select(ReferenceList).where(ReferenceList.code == "lab-results")) is None
        assert all(
            p.status == PurchaseStatus.SENT_TO_LAB for p in PurchaseRepository(s).plan_purchases(plan_id)
        )
    good = tmp_path / "unknown.csv"
    good.write_text(
        f"样品编号,报告编号,报告日期,甲醛含量\n{codes[0]},R-1,2026-12-05,不合格\nWG-2026-12-SH-9999,R-2,2026-12-05,合格\n",
        encoding="utf-8",
    )
    with transaction(sessions) as s, pytest.raises(ResultsRefused) as info:
        import_results(s, clock, "liaison", good)
    assert [(p.location, p.field) for p in info.value.problems] == [("row 3", "样品编号")]
    with sessions() as s:
        assert s.scalar(select(Sample).where(Sample.sample_code == codes[0])).result is None


def _fail_flagged_sample(sessions, clock, plan_id: int, flagged_listing: int, tmp_path: Path) -> str:
    """Import lab results in which the sample bought from ``flagged_listing`` fails; the rest pass."""
    with sessions() as s:
        purchases = PurchaseRepository(s).plan_purchases(plan_id)
        codes = sorted(p.sample.sample_code for p in purchases)
        failed = next(p.sample.sample_code for p in purchases if p.listing_id == flagged_listing)
    path = tmp_path / "results.csv"
    rows = [f"{c},R-{n},2026-12-05,{'不合格' if c == failed else '合格'}" for n, c in enumerate(codes)]
    path.write_text("样品编号,报告编号,报告日期,甲醛含量\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with transaction(sessions) as s:
        assert import_results(s, clock, "liaison", path).failed == [failed]
    return failed


def test_next_match_run_finds_the_failed_product_elsewhere(sessions, clock, demo, tmp_path: Path) -> None:
    from crawler.matching.run import run_matching

    first = run_matching(sessions, clock)
    assert first.mode == "full" and first.matches_created == 1, first
    plan_id, _ = _bought(sessions, clock, demo, tmp_path)
    failed_code = _fail_flagged_sample(sessions, clock, plan_id, demo.listing_ids["jd:toys-jd-0"], tmp_path)
    with sessions() as s:
        entry = next(
            e for e in ReferenceRepository(s, clock).active_entries() if e.list_type == ListType.NONCOMPLIANT
        )
        assert entry.ref_key == failed_code and entry.models == ["MX-001"] and entry.brand == "品牌0"
        entry_id = entry.id

    # the same toy, on another platform, by another shop, its model number and title written differently
    clock.advance(timedelta(days=1))
    elsewhere = ListingItem(
        platform="pdd",
        item_id="pdd-toy-relisted",
        title="【现货】品牌0 磁力积木 toys 商品 mx001 儿童益智拼装玩具",
        url="https://mobile.yangkeduo.com/goods.html?goods_id=9001",
        category="toys",
        price=Decimal("15.80"),
        seller_id="pdd-shop-9",
        seller_name="宝宝乐玩具专营店",
        brand="品牌0",
        model="mx 001",
        specs={"材质": "塑料"},
        image_urls=["https://img.example/pdd/toys/relisted.jpg"],
    )
    unrelated = ListingItem(
        platform="pdd",
        item_id="pdd-toy-other",
        title="【现货】品牌7 磁力积木 儿童益智拼装玩具 QZ-778",
        url="https://mobile.yangkeduo.com/goods.html?goods_id=9002",
        category="toys",
        price=Decimal("12.00"),
        seller_id="pdd-shop-9",
        seller_name="宝宝乐玩具专营店",
        brand="品牌7",
        model="QZ-778",
    )
    with transaction(sessions) as s:
        ListingRepository(s).upsert_batch([elsewhere, unrelated], clock.now())
        new_id = ListingRepository(s).get("pdd", "pdd-toy-relisted").id  # type: ignore[union-attr]
        other_id = ListingRepository(s).get("pdd", "pdd-toy-other").id  # type: ignore[union-attr]

    summary = run_matching(sessions, clock)
    assert summary.mode == "incremental", summary
    assert summary.listings_changed >= 2 and summary.flags_created >= 1, summary
    with sessions() as s:
        flags = list(s.scalars(select(Flag).where(Flag.listing_id == new_id, Flag.kind == "match")))
        found = next((f for f in flags if f.entry_id == entry_id), None)
        assert found is not None, [(f.entry_id, f.explanation) for f in flags]
        assert found.subject == f"entry:{entry_id}"
        assert found.list_type == ListType.NONCOMPLIANT
        assert found.status == FlagStatus.OPEN
        assert 0 < found.risk_score <= 1
        assert found.match_id is not None and any("MX-001" in r for r in found.explanation), found.explanation
        assert s.get(Flag, found.id).listing.platform.code == "pdd"
        assert not list(s.scalars(select(Flag).where(Flag.listing_id == other_id, Flag.entry_id == entry_id)))
