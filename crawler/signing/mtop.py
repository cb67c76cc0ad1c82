"""Taobao / Tmall mtop ``sign``: documented and stable, so computed here, behind the same interface.

``sign = md5(token + "&" + t + "&" + appKey + "&" + data)``, where ``token`` is the part of the
``_m_h5_tk`` cookie before ``_`` and ``data`` exactly the string sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from crawler.signing.base import Signed, Signer, ms


def md5_sign(token: str, t: str, app_key: str, data: str) -> str:
    return hashlib.md5(f"{token}&{t}&{app_key}&{data}".encode(), usedforsecurity=False).hexdigest()


class MtopSigner(Signer):
    """Signs mtop query parameters (``appKey``, ``data``) with the current token at ``now``."""

    platform = "taobao"

    def __init__(self, token: str = "") -> None:
        self.token = token

    def signed(self, params: Mapping[str, str], now: datetime) -> Signed:
        out = dict(params)
        out["t"] = str(ms(now))
        out["sign"] = md5_sign(self.token, out["t"], out["appKey"], out["data"])
        return Signed(params=out)

    async def sign(self, params: Mapping[str, str], now: datetime) -> Signed:
        return self.signed(params, now)
