"""Review-app sign-ins: server-side sessions (idle and absolute expiry) and throttled login attempts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from crawler.storage.models import LoginAttempt, User, WebSession
from crawler.timeutil import Clock


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    #: last_seen_at is written at most this often, so reading pages does not write on every request.
    touch_interval: timedelta = timedelta(seconds=60)


class WebSessionRepository:
    def __init__(self, session: Session, clock: Clock, policy: SessionPolicy | None = None) -> None:
        self.session = session
        self.clock = clock
        self.policy = policy or SessionPolicy()

    def start(self, user: User, client: str = "") -> tuple[str, WebSession]:
        """A fresh session for ``user``; returns the cookie token (never stored) and the row."""
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        row = WebSession(
            token_hash=token_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            client=client[:100],
            created_at=now,
            last_seen_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return token, row

    def resolve(self, token: str | None) -> WebSession | None:
        """The live session for a cookie token, touched; ``None`` if unknown, ended or expired."""
        if not token:
            return None
        row = self.session.scalar(
            select(WebSession)
            .where(WebSession.token_hash == token_digest(token))
            .options(joinedload(WebSession.user))
        )
        if row is None or row.ended_at is not None or not row.user.active:
            return None
        now = self.clock.now()
        if now - row.last_seen_at > self.policy.idle_timeout or (
            now - row.created_at > self.policy.absolute_timeout
        ):
            row.ended_at = now
            self.session.flush()
            return None
        if now - row.last_seen_at >= self.policy.touch_interval:
            row.last_seen_at = now
            self.session.flush()
        return row

    def end(self, row: WebSession) -> None:
        row.ended_at = self.clock.now()
        self.session.flush()

    def end_all_for(self, user: User) -> int:
        result = self.session.execute(
            update(WebSession)
            .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
            .values(ended_at=self.clock.now())
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    per_username: int = 5
    per_client: int = 20


class LoginAttemptRepository:
    def __init__(self, session: Session, clock: Clock, policy: ThrottlePolicy | None = None) -> None:
        self.session = session
        self.clock = clock
        self.policy = policy or ThrottlePolicy()

    def _failures_since(self, column: object, value: str, since: datetime) -> int:
        stmt = select(func.count(LoginAttempt.id)).where(
            column == value,  # type: ignore[operator]
            LoginAttempt.at >= since,
            LoginAttempt.succeeded.is_(False),
        )
        return self.session.scalar(stmt) or 0

    def blocked(self, username: str, client: str) -> bool:
        """True when recent failures for this username or from this client reach the limit."""
        since = self.clock.now() - self.policy.window
        return (
            self._failures_since(LoginAttempt.username, username.lower()[:100], since)
            >= self.policy.per_username
            or self._failures_since(LoginAttempt.client, client[:100], since) >= self.policy.per_client
        )

    def record(self, username: str, client: str, succeeded: bool) -> None:
        self.session.add(
            LoginAttempt(
                at=self.clock.now(), username=username.lower()[:100], client=client[:100], succeeded=succeeded
            )
        )
        self.session.flush()
