"""Sessions and sign-in attempts in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crawler.storage.engine import transaction
from crawler.storage.models import Role, User, WebSession
from crawler.storage.repositories.users import UserRepository
from crawler.storage.repositories.web_sessions import (
    LoginAttemptRepository,
    SessionPolicy,
    ThrottlePolicy,
    WebSessionRepository,
    token_digest,
)


def _user(sessions, clock) -> int:
    with transaction(sessions) as session:
        return UserRepository(session, clock).add("wang.fang", "$argon2id$x", Role.ANALYST).id


def test_sessions_expire_when_idle_and_after_the_absolute_limit(sessions, clock):
    user_id = _user(sessions, clock)
    policy = SessionPolicy(idle_timeout=timedelta(minutes=30), absolute_timeout=timedelta(hours=2))
    with transaction(sessions) as session:
        repo = WebSessionRepository(session, clock, policy)
        token, row = repo.start(session.get(User, user_id), "10.0.0.7")
        assert row.token_hash == token_digest(token) != token and len(row.csrf_token) >= 40
    for _ in range(4):
        clock.advance(timedelta(minutes=25))
        with transaction(sessions) as session:
            assert WebSessionRepository(session, clock, policy).resolve(token) is not None
    clock.advance(timedelta(minutes=25))  # 125 minutes after sign-in: past the absolute limit
    with transaction(sessions) as session:
        assert WebSessionRepository(session, clock, policy).resolve(token) is None
    with transaction(sessions) as session:
        token2, _ = WebSessionRepository(session, clock, policy).start(session.get(User, user_id))
    clock.advance(timedelta(minutes=31))
    with transaction(sessions) as session:
        repo = WebSessionRepository(session, clock, policy)
        assert (
            repo.resolve(token2) is None
            and repo.resolve("not a token") is None
            and repo.resolve(None) is None
        )
        ended = list(session.scalars(select(WebSession.ended_at)))
    assert all(e is not None for e in ended)


def test_end_all_sessions_of_a_user(sessions, clock):
    user_id = _user(sessions, clock)
    with transaction(sessions) as session:
        repo = WebSessionRepository(session, clock)
        user = session.get(User, user_id)
        tokens = [repo.start(user)[0] for _ in range(3)]
        assert repo.end_all_for(user) == 3
    with transaction(sessions) as session:
        assert all(WebSessionRepository(session, clock).resolve(t) is None for t in tokens)


def test_attempts_throttle_by_username_and_by_client_within_the_window(sessions, clock):
    policy = ThrottlePolicy(window=timedelta(minutes=15), per_username=3, per_client=5)
    with transaction(sessions) as session:
        repo = LoginAttemptRepository(session, clock, policy)
        for _ in range(3):
            repo.record("Li.Ming", "10.0.0.1", succeeded=False)
        repo.record("li.ming", "10.0.0.1", succeeded=True)
        assert repo.blocked("li.ming", "10.0.0.9")
        assert not repo.blocked("zhang.wei", "10.0.0.1")
        repo.record("a", "10.0.0.1", succeeded=False)
        repo.record("b", "10.0.0.1", succeeded=False)
        assert repo.blocked("zhang.wei", "10.0.0.1") and not repo.blocked("zhang.wei", "10.0.0.2")
    clock.advance(timedelta(minutes=16))
    with transaction(sessions) as session:
        repo = LoginAttemptRepository(session, clock, policy)
        assert not repo.blocked("li.ming", "10.0.0.1")
