"""Every label exists in Chinese and English; Chinese by default, switchable by query or cookie."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.storage.models import FlagStatus, ListType, PurchaseStatus, Role
from crawler.web.config import LANG_COOKIE
from crawler.web.i18n import EN, ZH, Translator, pick_lang

WEB = Path(__file__).resolve().parents[2] / "crawler" / "web"
LITERAL = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)+|[a-z_]+)["']""")


def test_both_languages_have_the_same_labels():
    assert set(ZH) == set(EN)
    assert all(ZH[k].strip() and EN[k].strip() for k in ZH)


def test_every_label_used_by_templates_and_routes_exists():
    used = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("routes/*.py")]:
        used |= set(LITERAL.findall(path.read_text("utf-8")))
    assert len(used) > 80
    assert sorted(used - set(ZH)) == []
    dynamic = (
        [f"status.{s.value}" for s in FlagStatus]
        + [f"list.{lt.value}" for lt in ListType]
        + [f"purchase.{p.value}" for p in PurchaseStatus]
        + [f"role.{r.value}" for r in Role]
        + [f"action.flag.{a}" for a in ("confirm", "dismiss", "purchase")]
        + [
            f"review.{c}"
            for c in ("unknown_action", "needs_reason", "no_flags", "unknown_flags", "purchase_exists")
        ]
        + [f"dash.legend.{k}" for k in ("blocked", "empty", "ok", "missing")]
    )
    assert sorted(set(dynamic) - set(ZH)) == []


def test_language_choice():
    assert pick_lang(None, None) == "zh-CN"
    assert pick_lang("en", "zh-CN") == "en"
    assert pick_lang("fr", "en") == "en"
    assert pick_lang("<script>", None) == "zh-CN"
    t = Translator("en")
    assert (
        t("queue.count", n=3) == "3 flags" and t.name("童装", "Children's clothing") == "Children's clothing"
    )
    assert Translator("zh-CN").name("童装", "Children's clothing") == "童装"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_pages_switch_language_by_query_then_cookie(client):
    page = client.get("/login")
    assert '<html lang="zh-CN">' in page.text and "用户名" in page.text
    english = client.get("/login?lang=en")
    assert '<html lang="en">' in english.text and "Username" in english.text
    assert client.cookies.get(LANG_COOKIE) == "en"
    assert "Username" in client.get("/login").text
    assert "用户名" in client.get("/login?lang=zh-CN").text
    assert "用户名" in client.get("/login").text
