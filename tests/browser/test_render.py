"""The browser wiring, end to end: Scrapy + scrapy-playwright + Debian chromium + a device profile."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from crawler.browser.devices import device_profile
from tests.resources import require_chromium

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>商品详情</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><div id="app"></div><script>
fetch('/api/item').then(r => r.json()).then(d => {
  const el = document.createElement('h1'); el.id = 'title';
  el.textContent = d.title + ' | ' + window.innerWidth + 'px';
  document.getElementById('app').appendChild(el);
});
</script></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    agents: list[tuple[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).agents.append((self.path, self.headers.get("User-Agent", "")))
        if self.path == "/api/item":
            body, kind = json.dumps({"title": "儿童安全座椅 ISOFIX 接口"}).encode(), "application/json"
        else:
            body, kind = PAGE.encode(), "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def js_site():
    _Handler.agents = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Handler.agents
    server.shutdown()


def test_renders_a_javascript_page_as_a_mobile_device(js_site, tmp_path: Path):
    require_chromium()
    base, agents = js_site
    profile = device_profile("iPhone 13")
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "browser",
            "render",
            f"{base}/item.html",
            "--device",
            "iPhone 13",
            "--screenshot",
            str(shot),
            "--selector",
            "#title",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert data["text"] == f"儿童安全座椅 ISOFIX 接口 | {profile.viewport['width']}px"
    assert data["title"] == "商品详情"
    with Image.open(shot) as img:
        assert img.format == "PNG"
        assert img.size == (
            round(profile.viewport["width"] * profile.device_scale_factor),
            round(profile.viewport["height"] * profile.device_scale_factor),
        )
    seen = dict(agents)
    assert seen["/item.html"] == profile.user_agent
    assert seen["/api/item"] == profile.user_agent


def test_device_profiles_come_from_playwright():
    profile = device_profile("Pixel 7")
    assert profile.is_mobile and profile.has_touch and "Android" in profile.user_agent
    assert profile.headers()["sec-ch-ua-platform"] == '"Android"'
    with pytest.raises(KeyError, match="unknown device"):
        device_profile("Nokia 3310")
