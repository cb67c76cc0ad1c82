"""Repositories hold the queries; callers pass a session and, where time matters, a clock."""

from crawler.storage.repositories.audit import AuditRepository
from crawler.storage.repositories.catalogue import CategoryRepository, PlatformRepository
from crawler.storage.repositories.listings import ListingRepository, UpsertResult
from crawler.storage.repositories.references import ReferenceRepository
from crawler.storage.repositories.runs import RunRepository
from crawler.storage.repositories.users import UserRepository

__all__ = [
    "AuditRepository",
    "CategoryRepository",
    "ListingRepository",
    "PlatformRepository",
    "ReferenceRepository",
    "RunRepository",
    "UpsertResult",
    "UserRepository",
]
