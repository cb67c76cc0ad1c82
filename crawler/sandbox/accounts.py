"""Logged-in sessions for named test accounts: cookies the sandbox mints and later recognises."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.sandbox.hashing import hexdigest

#: Per platform: (cookie domain, session cookie name, account cookie name or None).
SESSION_COOKIES = {
    "jd": (".jd.com", "thor", "pin"),
    "taobao": (".taobao.com", "cookie2", "_nk_"),
    "pdd": (".yangkeduo.com", "PDDAccessToken", "pdd_user_id"),
    "yhd": (".yhd.com", "ut", None),
    "aliexpress": (".aliexpress.com", "xman_t", None),
    "amazon": (".amazon.com", "at-main", "session-id"),
    "ocj": (".ocj.com.cn", "ocj_token", None),
}


@dataclass(frozen=True)
class Session:
    platform: str
    account: str
    serial: int
    value: str


def _sign(seed: int, platform: str, account: str, serial: int) -> str:
    return hexdigest("session", seed, platform, account, serial, length=24)


def mint(seed: int, platform: str, account: str, serial: int = 0) -> dict[str, str]:
    """The cookies a logged-in browser of ``account`` carries on ``platform``."""
    if platform not in SESSION_COOKIES:
        raise KeyError(f"unknown platform {platform!r}")
    if not account or any(ch in account for ch in ";, =\"'"):
        raise ValueError("account names are plain words such as bureau-01")
    _domain, name, account_cookie = SESSION_COOKIES[platform]
    cookies = {name: f"{account}.{serial}.{_sign(seed, platform, account, serial)}"}
    if account_cookie:
        cookies[account_cookie] = account
    return cookies


def recognise(seed: int, platform: str, cookies: dict[str, str]) -> Session | None:
    """The session the cookies carry, if it is one this sandbox minted."""
    _domain, name, _ = SESSION_COOKIES[platform]
    value = cookies.get(name)
    if not value or value.count(".") < 2:
        return None
    account, serial_text, signature = value.rsplit(".", 2)
    if not serial_text.isdigit() or signature != _sign(seed, platform, account, int(serial_text)):
        return None
    return Session(platform, account, int(serial_text), value)


def cookie_domain(platform: str) -> str:
    return SESSION_COOKIES[platform][0]
