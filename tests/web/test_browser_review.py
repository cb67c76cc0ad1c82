"""An analyst's morning in a real browser against the real server: sign in, filter, open, decide."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.web.conftest import live_context
from tests.web.live import serving
from tests.web.seeding import PASSWORD, demo_dataset

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    context = live_context(tmp_path_factory.mktemp("review"))
    demo = demo_dataset(context.sessions, context.clock, context.settings.data_dir)  # type: ignore[arg-type]
    with serving(context) as url:
        yield url, demo, context
    context.close()


def _keep(shot: Path, name: str) -> None:
    """Screenshots for the README are refreshed on request: SURVEIL_UPDATE_SCREENSHOTS=1."""
    if os.environ.get("SURVEIL_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, DOCS / name)


def test_analyst_signs_in_filters_opens_confirms_and_orders_a_purchase(chromium_browser, live, tmp_path):
    url, demo, context = live
    browser_context = chromium_browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = browser_context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(f"{url}/queue")
        assert "/login" in page.url
        page.fill("#username", "analyst")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#queue")
        assert page.url.endswith("/queue")
        rows = page.locator("#queue tbody tr[data-flag]")
        assert rows.count() == 50 or rows.count() == len(demo.flag_ids)
        assert rows.first.get_attribute("data-flag") == str(demo.top_flag)
        queue_shot = tmp_path / "queue.png"
        page.screenshot(path=str(queue_shot), full_page=False)
        _keep(queue_shot, "queue.png")

        # the one script: select-all ticks every row (it runs under the strict CSP)
        page.check("#select-all")
        assert page.locator("input.pick:checked").count() == rows.count()
        page.uncheck("#select-all")

        page.select_option("#f-category", "power_bank")
        page.select_option("#f-list-type", "noncompliant")
        page.click("#f-apply")
        page.wait_for_load_state()
        assert "category=power_bank" in page.url
        titles = page.locator("#queue td.title").all_inner_texts()
        assert titles and all(("电源" in t or "Power Bank" in t) for t in titles)

        page.click(f'#queue tr[data-flag="{demo.top_flag}"] td.title a')
        page.wait_for_selector("#flag-heading")
        assert page.url.endswith(f"/flags/{demo.top_flag}")
        page.wait_for_function(
            "() => { const img = document.querySelector('#capture-screenshot');"
            " return img && img.complete && img.naturalWidth > 0; }",
            timeout=15000,
        )
        assert page.locator("#reasons mark").count() >= 2
        assert (
            page.locator("#reference-source a").get_attribute("href").startswith("https://www.samr.gov.cn/")
        )

        page.fill("#form-confirm input[name=note]", "型号与抽查不合格批次一致")
        page.click("#do-confirm")
        page.wait_for_selector("#decision-notice")
        assert "确认" in page.inner_text("#flag-heading")
        page.fill("#form-purchase input[name=note]", "送 SGS 检测输出电压")
        page.click("#do-purchase")
        page.wait_for_selector("#purchases")
        assert "计划中" in page.inner_text("#purchases")
        trail = page.locator("#audit-trail tbody tr").all_inner_texts()
        assert len(trail) == 2
        assert "analyst" in trail[0] and "型号与抽查不合格批次一致" in trail[0]
        assert "安排抽样购买" in trail[1] and "送 SGS 检测输出电压" in trail[1]
        assert re.match(r"2026-11-21 02:00:00", trail[0])
        flag_shot = tmp_path / "flag.png"
        page.screenshot(path=str(flag_shot), full_page=True)
        _keep(flag_shot, "flag.png")

        page.click("#lang-switch")
        page.wait_for_selector("#audit-trail")
        assert "Audit trail" in page.content() and "Test purchase ordered" in page.inner_text("#flag-heading")
        page.click("#nav-dashboard")
        page.wait_for_selector("#chart-coverage svg")
        assert page.locator("#chart-coverage g.cell-blocked").count() == 1
        dashboard_shot = tmp_path / "dashboard.png"
        page.screenshot(path=str(dashboard_shot), full_page=True)
        _keep(dashboard_shot, "dashboard.png")
        assert not problems, problems
    finally:
        browser_context.close()


def test_dismissal_needs_a_reason_in_the_browser(chromium_browser, live):
    url, demo, _ = live
    browser_context = chromium_browser.new_context()
    page = browser_context.new_page()
    try:
        page.goto(f"{url}/login?next=/flags/{demo.flag_ids[2]}")
        page.fill("#username", "analyst")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#flag-heading")
        page.click("#do-dismiss")  # the required reason stops the form in the browser
        assert page.locator("#decision-notice").count() == 0
        page.select_option("#dismiss-reason", "other_model")
        page.fill("#form-dismiss input[name=note]", "非同一型号")
        page.click("#do-dismiss")
        page.wait_for_selector("#decision-notice")
        assert "已驳回" in page.inner_text("#flag-heading")
    finally:
        browser_context.close()
