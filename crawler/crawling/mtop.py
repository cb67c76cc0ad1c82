"""The mtop H5 gateway's signature and token exchange (Taobao, Tmall, AliExpress detail API).

``sign = md5(token + "&" + t + "&" + appKey + "&" + data)``, where ``token`` is the part of the
``_m_h5_tk`` cookie before ``_``. The first call without a token is answered with
``FAIL_SYS_TOKEN_EMPTY`` and a ``Set-Cookie: _m_h5_tk``; an expired one with ``FAIL_SYS_TOKEN_EXOIRED``;
the client re-signs with the new token and retries once.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlencode

APP_KEY = "12574478"
JSV = "2.6.1"


def sign(token: str, t: str, app_key: str, data: str) -> str:
    return hashlib.md5(f"{token}&{t}&{app_key}&{data}".encode(), usedforsecurity=False).hexdigest()


def token_from_cookie(value: str | None) -> str:
    return (value or "").split("_", 1)[0]


def token_from_set_cookie(headers: list[bytes] | list[str]) -> str | None:
    """The new ``_m_h5_tk`` token from a response's ``Set-Cookie`` headers, if it sets one."""
    for raw in headers:
        line = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        first = line.split(";", 1)[0].strip()
        if first.startswith("_m_h5_tk="):
            return token_from_cookie(first.split("=", 1)[1])
    return None


def compact(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def request_url(host: str, api: str, version: str, data: dict[str, Any], token: str, t_ms: int) -> str:
    """The signed GET URL for one mtop call (``data`` sent exactly as signed)."""
    payload = compact(data)
    t = str(t_ms)
    query = {
        "jsv": JSV,
        "appKey": APP_KEY,
        "t": t,
        "sign": sign(token, t, APP_KEY, payload),
        "api": api,
        "v": version,
        "type": "originaljson",
        "dataType": "json",
        "data": payload,
    }
    return f"https://{host}/h5/{api.lower()}/{version}/?{urlencode(query)}"
