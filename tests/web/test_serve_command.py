"""``surveil serve`` starts the review app on the given host and port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

from crawler.storage import migrate
from crawler.storage.engine import make_engine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_surveil_serve_answers_and_guards_its_pages(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler",
            "--database-url",
            url,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                login = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
                assert time.monotonic() < deadline, "surveil serve did not answer"
                time.sleep(0.2)
        assert login.status_code == 200 and "登录" in login.text
        queue = httpx.get(f"http://127.0.0.1:{port}/queue", timeout=5)
        assert queue.status_code == 303 and queue.headers["location"].startswith("/login")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
