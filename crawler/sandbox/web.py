"""Small response builders shared by the platform modules."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from aiohttp import web

MOBILE_UA = re.compile(
    r"Mobile|Android|iPhone|iPad|jdapp|jdmall|okhttp|phh_android|MicroMessenger|AliApp", re.I
)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def script_json(data: Any) -> str:
    """JSON for a ``<script>`` block: ``<``, ``>`` and ``&`` as ``\\u`` escapes, as sites embed state."""
    return (
        dumps(data)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=dumps(data).encode(),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def text_response(
    text: str,
    content_type: str = "text/html",
    charset: str = "utf-8",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    return web.Response(
        body=text.encode(charset, errors="replace"),
        status=status,
        content_type=content_type,
        charset=charset,
        headers=headers,
    )


def redirect(location: str, status: int = 302) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


def js_literal(value: Any, indent: int = 0) -> str:
    """A JavaScript object literal as pages embed them: unquoted keys, single quotes, trailing commas."""
    pad = "  " * (indent + 1)
    end = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = []
        for key, item in value.items():
            name = (
                key
                if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", key)
                else json.dumps(key, ensure_ascii=False).replace("</", "<\\/")
            )
            items.append(f"{pad}{name}: {js_literal(item, indent + 1)},")
        return "{\n" + "\n".join(items) + "\n" + end + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "[" + ", ".join(js_literal(v, indent + 1) for v in value) + ",]"
    if isinstance(value, str):
        return (
            "'"
            + value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("</", "<\\/")
            + "'"
        )
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def is_mobile(request: web.Request) -> bool:
    return bool(MOBILE_UA.search(request.headers.get("User-Agent", "")))


def original_url(request: web.Request, scheme: str = "https") -> str:
    return f"{scheme}://{host_of(request)}{request.path_qs}"


def host_of(request: web.Request) -> str:
    host = request.host or ""
    if host.startswith("["):
        return host
    return host.rsplit(":", 1)[0].lower() if ":" in host else host.lower()


def q(text: str) -> str:
    return quote(text, safe="")


def esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


IMAGE_PATH = re.compile(r"[-/]([0-9A-Za-z]+)-(\d+)(?:\._[A-Za-z0-9_]+_)?\.(?:jpe?g|png|webp)$")
