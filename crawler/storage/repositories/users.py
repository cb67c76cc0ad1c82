"""User accounts. Password hashing lives with the web app; this only stores and finds."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.storage.models import Role, User
from crawler.timeutil import Clock


class UserRepository:
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def add(self, username: str, password_hash: str, role: Role) -> User:
        user = User(username=username, password_hash=password_hash, role=role, created_at=self.clock.now())
        self.session.add(user)
        self.session.flush()
        return user

    def by_name(self, username: str) -> User | None:
        return self.session.scalar(select(User).where(User.username == username))

    def all(self) -> list[User]:
        return list(self.session.scalars(select(User).order_by(User.username)))
