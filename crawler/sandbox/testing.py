"""Run the sandbox for tests and benchmarks: in this process (a thread with its own loop) or as a child.

with running_sandbox(seed=7, size=600, faults="5xx,captcha") as sb:   # hostile=True: payloads in listings
    sb.url                      # "http://127.0.0.1:<port>", use as HTTP proxy for the real hostnames
    sb.session("jd", "bureau-01")  # cookies of a logged-in test account
    sb.truth()                  # ground-truth records, exactly what is served
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from crawler.sandbox import accounts
from crawler.sandbox.config import SandboxConfig
from crawler.sandbox.content import Market
from crawler.sandbox.faults import parse_profiles
from crawler.sandbox.server import Sandbox


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SandboxHandle:
    url: str
    config: SandboxConfig
    sandbox: Sandbox | None = None
    _market: Market | None = field(default=None, repr=False)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def market(self) -> Market:
        if self.sandbox is not None:
            return self.sandbox.market
        if self._market is None:
            self._market = Market(self.config)
        return self._market

    def truth(self, platform: str | None = None, include_plain: bool = True) -> list[dict[str, Any]]:
        """Ground-truth records of every listing (of one platform if given), as ``surveil sandbox truth``."""
        from crawler.sandbox.config import PLATFORMS
        from crawler.sandbox.truth import records

        platforms = (platform,) if platform else PLATFORMS
        return list(records(self.market, platforms, include_plain=include_plain))

    def session(self, platform: str, account: str = "bureau-01", serial: int = 0) -> dict[str, str]:
        return accounts.mint(self.config.seed, platform, account, serial)

    @property
    def proxies(self) -> dict[str, str]:
        return {"http": self.url, "https": self.url}


def make_config(
    seed: int = 1,
    size: int = 600,
    faults: str | Iterable[str] | None = None,
    night: int = 0,
    references: str | None = "shipped",
    **overrides: Any,
) -> SandboxConfig:
    profiles = (
        parse_profiles(faults)
        if isinstance(faults, str) or faults is None
        else parse_profiles(",".join(faults))
    )
    return SandboxConfig(
        seed=seed, size=size, night=night, faults=profiles, references=references, **overrides
    )


@contextlib.contextmanager
def running_sandbox(
    seed: int = 1,
    size: int = 600,
    faults: str | Iterable[str] | None = None,
    night: int = 0,
    in_process: bool = True,
    references: str | None = "shipped",
    **overrides: Any,
) -> Iterator[SandboxHandle]:
    """A running sandbox on a free 127.0.0.1 port for the duration of the block."""
    config = make_config(seed, size, faults, night, references, **overrides)
    if in_process:
        with _in_thread(config) as handle:
            yield handle
    else:
        with _child(config) as handle:
            yield handle


@contextlib.contextmanager
def _in_thread(config: SandboxConfig) -> Iterator[SandboxHandle]:
    sandbox = Sandbox(config)
    # Bound here, to port 0, and handed to the server: no window in which another process (a parallel
    # test worker) can take the port between choosing and binding it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def start() -> None:
        runner = web.AppRunner(sandbox.app(), access_log=None)
        await runner.setup()
        site = web.SockSite(runner, sock)
        await site.start()
        state["runner"] = runner

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except Exception as exc:  # noqa: BLE001 - reported to the caller below
            state["error"] = exc
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(state["runner"].cleanup())
        loop.close()

    thread = threading.Thread(target=run, name=f"sandbox-{port}", daemon=True)
    thread.start()
    if not ready.wait(60):
        loop.call_soon_threadsafe(loop.stop)
        raise RuntimeError("sandbox did not start within 60 s")
    if "error" in state:
        sock.close()
        raise RuntimeError(f"sandbox did not start: {state['error']}")
    try:
        yield SandboxHandle(url=f"http://127.0.0.1:{port}", config=config, sandbox=sandbox)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
        sock.close()


@contextlib.contextmanager
def _child(config: SandboxConfig) -> Iterator[SandboxHandle]:
    """A ``surveil sandbox serve`` child on a free port. The port is chosen before the child binds it, so
    another process may take it in between: the child then exits and another port is tried, and the health
    answer must carry the child's own pid (not a neighbour's sandbox that happens to listen there)."""
    for attempt in range(3):
        port = free_port()
        proc = subprocess.Popen(
            _serve_command(config, port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=os.environ.copy(),
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(proc, url)
        except _PortTaken:
            if attempt == 2:
                raise RuntimeError(f"sandbox could not bind a free port (last tried {port})") from None
            continue
        except BaseException:
            _stop(proc)
            raise
        break
    try:
        yield SandboxHandle(url=url, config=config)
    finally:
        _stop(proc)


class _PortTaken(RuntimeError):
    pass


def _serve_command(config: SandboxConfig, port: int) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "crawler",
        "sandbox",
        "serve",
        "--port",
        str(port),
        "--seed",
        str(config.seed),
        "--size",
        str(config.size),
        "--night",
        str(config.night),
        "--references",
        str(config.references or "auto"),
    ]
    if config.faults:
        cmd += ["--faults", ",".join(sorted(config.faults))]
    if config.hostile:
        cmd += ["--hostile", "--hostile-share", str(config.hostile_share)]
    if config.signals:
        cmd += ["--signals"]
    if "layout" in config.faults:
        cmd += ["--layouts", config.layouts, "--layout-night", str(config.layout_night)]
    return cmd


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            if "address already in use" in err.lower() or "errno 98" in err.lower():
                raise _PortTaken(err[-300:])
            raise RuntimeError(f"sandbox exited: {err}")
        try:
            with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=1) as resp:  # noqa: S310 - local
                answer = json.loads(resp.read())
                if answer.get("ok") and answer.get("pid", proc.pid) == proc.pid:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"sandbox did not answer within {timeout:g} s")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
