"""JD's ``h5st``, made by JD's own security script in a page of ``so.m.jd.com``.

The mobile search page loads ``js_security_v3``, which defines ``window.ParamsSign``; JD's own request
code calls ``new ParamsSign({appId}).sign({functionId, appid, body: sha256(body), client, clientVersion,
t})`` and sends the ``h5st`` of the object it resolves to. We make the same call in the same page, with
one ``ParamsSign`` per app id kept in the page (it holds its fingerprint and token, as on JD's pages).
Nothing here knows how an h5st is computed: its version, parts and keys are the script's business.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from crawler.signing.base import Signed, Signer, SigningFailed, json_body, ms
from crawler.signing.page import SigningPage

HOME = "https://so.m.jd.com/"
#: The app id JD's search page signs ``pc_search_searchWare`` with.
APP_ID = "f06cc"
#: Which request parameters go into the signature (``body`` as its SHA-256), as JD's page passes them.
SIGNED = ("functionId", "appid", "client", "clientVersion", "t")

SIGN_CALL = """async ({appId, params}) => {
  if (typeof window.ParamsSign !== 'function') throw new Error('window.ParamsSign is not defined on the page');
  const kept = window.__surveilParamsSign || (window.__surveilParamsSign = {});
  const signer = kept[appId] || (kept[appId] = new window.ParamsSign({appId}));
  const signed = await signer.sign(params);
  return signed ? signed.h5st : null;
}"""


class JdSigner(Signer):
    platform = "jd"
    home = HOME

    def __init__(self, page: SigningPage, app_id: str = APP_ID) -> None:
        self.page = page
        self.app_id = app_id

    async def sign(self, params: Mapping[str, str], now: datetime) -> Signed:
        out = {k: v for k, v in params.items() if k != "h5st"}
        out["t"] = str(ms(now))
        call = {k: out[k] for k in SIGNED if k in out}
        call["body"] = hashlib.sha256(out.get("body", "").encode()).hexdigest()
        h5st = await self.page.evaluate(SIGN_CALL, {"appId": self.app_id, "params": call})
        if not isinstance(h5st, str) or h5st.count(";") < 7:
            raise SigningFailed(f"ParamsSign.sign gave no h5st ({str(h5st)[:40]!r})")
        out["h5st"] = h5st
        return Signed(params=out)

    def refused(self, status: int, body: bytes) -> bool:
        """``{"code": "1", "echo": "no access"}``: JD's answer to a signature it does not accept."""
        data = json_body(body) if body[:1] == b"{" else None
        return (
            isinstance(data, dict) and str(data.get("code")) == "1" and "no access" in str(data.get("echo"))
        )

    def forget(self) -> None:
        self.page.forget()

    async def close(self) -> None:
        await self.page.close()
