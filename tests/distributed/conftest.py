"""Fixtures shared by the distributed tests."""

from __future__ import annotations

import pytest

from tests.distributed.helpers import delete_prefix, redis_reason, unique_prefix
from tests.resources import Resource, require


@pytest.fixture
def prefix():
    """A Redis key prefix of the test's own, deleted afterwards; skipped where no Redis answers."""
    require(Resource.REDIS, redis_reason())
    value = unique_prefix()
    yield value
    delete_prefix(value)
