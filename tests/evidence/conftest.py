"""Evidence fixtures: a product site that also works as an HTTP forward proxy, stored listings, contexts."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from crawler.config import Settings
from crawler.context import AppContext
from crawler.evidence.browser_capture import PageCapture, Photo
from crawler.evidence.exchanges import Exchange
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, Listing, ListingImage, Platform
from crawler.timeutil import FixedClock

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>儿童安全座椅 ISOFIX 接口</title>
<link rel="stylesheet" href="/static/item.css"></head>
<body><h1 id="title">儿童安全座椅 ISOFIX 接口 0-12岁</h1>
<p class="price">¥ 399.00</p><p>店铺：宝贝安全旗舰店 · 生产许可证 XK-0000-1234</p>
<img id="main" src="https://img14.360buyimg.com/n1/jfs/seat-1.png" width="300">
<div id="sku"></div>
<script src="/static/item.js"></script></body></html>"""
SCRIPT = "document.getElementById('sku').textContent = '型号 KS-2024A（脚本已运行）';"
CSS = "body{font-family:'Noto Sans CJK SC',sans-serif;margin:8px} .price{color:#e4393c;font-size:22px}"


def png(color: tuple[int, int, int], size: tuple[int, int] = (120, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def page_png(shade: int = 0, size: tuple[int, int] = (412, 900)) -> bytes:
    """A screenshot that looks like a product page (photo, price bar, lines of text): not blank."""
    from PIL import ImageDraw

    image = Image.new("RGB", size, (250, 250, 250 - shade))
    draw = ImageDraw.Draw(image)
    for y in range(0, 360, 12):
        draw.rectangle((0, y, size[0], y + 11), fill=(120 + y // 4, 80 + (shade * 3) % 100, 60 + y // 6))
    draw.rectangle((0, 370, size[0], 430), fill=(228, 57, 60))
    for line in range(12):
        y = 450 + line * 28
        draw.rectangle((12, y, 40 + (line * 53) % 340, y + 14), fill=(30 + line * 9, 30, 30))
    return _encode(image)


def _encode(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Site:
    """Serves item pages by Host header, directly or as a forward proxy (absolute-form targets)."""

    url: str = ""
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)


def _handler(site: Site):
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            target = urlsplit(self.path)
            host = target.netloc or self.headers.get("Host", "")
            path = target.path if target.netloc else self.path.split("?")[0]
            site.seen.append((host, path, self.headers.get("User-Agent", "")))
            if path.startswith("/product/") and path.endswith(".html"):
                self._send(200, "text/html; charset=utf-8", PAGE.encode("utf-8"))
            elif path == "/gone.html":
                self._send(404, "text/html; charset=utf-8", "<h1>商品已下架</h1>".encode())
            elif path == "/moved.html":
                self.send_response(302)
                self.send_header("Location", "https://item.m.jd.com/product/1.html")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/static/item.js":
                self._send(200, "application/javascript; charset=utf-8", SCRIPT.encode("utf-8"))
            elif path == "/static/item.css":
                self._send(200, "text/css", CSS.encode())
            elif path.startswith("/n1/"):
                body = site.photos.get(path)
                if body is None:
                    self._send(404, "text/plain", b"no such image")
                else:
                    self._send(200, "image/png", body)
            else:
                self._send(404, "text/plain", b"not found")

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    from http.server import ThreadingHTTPServer

    state = Site()
    state.photos = {
        "/n1/jfs/seat-1.png": png((200, 40, 40)),
        "/n1/jfs/seat-2.png": png((40, 40, 200)),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def make_context(db_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Callable[..., AppContext]]:
    """``make_context(**settings)``: a context on this test's database and data directory, closed after."""
    made: list[AppContext] = []

    def make(**settings: object) -> AppContext:
        context = AppContext(
            settings=Settings(data_dir=tmp_path / "data", database_url=db_url, **settings), clock=clock
        )
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def evidence_context(make_context: Callable[..., AppContext]) -> AppContext:
    return make_context()


def add_listing(
    context: AppContext,
    item_id: str = "100012345678",
    *,
    url: str | None = None,
    photos: tuple[str, ...] = (
        "https://img14.360buyimg.com/n1/jfs/seat-1.png",
        "https://img14.360buyimg.com/n1/jfs/seat-2.png",
    ),
    flagged: bool = True,
    title: str = "儿童安全座椅 ISOFIX 接口 0-12岁",
) -> tuple[int, int | None]:
    """A JD listing (and a match flag on it); returns (listing id, flag id)."""
    now = context.clock.now()
    with transaction(context.sessions) as session:
        platform = session.query(Platform).filter_by(code="jd").one_or_none()
        if platform is None:
            platform = Platform(
                code="jd", name="京东", allowed_hosts=["item.m.jd.com"], obey_robots=True, enabled=True
            )
            session.add(platform)
            session.flush()
        listing = Listing(
            platform_id=platform.id,
            platform_item_id=item_id,
            url=url or f"https://item.m.jd.com/product/{item_id}.html",
            title=title,
            price=Decimal("399.00"),
            first_seen_at=now,
            last_seen_at=now,
            last_changed_at=now,
        )
        session.add(listing)
        session.flush()
        for position, photo in enumerate(photos):
            session.add(ListingImage(listing_id=listing.id, source_url=photo, position=position))
        flag_id = None
        if flagged:
            flag = Flag(
                listing_id=listing.id,
                kind="match",
                subject="entry:1",
                risk_score=0.9,
                explanation=["model KS-2024A agrees"],
                created_at=now,
                updated_at=now,
            )
            session.add(flag)
            session.flush()
            flag_id = flag.id
        return listing.id, flag_id


PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def page_capture(
    url: str = "https://item.m.jd.com/product/1.html",
    *,
    shade: int = 0,
    photos: tuple[bytes, ...] = (),
    at: datetime | None = None,
) -> PageCapture:
    """What a browser capture hands over, built from real bytes (for tests of storage and integrity)."""
    at = at or datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    html = PAGE.replace("0-12岁", f"0-12岁 v{shade}")
    page = PageCapture(
        requested_url=url, fetched_url=url.replace("https://", "http://"), final_url=url, status=200
    )
    page.title = "儿童安全座椅 ISOFIX 接口"
    page.html = html
    page.screenshot = page_png(shade)
    page.browser_version = "Chromium test"
    page.exchanges = [
        Exchange(
            url=url,
            fetched_url=page.fetched_url,
            method="GET",
            request_headers=[
                ("User-Agent", "Mozilla/5.0 (Linux; Android 14; Pixel 7)"),
                ("Accept", "text/html"),
            ],
            started_at=at,
            status=200,
            reason="OK",
            response_headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "1")],
            body=html.encode("utf-8"),
            resource_type="document",
        )
    ]
    for number, body in enumerate(photos, start=1):
        photo_url = f"https://img14.360buyimg.com/n1/jfs/seat-{number}.png"
        page.exchanges.append(
            Exchange(
                url=photo_url,
                fetched_url=photo_url.replace("https://", "http://"),
                method="GET",
                request_headers=[("Accept", "image/*")],
                started_at=at,
                status=200,
                reason="OK",
                response_headers=[("Content-Type", "image/png")],
                body=body,
                resource_type="image",
            )
        )
        page.photos.append(Photo(url=photo_url, body=body, mime="image/png"))
    return page
