"""Hostile titles, shops, specs and reference records never execute: proven in a real browser.

Each page is visited twice: with the app's Content-Security-Policy bypassed (escaping alone must hold)
and with it enforced (no violation may even be reported, i.e. nothing tried to run)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from crawler.sandbox.hostile import PAYLOADS
from tests.web.conftest import live_context
from tests.web.hostile import direct_hostile_listings, load_hostile
from tests.web.live import serving
from tests.web.seeding import PASSWORD

pytestmark = pytest.mark.browser

HOOKS = """
window.__xssFired = [];
window.__xss = function (n) { window.__xssFired.push(n); };
window.alert = window.confirm = window.prompt = function (m) { window.__xssFired.push('dialog:' + m); };
"""

INSPECT = """() => {
  const all = [...document.querySelectorAll('*')];
  return {
    fired: window.__xssFired,
    scripts: [...document.scripts].map(s => s.getAttribute('src')),
    handlers: all.flatMap(el => [...el.attributes].filter(a => a.name.toLowerCase().startsWith('on'))
                                                .map(a => el.tagName + '@' + a.name)),
    jsLinks: all.filter(el => ['href', 'src', 'action', 'data', 'formaction'].some(
        n => (el.getAttribute(n) || '').trim().toLowerCase().startsWith('javascript:'))).map(el => el.tagName),
    embeds: document.querySelectorAll('iframe, object, embed, marquee, video, details, math').length,
    text: document.body.innerText,
  };
}"""


def test_payload_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 30
    joined = " ".join(PAYLOADS).lower()
    for kind in ("<script", "onerror", "javascript:", "<svg", '"><', "{{7*7}}", "<iframe"):
        assert kind in joined


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    context = live_context(tmp_path_factory.mktemp("hostile"))
    ids = load_hostile(context.sessions, context.clock, direct_hostile_listings())  # type: ignore[arg-type]
    with serving(context) as url:
        yield url, ids
    context.close()


def _pages(url: str, ids: dict[str, list[int]]) -> list[str]:
    pages = [
        f"{url}/queue?status=any",
        f"{url}/queue?status=any&after={ids['flags'][5]}_x",
        f"{url}/dashboard",
    ]
    pages += [f"{url}/flags/{f}" for f in ids["flags"]]
    pages += [f"{url}/sellers/{s}" for s in ids["sellers"]]
    pages += [f"{url}/listings/{i}" for i in ids["listings"][:8]]
    pages += [
        f"{url}/queue?lang={quote(PAYLOADS[0])}&category={quote(PAYLOADS[3])}",
        f"{url}/flags/0{quote(PAYLOADS[4])}",
    ]
    return pages


def _sign_in(page, url: str) -> None:
    hostile_next = quote('/"><svg onload=__xss(99)>')
    page.goto(f"{url}/login?next={hostile_next}")
    page.fill("#username", "analyst")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()


@pytest.mark.parametrize("enforce_csp", [False, True], ids=["escaping-alone", "with-csp"])
def test_no_payload_executes_anywhere(chromium_browser, hostile_site, enforce_csp):
    url, ids = hostile_site
    browser_context = chromium_browser.new_context(bypass_csp=not enforce_csp)
    browser_context.add_init_script(HOOKS)
    dialogs: list[str] = []
    violations: list[str] = []
    page = browser_context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        _sign_in(page, url)
        pages = _pages(url, ids)
        if enforce_csp:
            pages = pages[:3] + pages[3:9] + pages[-6:]
        for address in pages:
            page.goto(address)
            page.wait_for_load_state("load")
            page.mouse.move(200, 300)
            page.mouse.move(600, 500)
            found = page.evaluate(INSPECT)
            assert found["fired"] == [], (address, found["fired"])
            assert found["scripts"] == ["/static/app.js"], address
            assert found["handlers"] == [], (address, found["handlers"])
            assert found["jsLinks"] == [], (address, found["jsLinks"])
            assert found["embeds"] == 0, address
            if "/flags/" in address and address.rsplit("/", 1)[1].isdigit():
                index = ids["flags"].index(int(address.rsplit("/", 1)[1]))
                assert PAYLOADS[index].strip() in found["text"], address  # shown literally, as text
        flag_text = page.goto(f"{url}/flags/{ids['flags'][PAYLOADS.index('{{7*7}}')]}")
        assert flag_text is not None
        assert "{{7*7}}" in page.inner_text("#listing-title") and "49" not in page.inner_text(
            "#listing-title"
        )
        assert dialogs == []
        assert violations == [], violations
    finally:
        browser_context.close()
