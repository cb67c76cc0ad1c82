"""What the mobile browser may load: hosts on some platform's allow-list, and no images, fonts or media
(they are fetched separately, once, by the images pipeline). Keeps memory bounded and traffic on-list."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

from crawler.catalogue.schema import load_platforms
from crawler.middlewares.hosts import host_allowed

SKIPPED_RESOURCES = frozenset({"image", "font", "media"})


@lru_cache(maxsize=1)
def _all_allowed() -> tuple[str, ...]:
    hosts: list[str] = []
    for platform in load_platforms():
        hosts.extend(platform.allowed_hosts)
    return tuple(hosts)


def should_abort(request: Any) -> bool:
    if request.resource_type in SKIPPED_RESOURCES:
        return True
    parts = urlparse(request.url)
    if parts.scheme in ("data", "blob", "about"):
        return False
    if parts.scheme not in ("http", "https"):
        return True
    return not host_allowed(parts.hostname or "", list(_all_allowed()))
