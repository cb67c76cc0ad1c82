"""Content checks: a capture must show what it claims (not blank, the listing's title, price and shop, no wall)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crawler.evidence.checks import (
    CaptureStatus,
    CheckReason,
    Expected,
    check_capture,
    price_shown,
    screenshot_stats,
    title_shown,
    visible_text,
)
from crawler.evidence.export import ExportError, export_flag
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.repository import EvidenceRepository
from crawler.evidence.retention import stats
from crawler.evidence.service import EvidenceService
from crawler.storage.models import EvidenceCapture
from tests.evidence.conftest import PAGE, add_listing, page_capture, page_png, png

TITLE = "儿童安全座椅 ISOFIX 接口 0-12岁"
EXPECTED = Expected(title=TITLE, price=Decimal("399.00"), shop="宝贝安全旗舰店")


def _check(html: str = PAGE, screenshot: bytes | None = None, **kwargs):
    return check_capture(
        expected=kwargs.pop("expected", EXPECTED),
        screenshot=page_png() if screenshot is None else screenshot,
        html=html,
        **kwargs,
    )


def test_a_rendered_page_passes_and_a_white_or_title_only_page_is_blank():
    assert _check().status is CaptureStatus.COMPLETE
    white = screenshot_stats(png((255, 255, 255), (412, 900)))
    assert white.blank and white.ink_share == 0
    result = _check(screenshot=png((255, 255, 255), (412, 900)))
    assert result.status is CaptureStatus.FAILED and result.reason is CheckReason.BLANK
    assert result.retryable


def test_a_title_on_white_is_blank():
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (412, 900), (255, 255, 255))
    ImageDraw.Draw(image).text((10, 10), "Kids Car Seat ISOFIX 0-12 years", fill=(0, 0, 0))
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    assert screenshot_stats(buffer.getvalue()).blank
    assert not screenshot_stats(page_png()).blank


def test_title_is_found_normalised_and_by_a_substantial_fragment():
    assert title_shown("Kids Car-Seat, ISOFIX", "<p>kids car seat isofix</p>")
    assert title_shown("ＡＢＣ－１２３ 儿童座椅", "abc123儿童座椅")  # full-width folds to half-width
    cut = TITLE[:12] + "…"
    assert title_shown(TITLE, cut)
    assert not title_shown(TITLE, "儿童 其他 商品")
    assert not title_shown("Philips hair dryer HP8230 2100W", "Philips shaver S5000")


def test_price_must_stand_alone_and_masked_prices_are_not_held_against_the_page():
    assert price_shown(Decimal("12.30"), "US $12.30")
    assert price_shown(Decimal("12.30"), "¥12.3")
    assert price_shown(Decimal("1299.00"), "¥1,299")
    assert not price_shown(Decimal("12.30"), "¥112.30")
    masked = PAGE.replace("¥ 399.00", "¥3??9 登录查看价格")
    result = _check(masked)
    assert result.status is CaptureStatus.COMPLETE and result.notes


def test_missing_price_or_shop_is_partial_missing_title_fails_and_the_data_is_told_apart():
    no_shop = _check(PAGE.replace("宝贝安全旗舰店", "某店"))
    assert no_shop.status is CaptureStatus.PARTIAL and no_shop.reason is CheckReason.SHOP_MISSING
    no_price = _check(PAGE.replace("399.00", "—"))
    assert no_price.status is CaptureStatus.PARTIAL and no_price.reason is CheckReason.PRICE_MISSING
    empty = "<html><body><div id='root'></div><script>window.rawData={}</script></body></html>"
    assert _check(empty).reason is CheckReason.TITLE_MISSING
    in_data = _check(empty, data_bodies=[f'<script>window.rawData={{"goodsName":"{TITLE}"}}</script>'])
    assert in_data.reason is CheckReason.TITLE_NOT_SHOWN and in_data.status is CaptureStatus.FAILED


@pytest.mark.parametrize(
    ("html", "url", "status", "reason"),
    [
        (
            "<html><head><title>安全验证</title></head><body>请完成安全验证，拖动滑块</body></html>",
            "https://mobile.yangkeduo.com/psnl_verification.html",
            200,
            CheckReason.BLOCKED,
        ),
        (
            "<html><body>手机号登录</body></html>",
            "https://mobile.yangkeduo.com/login.html?from=x",
            200,
            CheckReason.BLOCKED,
        ),
        (
            "<html><body>Sorry, this item is no longer available!</body></html>",
            "",
            200,
            CheckReason.ERROR_PAGE,
        ),
        ("<html><body><h1>502</h1></body></html>", "", 502, CheckReason.ERROR_PAGE),
    ],
)
def test_walls_and_error_pages_fail_without_retry(html, url, status, reason):
    result = _check(html, final_url=url, http_status=status)
    assert result.status is CaptureStatus.FAILED and result.reason is reason
    assert not result.retryable


def test_visible_text_leaves_out_scripts_styles_and_the_head():
    html = "<html><head><title>T</title><style>p{}</style></head><body><p>a</p><script>var x='b'</script></body></html>"
    assert visible_text(html) == "a"


def test_a_blank_capture_is_stored_failed_with_its_reason_shown_in_stats_and_refused_by_export(
    evidence_context, tmp_path
):
    service = EvidenceService(evidence_context)
    listing_id, flag_id = add_listing(evidence_context, "1")
    target = service.target_for_listing(listing_id, flag_id=flag_id)
    blank = page_capture()
    blank.screenshot = png((255, 255, 255), (412, 900))
    outcome = service.record(target, blank)
    assert outcome.status is CaptureStatus.FAILED and outcome.reason == "blank_screenshot"
    assert outcome.log_seq == 1  # stored and logged all the same
    layout = EvidenceLayout.from_settings(evidence_context.settings)
    with evidence_context.sessions() as session:
        capture = session.get(EvidenceCapture, outcome.capture_id)
        assert (capture.status, capture.check_reason) == ("failed", "blank_screenshot")
        assert "ink" in capture.check_detail
        manifest = layout.store.get(capture.manifest_sha256).decode()
        assert '"blank_screenshot"' in manifest
        data = stats(layout, session, evidence_context.clock.now(), 90)
        assert data["captures_by_status"] == {"failed": 1}
        assert data["captures_by_check_reason"] == {"blank_screenshot": 1}
        with pytest.raises(ExportError, match="do not show the listing.*--allow-partial"):
            export_flag(
                layout,
                session,
                flag_id,
                tmp_path / "refused",
                exported_at=evidence_context.clock.now(),
                pdf=False,
            )
        result = export_flag(
            layout,
            session,
            flag_id,
            tmp_path / "marked",
            exported_at=evidence_context.clock.now(),
            pdf=False,
            allow_partial=True,
        )
    assert any("failed" in note for note in result.notes)
    package = (tmp_path / "marked" / "package.json").read_text(encoding="utf-8")
    assert '"check_reason": "blank_screenshot"' in package and '"status": "failed"' in package
    assert "blank_screenshot" in (tmp_path / "marked" / "summary.html").read_text(encoding="utf-8")
    ok = service.record(target, page_capture(shade=3))
    assert ok.status is CaptureStatus.COMPLETE and ok.reason is None
    with evidence_context.sessions() as session:
        assert EvidenceRepository(session).status_counts() == {"failed": 1, "complete": 1}
