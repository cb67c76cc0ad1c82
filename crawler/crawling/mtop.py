"""The mtop H5 gateway's token exchange and signed URLs (Taobao, Tmall, AliExpress detail API).

The signature is :class:`crawler.signing.MtopSigner` (``md5(token&t&appKey&data)``), where ``token`` is
the part of the ``_m_h5_tk`` cookie before ``_``. The first call without a token is answered with
``FAIL_SYS_TOKEN_EMPTY`` and a ``Set-Cookie: _m_h5_tk``; an expired one with ``FAIL_SYS_TOKEN_EXOIRED``;
the client re-signs with the new token and retries once.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from crawler.signing.base import at_ms
from crawler.signing.mtop import MtopSigner
from crawler.signing.mtop import md5_sign as sign

APP_KEY = "12574478"
JSV = "2.6.1"


__all__ = ["APP_KEY", "JSV", "compact", "request_url", "sign", "token_from_cookie", "token_from_set_cookie"]


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
    query = {
        "jsv": JSV,
        "appKey": APP_KEY,
        "api": api,
        "v": version,
        "type": "originaljson",
        "dataType": "json",
        "data": compact(data),
    }
    signed = MtopSigner(token).signed(query, at_ms(t_ms)).params
    return f"https://{host}/h5/{api.lower()}/{version}/?{urlencode(signed)}"
