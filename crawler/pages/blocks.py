"""Recognise pages that are not content: captchas, risk checks, rate limits, login walls.

A recognised block is never parsed as listings. Each form named in the platforms' documented behaviour
is listed here, in one place, so that a new form is one edit.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlparse

from crawler.pages.base import Block
from crawler.pages.markup import strip_jsonp

#: mtop ``ret`` codes: what each means for the crawl. Token codes are handled by the token exchange.
MTOP_CODES = {
    "RGV587_ERROR": ("captcha", "mtop RGV587 slider captcha"),
    "FAIL_SYS_USER_VALIDATE": ("captcha", "mtop FAIL_SYS_USER_VALIDATE (slider captcha)"),
    "FAIL_SYS_SESSION_EXPIRED": ("login", "mtop session expired: the platform account must log in again"),
    "FAIL_SYS_ILLEGAL_ACCESS": ("risk", "mtop FAIL_SYS_ILLEGAL_ACCESS"),
    "FAIL_SYS_TRAFFIC_LIMIT": ("rate_limit", "mtop FAIL_SYS_TRAFFIC_LIMIT"),
}
MTOP_TOKEN_CODES = ("FAIL_SYS_TOKEN_EMPTY", "FAIL_SYS_TOKEN_EXOIRED", "FAIL_SYS_TOKEN_EXPIRED")

LOGIN_PATHS = (
    ("passport.jd.com", ""),
    ("plogin.m.jd.com", ""),
    ("login.m.jd.com", ""),
    ("login.taobao.com", ""),
    ("login.m.taobao.com", ""),
    ("login.tmall.com", ""),
    ("", "/login.html"),
    ("", "/ap/signin"),
    ("login.aliexpress.com", ""),
)


def _host_path(url: str) -> tuple[str, str]:
    parts = urlparse(url)
    return (parts.hostname or "").lower(), parts.path or "/"


def block_from_url(url: str) -> Block | None:
    """A block recognisable from a URL alone: where a redirect points, or where a page landed."""
    host, path = _host_path(url)
    if "/_____tmd_____/punish" in path or "x5secdata=" in url:
        return Block("captcha", f"slider captcha (punish page {host})")
    if host == "cfe.m.jd.com" and "risk_handler" in path:
        return Block("risk", "JD risk_handler verification redirect")
    if host == "trade.m.jd.com" and path.endswith("/limit.html"):
        return Block("rate_limit", "JD limit.html: too many requests from this address")
    if path.startswith("/errors/validateCaptcha"):
        return Block("captcha", "Amazon validateCaptcha")
    for login_host, login_path in LOGIN_PATHS:
        if (not login_host or host == login_host) and (not login_path or path.endswith(login_path)):
            return Block("login", f"login wall ({host}{path})")
    return None


def _json(text: str) -> Any:
    stripped = text.strip()
    if not stripped or len(stripped) > 2_000_000:
        return None
    candidate = strip_jsonp(stripped)
    if candidate[:1] not in "{[":
        return None
    try:
        return json.loads(candidate)
    except ValueError:
        return None


def block_from_json(data: Any) -> Block | None:
    if not isinstance(data, dict):
        return None
    ret = data.get("ret")
    if isinstance(ret, list):
        joined = " ".join(str(r) for r in ret)
        for code, (kind, reason) in MTOP_CODES.items():
            if code in joined:
                return Block(kind, reason)
    error_code = data.get("error_code")
    if error_code is not None:
        code = str(error_code)
        if code == "54001":
            return Block("captcha", "PDD 54001: anti_content verification required")
        if code == "40002":
            return Block("login", "PDD 40002: account restricted")
        if code in {"40001", "43001"}:
            return Block("login", f"PDD {code}: login required")
    code = str(data.get("code", ""))
    echo = str(data.get("echo", ""))
    if code == "605" or "needs to authenticate" in echo:
        return Block("risk", "JD 605: the request needs to authenticate (challenge)")
    if code == "1" and "no access" in echo:
        return Block("login", "JD 'no access': login or signature refused")
    if code == "3" and ("not login" in echo or "登录" in str(data.get("msg", ""))):
        return Block("login", "JD 'not login': the session has expired")
    return None


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_SCRIPT_JUMP = re.compile(r"location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*['\"]([^'\"]+)['\"]")
#: Words of the slider and picture challenges the Chinese platforms serve in place of a page.
SLIDER_MARKERS = ("拖动滑块", "向右滑动", "滑动验证", "请按住滑块", "请完成下列验证")


def block_from_html(text: str) -> Block | None:
    head = text[:20_000]
    title_match = _TITLE.search(head)
    title = title_match.group(1).strip() if title_match else ""
    if "/errors/validateCaptcha" in head or "captchacharacters" in head or title == "Robot Check":
        return Block("captcha", "Amazon validateCaptcha (Robot Check)")
    if "_____tmd_____/punish" in head:
        return Block("captcha", "slider captcha (punish page)")
    if "验证一下，购物无忧" in head or "请完成安全验证" in title:
        return Block("risk", "JD security verification page")
    if "risk_handler" in head and "cfe.m.jd.com" in head:
        return Block("risk", "JD risk_handler verification page")
    if "安全验证" in title or "验证码" in title or any(marker in head for marker in SLIDER_MARKERS):
        return Block("captcha", f"slider or picture verification page ({title or 'untitled'})")
    if len(text) < 5_000:  # a stub whose only job is to send the browser elsewhere (a login page)
        for target in _SCRIPT_JUMP.findall(head):
            found = block_from_url(target)
            if found:
                return found
    return None


def detect_block(response: Any) -> Block | None:
    """The block this response is, if any: by final URL, by status, by JSON envelope, by page markers."""
    url = getattr(response, "url", "") or ""
    found = block_from_url(url)
    if found:
        return found
    status = int(getattr(response, "status", 200) or 200)
    headers = getattr(response, "headers", None)
    if headers is not None and 300 <= status < 400:
        location = headers.get(b"Location") or headers.get("Location")
        if location:
            target = location.decode("latin-1") if isinstance(location, bytes) else str(location)
            found = block_from_url(target)
            if found:
                return found
    try:
        text = response.text
    except (AttributeError, ValueError):
        return Block("risk", f"HTTP {status}") if status == 403 else None
    data = _json(text)
    found = block_from_json(data) if data is not None else block_from_html(text)
    if found:
        return found
    if status == 403:
        return Block("risk", "HTTP 403 refused")
    return None


def mtop_ret(data: Any) -> str:
    """The first ``ret`` code of an mtop envelope (``"SUCCESS"``, ``"FAIL_SYS_TOKEN_EMPTY"`` …)."""
    if isinstance(data, dict) and isinstance(data.get("ret"), list) and data["ret"]:
        return str(data["ret"][0]).split("::", 1)[0]
    return ""


def is_token_failure(data: Any) -> bool:
    return mtop_ret(data) in MTOP_TOKEN_CODES
