"""How a spider asks for a request to be signed: a mark in its meta, read by the signing middleware."""

from __future__ import annotations

from scrapy import Request

#: The platforms whose requests are signed in their own page (see ``crawler/signing/middleware.py``).
BROWSER_SIGNED = ("jd", "pdd")
META = "signer"
UNSIGNED = "unsigned_url"
RELOADS = "signing_reloads"


def sign_with(request: Request, platform: str) -> Request:
    """Mark ``request`` to be signed by ``platform``'s signer when it is sent (and on every retry)."""
    if platform not in BROWSER_SIGNED:
        raise ValueError(f"no signer for {platform!r}")
    request.meta[META] = platform
    request.meta.pop(UNSIGNED, None)
    return request
