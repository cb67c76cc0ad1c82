"""What the review app can be tuned with; defaults suit a bureau's intranet."""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.storage.repositories.web_sessions import SessionPolicy, ThrottlePolicy

SESSION_COOKIE = "surveil_session"
LOGIN_CSRF_COOKIE = "surveil_login_csrf"
LANG_COOKIE = "surveil_lang"


@dataclass(frozen=True)
class WebConfig:
    sessions: SessionPolicy = field(default_factory=SessionPolicy)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    page_size: int = 50
    #: Honour X-Forwarded-Proto/For from a reverse proxy that terminates HTTPS.
    trust_proxy: bool = False
