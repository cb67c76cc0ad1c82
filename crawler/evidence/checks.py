"""Does a capture show what it claims? Content checks on the screenshot, the page text and the WARC.

A hash proves that stored bytes did not change; it says nothing about whether they show the listing.
These checks do, on every capture, before it is stored:

- **not blank**: the screenshot is measured with Pillow, on a grey thumbnail: the share of pixels that
  differ from the page's background colour ("ink"), the number of distinct colours, and the mean edge
  strength (a title on white has a little ink and almost no edges; a rendered product page has photos,
  prices and buttons). A screenshot below all three floors is blank.
- **shows the listing**: the page's visible text (the DOM without scripts and styles) holds the
  listing's title, compared after normalisation (NFKC, lower case, no spaces or punctuation); a
  substantial fragment is enough (a title cut with "…" or re-ordered around a shared core), because
  platforms shorten titles on mobile pages. Price and shop are checked where the listing has them;
  the WARC bodies are searched too, to tell "not on the page at all" from "in the data but not shown".
- **not a wall**: the final URL and the HTML are given to the crawl's own block recognisers
  (``crawler.pages.blocks``), so a login, captcha or risk page is named as such; HTTP 4xx/5xx and
  "gone" pages are error pages.

``Check`` reasons are an enum; the capture keeps the main reason (``EvidenceCapture.check_reason``)
and the text of every reason (``check_detail``). Nothing here reads a clock or the network.
"""

from __future__ import annotations

import enum
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

#: The platform's own sign that its product page has rendered: an element its scripts fill in.
READY_SELECTORS: dict[str, str] = {
    "aliexpress": ".product-price-current",
    "pdd": ".goods-price",
    "jd": "body",
    "taobao": "body",
}

#: Floors below which a screenshot counts as blank (measured on a 256-wide thumbnail). Measured on
#: sandbox captures: a title on white has 0.5-1 % ink; the lightest real page (JD, logged out) about 3 %.
MIN_INK_SHARE = 0.015
MIN_COLOURS = 8
MIN_EDGE_ENERGY = 1.0

#: A title counts as shown when this share of its normalised characters appears as one run on the page
#: (at least ``MIN_TITLE_RUN`` characters, or the whole title when it is shorter).
TITLE_SHARE = 0.5
MIN_TITLE_RUN = 8

#: A price the platform hides from visitors who are not logged in (JD: "1??9", "登录查看价格").
MASKED_PRICE = re.compile(r"登录查看价格|\d\?\?\d|(?<![\d?])\?\d(?![\d?])")

GONE_MARKERS = (
    "商品已下架",
    "商品不存在",
    "页面不存在",
    "no longer available",
    "page you requested can not be found",
    "page not found",
)


class CaptureStatus(enum.StrEnum):
    """What a stored capture is worth as evidence."""

    COMPLETE = "complete"  # every check passed
    PARTIAL = "partial"  # shows the listing, with a lesser problem (price or shop not shown, a subresource)
    FAILED = "failed"  # does not show the listing (blank, wall, error page, no title) or did not load
    UNLOGGED = "unlogged"  # stored, but the log refused the entry
    ERROR = "error"  # nothing stored


class CheckReason(enum.StrEnum):
    NOT_RENDERED = "not_rendered"  # no screenshot or no HTML at all
    BLANK = "blank_screenshot"
    BLOCKED = "blocked_page"  # login, captcha, risk page
    ERROR_PAGE = "error_page"  # HTTP error, "not found", "no longer available"
    TITLE_MISSING = "title_missing"
    TITLE_NOT_SHOWN = "title_not_shown"  # in the page's data (WARC) but not on the rendered page
    PRICE_MISSING = "price_missing"
    SHOP_MISSING = "shop_missing"


#: Reasons that make a capture worthless as evidence of the listing.
FAILING = frozenset(
    {
        CheckReason.NOT_RENDERED,
        CheckReason.BLANK,
        CheckReason.BLOCKED,
        CheckReason.ERROR_PAGE,
        CheckReason.TITLE_MISSING,
        CheckReason.TITLE_NOT_SHOWN,
    }
)
#: Reasons a second look (scrolling, a longer wait, the platform's ready element) may cure.
RETRYABLE = frozenset(
    {
        CheckReason.NOT_RENDERED,
        CheckReason.BLANK,
        CheckReason.TITLE_MISSING,
        CheckReason.TITLE_NOT_SHOWN,
        CheckReason.PRICE_MISSING,
        CheckReason.SHOP_MISSING,
    }
)


@dataclass(frozen=True, kw_only=True)
class Expected:
    """What the listing says about itself, to be found on the page."""

    title: str = ""
    price: Decimal | None = None
    shop: str = ""


@dataclass(frozen=True, kw_only=True)
class ScreenshotStats:
    ink_share: float
    colours: int
    edge_energy: float

    @property
    def blank(self) -> bool:
        return (
            self.ink_share < MIN_INK_SHARE or self.colours < MIN_COLOURS or self.edge_energy < MIN_EDGE_ENERGY
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ink_share": round(self.ink_share, 4),
            "colours": self.colours,
            "edge_energy": round(self.edge_energy, 3),
        }


@dataclass(frozen=True, kw_only=True)
class CheckFinding:
    reason: CheckReason
    detail: str


@dataclass(kw_only=True)
class CheckResult:
    findings: list[CheckFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    screenshot: ScreenshotStats | None = None
    attempts: int = 1

    @property
    def status(self) -> CaptureStatus:
        if any(f.reason in FAILING for f in self.findings):
            return CaptureStatus.FAILED
        return CaptureStatus.PARTIAL if self.findings else CaptureStatus.COMPLETE

    @property
    def reason(self) -> CheckReason | None:
        failing = [f.reason for f in self.findings if f.reason in FAILING]
        return (failing or [f.reason for f in self.findings] or [None])[0]

    @property
    def retryable(self) -> bool:
        return any(f.reason in RETRYABLE for f in self.findings) and not any(
            f.reason in (CheckReason.BLOCKED, CheckReason.ERROR_PAGE) for f in self.findings
        )

    def detail(self) -> str:
        return "; ".join(f"{f.reason.value}: {f.detail}" for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "reasons": [{"reason": f.reason.value, "detail": f.detail} for f in self.findings],
            "screenshot": self.screenshot.as_dict() if self.screenshot else None,
            "attempts": self.attempts,
            "notes": self.notes,
        }


# --- screenshot -----------------------------------------------------------------------------------


def screenshot_stats(png: bytes) -> ScreenshotStats:
    """Ink share, distinct colours and mean edge strength of a screenshot (see the module docstring)."""
    from PIL import Image, ImageChops, ImageFilter, ImageStat

    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    width = 256
    height = max(1, round(rgb.height * width / max(1, rgb.width)))
    small = rgb.resize((width, min(height, 4096)))
    colours = small.getcolors(maxcolors=1 << 16)
    distinct = len(colours) if colours is not None else 1 << 16
    background = max(colours)[1] if colours else small.getpixel((0, 0))
    grey = small.convert("L")
    diff = ImageChops.difference(small, Image.new("RGB", small.size, background)).convert("L")
    ink = sum(diff.point(lambda v: 255 if v > 24 else 0).histogram()[255:]) / (small.width * small.height)
    edges = ImageStat.Stat(grey.filter(ImageFilter.FIND_EDGES)).mean[0]
    return ScreenshotStats(ink_share=ink, colours=distinct, edge_energy=edges)


# --- text -----------------------------------------------------------------------------------------


class _Visible(HTMLParser):
    HIDDEN = {"script", "style", "noscript", "template", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees: the DOM without scripts, styles and the head."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


_DROP = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """NFKC, lower case, without spaces and punctuation (full-width forms fold to half width)."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


def _longest_common_run(needle: str, haystack: str) -> int:
    """Length of the longest run of ``needle`` found in ``haystack`` (binary search over run length)."""
    if not needle or not haystack:
        return 0

    def found(length: int) -> bool:
        return any(needle[i : i + length] in haystack for i in range(len(needle) - length + 1))

    low, high = 0, len(needle)
    while low < high:
        mid = (low + high + 1) // 2
        if found(mid):
            low = mid
        else:
            high = mid - 1
    return low


def title_shown(title: str, text: str) -> bool:
    needle, haystack = normalise(title), normalise(text)
    if not needle:
        return True
    if needle in haystack:
        return True
    need = max(min(MIN_TITLE_RUN, len(needle)), round(len(needle) * TITLE_SHARE))
    return _longest_common_run(needle, haystack) >= need


def price_forms(price: Decimal) -> list[str]:
    """The ways a page writes a price: 12.30, 12.3 and (for whole amounts) 12."""
    try:
        value = Decimal(price).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return []
    forms = {f"{value:.2f}"}
    if value == value.to_integral_value():
        forms.add(str(int(value)))
    elif f"{value:.2f}".endswith("0"):
        forms.add(f"{value:.1f}")
    return sorted(forms)


def price_shown(price: Decimal, text: str) -> bool:
    """Whether ``text`` shows the price, digits not running on (12.30 is not in 112.30 or 12.305)."""
    forms = price_forms(price)
    if not forms:
        return True
    flat = unicodedata.normalize("NFKC", text).replace(",", "")
    return any(re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", flat) for form in forms)


# --- the check ------------------------------------------------------------------------------------


def _wall(final_url: str, html: str) -> CheckFinding | None:
    from crawler.pages.blocks import block_from_html, block_from_url

    block = block_from_url(final_url) if final_url else None
    block = block or block_from_html(html)
    if block is None:
        return None
    return CheckFinding(reason=CheckReason.BLOCKED, detail=f"{block.kind}: {block.reason}")


def check_capture(
    *,
    expected: Expected,
    screenshot: bytes | None,
    html: str | None,
    final_url: str = "",
    http_status: int | None = None,
    data_bodies: Iterable[str] = (),
) -> CheckResult:
    """Check one rendered page against what the listing claims. ``data_bodies``: the WARC's text bodies."""
    result = CheckResult()
    findings = result.findings
    if not screenshot or html is None:
        missing = "screenshot" if not screenshot else "HTML"
        findings.append(CheckFinding(reason=CheckReason.NOT_RENDERED, detail=f"no {missing} was taken"))
        return result
    stats = screenshot_stats(screenshot)
    result.screenshot = stats
    if stats.blank:
        findings.append(
            CheckFinding(
                reason=CheckReason.BLANK,
                detail=(
                    f"screenshot is blank ({stats.ink_share:.1%} ink, {stats.colours} colours, "
                    f"edge energy {stats.edge_energy:.2f})"
                ),
            )
        )
    wall = _wall(final_url, html)
    if wall is not None:
        findings.append(wall)
    text = visible_text(html)
    lowered = text.lower()
    if http_status is not None and http_status >= 400:
        findings.append(CheckFinding(reason=CheckReason.ERROR_PAGE, detail=f"HTTP {http_status}"))
    elif any(marker in lowered for marker in GONE_MARKERS):
        marker = next(m for m in GONE_MARKERS if m in lowered)
        findings.append(CheckFinding(reason=CheckReason.ERROR_PAGE, detail=f"the page says '{marker}'"))
    if wall is not None or any(f.reason is CheckReason.ERROR_PAGE for f in findings):
        return result
    data = list(data_bodies)
    if expected.title and not title_shown(expected.title, text):
        in_data = any(title_shown(expected.title, body) for body in data)
        findings.append(
            CheckFinding(
                reason=CheckReason.TITLE_NOT_SHOWN if in_data else CheckReason.TITLE_MISSING,
                detail=(
                    "the listing's title is in the page's data but not on the rendered page"
                    if in_data
                    else "the listing's title is neither on the page nor in its data"
                ),
            )
        )
    if expected.price is not None and MASKED_PRICE.search(text):
        result.notes.append("the page masks the price for visitors who are not logged in")
    elif expected.price is not None and not price_shown(expected.price, text):
        where = (
            "in the page's data only" if any(price_shown(expected.price, b) for b in data) else "not found"
        )
        findings.append(
            CheckFinding(
                reason=CheckReason.PRICE_MISSING, detail=f"price {expected.price} not shown ({where})"
            )
        )
    if expected.shop and normalise(expected.shop) not in normalise(text):
        findings.append(
            CheckFinding(reason=CheckReason.SHOP_MISSING, detail=f"shop '{expected.shop}' not shown")
        )
    return result


def text_bodies(exchanges: Sequence[Any], limit: int = 4_000_000) -> list[str]:
    """Decoded text bodies of HTML, JSON and script responses, for finding data the page did not show."""
    bodies = []
    for exchange in exchanges:
        mime = (getattr(exchange, "mime", "") or "").lower()
        body = getattr(exchange, "body", b"") or b""
        if (
            not body
            or len(body) > limit
            or not any(k in mime for k in ("html", "json", "javascript", "text"))
        ):
            continue
        bodies.append(body.decode("utf-8", "replace"))
    return bodies
