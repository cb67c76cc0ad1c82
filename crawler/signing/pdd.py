"""Pinduoduo's one-time ``anti_content``, made by PDD's own anti-content script in a page of
``mobile.yangkeduo.com``.

What is known (PLATFORMS.md): the paged search API wants an ``anti_content`` made fresh for every call;
a missing or reused one is answered ``{"error_code": 54001, "verify_auth_token": …}``. Nothing public
and reliable says how the page exposes its generator. **Assumption**, after public crawlers' reports of
the module's shape: the page's script provides a constructor taking ``{serverTime}`` whose
``messagePackSync()`` returns the token, reachable as ``window.AntiContent``. Where the real page keeps
it elsewhere (a webpack module), :data:`ANTI_CALL` is the one place to change.

A 54001 answer is also PDD's captcha: a refusal reloads the page and signs once more, and if it is
refused again the block middleware decides (captcha), not this signer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from crawler.signing.base import Signed, Signer, SigningFailed, json_body, ms
from crawler.signing.page import SigningPage

HOME = "https://mobile.yangkeduo.com/"

ANTI_CALL = """({serverTime}) => {
  if (typeof window.AntiContent !== 'function') throw new Error('the anti-content script is not on the page');
  return new window.AntiContent({serverTime}).messagePackSync();
}"""


class PddSigner(Signer):
    platform = "pdd"
    home = HOME
    refusal_is_block = False

    def __init__(self, page: SigningPage) -> None:
        self.page = page

    async def sign(self, params: Mapping[str, str], now: datetime) -> Signed:
        token = await self.page.evaluate(ANTI_CALL, {"serverTime": ms(now)})
        if not isinstance(token, str) or len(token) < 16:
            raise SigningFailed(f"the anti-content script gave no token ({str(token)[:40]!r})")
        return Signed(
            params={**{k: v for k, v in params.items() if k != "anti_content"}, "anti_content": token}
        )

    def refused(self, status: int, body: bytes) -> bool:
        data = json_body(body) if body[:1] == b"{" else None
        return isinstance(data, dict) and str(data.get("error_code")) == "54001"

    def forget(self) -> None:
        self.page.forget()

    async def close(self) -> None:
        await self.page.close()
