"""Host allow-lists with ``*.example.com`` wildcards."""

from __future__ import annotations

from urllib.parse import urlparse

ALLOWED_SCHEMES = frozenset({"http", "https"})


def host_allowed(host: str, patterns: list[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().strip()
        if pattern.startswith("*."):
            suffix = pattern[1:]
            if host.endswith(suffix) or host == pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False


def url_allowed(url: str, patterns: list[str]) -> tuple[bool, str]:
    parts = urlparse(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return False, f"scheme {parts.scheme or '(none)'!r} is not allowed"
    host = parts.hostname or ""
    if not host_allowed(host, patterns):
        return False, f"host {host!r} is not on the platform's allow-list"
    return True, ""
