"""A tiny HTTP client for the sandbox tests: real requests through the sandbox used as a proxy."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

MOBILE_UA = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
DESKTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
H5ST_MS = 1763661600123
APP_KEY = "12574478"


@dataclass
class Resp:
    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str]

    def text(self, encoding: str = "utf-8") -> str:
        return self.body.decode(encoding)

    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(
    sandbox: Any,
    url: str,
    *,
    ua: str = MOBILE_UA,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    timeout: float = 10,
) -> Resp:
    """GET (or POST with ``data``) a real platform URL through the sandbox, without following redirects."""
    url = url.replace("https://", "http://", 1)
    parts = urllib.parse.urlsplit(url)
    url = urllib.parse.urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            urllib.parse.quote(parts.path, safe="/%"),
            parts.query and urllib.parse.quote(parts.query, safe="=&%+"),
            "",
        )
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": sandbox.url}), _NoRedirect())
    all_headers = {"User-Agent": ua, **(headers or {})}
    if cookies:
        all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    request = urllib.request.Request(url, headers=all_headers, data=data)
    try:
        with opener.open(request, timeout=timeout) as resp:
            return Resp(
                resp.status, dict(resp.headers), resp.read(), resp.headers.get_all("Set-Cookie") or []
            )
    except urllib.error.HTTPError as exc:
        return Resp(exc.code, dict(exc.headers), exc.read(), exc.headers.get_all("Set-Cookie") or [])


def signing_keys(sandbox: Any) -> Any:
    """The running sandbox's signing keys (a child sandbox: the keys it starts with)."""
    from crawler.sandbox.signing import SigningKeys

    return sandbox.sandbox.signing if sandbox.sandbox is not None else SigningKeys(sandbox.config.seed)


def anti_content(sandbox: Any, nonce: str = "0123456789abcdef") -> str:
    """A PDD ``anti_content`` as the sandbox's served script makes it (the sandbox's reference)."""
    from crawler.sandbox.signing import make_anti_content

    return make_anti_content(signing_keys(sandbox), H5ST_MS, nonce)


def jd_search(
    sandbox: Any, keyword: str, page: int = 1, cookies: dict[str, str] | None = None, h5st: str | None = None
) -> Resp:
    """The JD search API, signed as the sandbox's served ``ParamsSign`` signs (unless ``h5st`` is given)."""
    from crawler.sandbox.signing import make_h5st

    body = json.dumps(
        {"keyword": keyword, "page": page, "s": (page - 1) * 30 + 1, "enc": "utf-8"}, ensure_ascii=False
    )
    params = {"appid": "search-pc-java", "functionId": "pc_search_searchWare", "client": "pc", "body": body}
    if h5st is None:
        signed = {**params, "body": hashlib.sha256(body.encode()).hexdigest()}
        h5st = make_h5st(signing_keys(sandbox), signed, "abcdefghijklmnop", "f06cc", H5ST_MS)
    query = urllib.parse.urlencode({**params, "h5st": h5st})
    return fetch(sandbox, f"https://api.m.jd.com/api?{query}", cookies=cookies)


class Mtop:
    """A client doing the mtop token dance: first call gets the cookie, then every call is signed."""

    def __init__(self, sandbox: Any, host: str = "h5api.m.taobao.com") -> None:
        self.sandbox = sandbox
        self.host = host
        self.cookies: dict[str, str] = {}

    def call(
        self, api: str, version: str, data: dict[str, Any], *, sign: str | None = None, retry: bool = True
    ) -> Resp:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        t = str(int(time.time() * 1000))
        token = self.cookies.get("_m_h5_tk", "").split("_")[0]
        signature = sign or hashlib.md5(f"{token}&{t}&{APP_KEY}&{text}".encode()).hexdigest()  # noqa: S324
        query = urllib.parse.urlencode(
            {
                "jsv": "2.6.1",
                "appKey": APP_KEY,
                "t": t,
                "sign": signature,
                "api": api,
                "v": version,
                "type": "originaljson",
                "dataType": "json",
                "data": text,
            }
        )
        resp = fetch(self.sandbox, f"https://{self.host}/h5/{api}/{version}/?{query}", cookies=self.cookies)
        for header in resp.set_cookies:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        ret = resp.json()["ret"][0] if resp.status == 200 and resp.body.startswith(b"{") else ""
        if retry and ret.startswith(("FAIL_SYS_TOKEN_EMPTY", "FAIL_SYS_TOKEN_EXOIRED")):
            return self.call(api, version, data, sign=sign, retry=False)
        return resp

    def search(self, q: str, page: int = 1, n: int = 20) -> Resp:
        params = json.dumps(
            {"q": q, "page": page, "n": n, "tab": "all", "sort": "_coefp"}, ensure_ascii=False
        )
        return self.call(
            "mtop.relationrecommend.wirelessrecommend.recommend", "2.0", {"appId": "34385", "params": params}
        )

    def detail(self, item_id: str) -> Resp:
        return self.call("mtop.taobao.detail.getdetail", "6.0", {"itemNumId": item_id})
