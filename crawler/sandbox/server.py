"""One aiohttp server for every platform: dispatch by Host header, robots, images, faults, control API."""

from __future__ import annotations

import asyncio
import os
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from aiohttp import web

from crawler.sandbox import accounts, faults, photos
from crawler.sandbox.accounts import Session
from crawler.sandbox.config import SandboxConfig
from crawler.sandbox.content import Listing, Market
from crawler.sandbox.registry import platform_modules
from crawler.sandbox.signing import SigningKeys
from crawler.sandbox.web import IMAGE_PATH, host_of, is_mobile, json_response, text_response

CONTROL_HOSTS = ("127.0.0.1", "localhost", "sandbox.local", "::1", "[::1]")


@dataclass
class Ctx:
    """One request as a platform module sees it."""

    request: web.Request
    sandbox: Sandbox
    platform: str
    host: str
    session: Session | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.request.path

    @property
    def query(self) -> Any:
        return self.request.query

    @property
    def mobile(self) -> bool:
        return is_mobile(self.request)

    @property
    def market(self) -> Market:
        return self.sandbox.market

    @property
    def config(self) -> SandboxConfig:
        return self.sandbox.config

    @property
    def logged_in(self) -> bool:
        return self.session is not None

    def fault_on(self, name: str) -> bool:
        return name in self.sandbox.config.faults

    @property
    def layout(self) -> str:
        """The search layout this platform serves tonight: ``""`` (its usual one) unless the ``layout``
        profile switched it (see ``faults``)."""
        return self.sandbox.layout_of(self.platform)


class BoundedSet:
    def __init__(self, limit: int = 500_000) -> None:
        self.limit = limit
        self._items: OrderedDict[str, None] = OrderedDict()

    def add(self, item: str) -> bool:
        """False when the item was already there."""
        if item in self._items:
            return False
        self._items[item] = None
        if len(self._items) > self.limit:
            self._items.popitem(last=False)
        return True


class Sandbox:
    """The marketplace's state: the generated market, counters for faults, tokens and sessions."""

    def __init__(self, config: SandboxConfig, market: Market | None = None) -> None:
        self.config = config
        self.market = market or Market(config)
        self.attempts = faults.AttemptCounter()
        self.token_uses = faults.UseCounter()
        self.session_uses = faults.UseCounter()
        self.one_time_tokens = BoundedSet()
        #: JD h5st / PDD anti_content keys, rotated by ``signing.rotate()`` (see ``crawler/sandbox/signing``).
        self.signing = SigningKeys(config.seed)
        self.windows: dict[str, deque[float]] = {}
        self.host_map: dict[str, ModuleType] = {}
        self.image_hosts: dict[str, str] = {}
        self.modules = platform_modules()
        for name, module in self.modules.items():
            for host in module.HOSTS:
                self.host_map[host] = module
            for host in getattr(module, "IMAGE_HOSTS", ()):
                self.image_hosts[host] = name
        self.stats: dict[str, int] = {}
        self.layouts = faults.parse_layouts(config.layouts) if "layout" in config.faults else {}

    def layout_of(self, platform: str) -> str:
        if self.config.night < self.config.layout_night:
            return ""
        return self.layouts.get(platform, "")

    # ----- public helpers --------------------------------------------------------------------------
    def mint_session(self, platform: str, account: str, serial: int = 0) -> dict[str, str]:
        return accounts.mint(self.config.seed, platform, account, serial)

    def image_for(self, platform: str, item_id: str, number: int) -> bytes | None:
        listing = self.market.find(platform, item_id)
        if listing is None or number >= listing.images:
            return None
        return photos.variant_bytes(
            self.config.seed, listing.product.key, f"{platform}:{listing.index}", number
        )

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    # ----- dispatch --------------------------------------------------------------------------------
    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        host = host_of(request)
        counted = host if host in self.host_map or host in self.image_hosts else "other"
        self.stats[counted] = self.stats.get(counted, 0) + 1
        if host in self.image_hosts:
            return self._image(request, self.image_hosts[host])
        module = self.host_map.get(host)
        if module is None:
            if host in CONTROL_HOSTS:
                return await self._control(request)
            return text_response("<h1>404 Not Found</h1><p>unknown host</p>", status=404)
        platform = module.PLATFORM
        if request.path == "/robots.txt":
            return text_response(module.ROBOTS.get(host, "User-agent: *\nDisallow:\n"), "text/plain")
        ctx = Ctx(request, self, platform, host)
        ctx.session = accounts.recognise(self.config.seed, platform, dict(request.cookies))
        if not module.is_data(ctx):
            return await module.handle(ctx)
        if "limit_page" in self.config.faults and hasattr(module, "limit_page") and self._over_limit(request):
            return module.limit_page(ctx)
        if ctx.session is not None and "session_expiry" in self.config.faults:
            uses = self.session_uses.next(ctx.session.value)
            if uses >= self.config.session_uses:
                return module.session_expired(ctx)
        fault = None
        if self.config.faults:
            key = f"{platform}|{module.fault_key(ctx)}"
            attempt = self.attempts.next(key)
            fault = faults.decide(self.config.seed, self.config.faults, key, attempt, self.config.fault_rate)
        if fault == "captcha":
            return module.captcha(ctx)
        if fault == "ratelimit":
            return text_response(
                "<html><body><h1>429 Too Many Requests</h1></body></html>",
                status=429,
                headers={"Retry-After": "1"},
            )
        if fault == "5xx":
            status = (500, 502, 503, 504)[len(request.path_qs) % 4]
            return text_response(
                f"<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center><hr>"
                "<center>Tengine</center></body></html>",
                status=status,
            )
        if fault == "slow":
            await asyncio.sleep(self.config.slow_seconds)
        response = await module.handle(ctx)
        if fault == "malformed" and isinstance(response, web.Response) and response.body:
            body = bytes(response.body)  # type: ignore[arg-type]
            response.body = body[: max(1, len(body) * 2 // 5)]
        return response

    def _over_limit(self, request: web.Request) -> bool:
        client = request.headers.get("X-Forwarded-For", "").split(",")[0].strip() or (request.remote or "-")
        now = time.monotonic()
        window = self.windows.setdefault(client, deque())
        while window and now - window[0] > 60.0:
            window.popleft()
        window.append(now)
        if len(self.windows) > 10_000:
            self.windows.pop(next(iter(self.windows)))
        return len(window) > self.config.limit_per_minute

    def _image(self, request: web.Request, platform: str) -> web.Response:
        match = IMAGE_PATH.search(request.path)
        body = self.image_for(platform, match.group(1), int(match.group(2))) if match else None
        if body is None:
            return text_response("not found", "text/plain", status=404)
        return web.Response(body=body, content_type="image/jpeg", headers={"Cache-Control": "max-age=86400"})

    async def _control(self, request: web.Request) -> web.Response:
        path = request.path
        if path in ("/", "/_sandbox", "/_sandbox/"):
            return json_response(self.describe())
        if path == "/_sandbox/health":
            # The pid lets a test that started a child sandbox tell it from another one on a reused port.
            return json_response({"ok": True, "pid": os.getpid()})
        if path == "/_sandbox/session":
            platform = request.query.get("platform", "")
            account = request.query.get("account", "")
            serial = int(request.query.get("serial", "0") or 0)
            try:
                cookies = self.mint_session(platform, account, serial)
            except (KeyError, ValueError) as exc:
                return json_response({"error": str(exc)}, status=400)
            return json_response(
                {
                    "platform": platform,
                    "account": account,
                    "domain": accounts.cookie_domain(platform),
                    "cookies": cookies,
                }
            )
        if path == "/_sandbox/references":
            return json_response([ref.__dict__ for ref in self.market.pool.refs])
        if path.startswith("/_sandbox/refphoto/"):
            name = path.rsplit("/", 1)[-1].removesuffix(".jpg")
            for ref in self.market.pool.refs:
                if ref_photo_name(ref.key) == name:
                    body = photos.reference_photo(self.config.seed, f"ref:{ref.key}")
                    return web.Response(body=body, content_type="image/jpeg")
            return text_response("not found", "text/plain", status=404)
        if path == "/_sandbox/stats":
            return json_response(self.stats)
        return text_response("not found", "text/plain", status=404)

    def describe(self) -> dict[str, Any]:
        cfg = self.config
        return {
            "seed": cfg.seed,
            "size": cfg.size,
            "night": cfg.night,
            "faults": sorted(cfg.faults),
            "layouts": self.layouts,
            "layout_night": cfg.layout_night,
            "references": self.market.pool.origin,
            "platforms": {name: list(m.HOSTS) for name, m in self.modules.items()},
        }


def ref_photo_name(key: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)


def listing_key(listing: Listing) -> str:
    return f"{listing.platform}:{listing.index}"
