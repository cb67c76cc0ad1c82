"""The signing interface: request parameters and the time in, signed parameters and headers out."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.pages.base import Block

#: ``Block.kind`` of a request the crawl could not sign (script missing, timeout, error in the page,
#: a signature refused again after the signing page was reloaded).
SIGNING = "signing"


class SigningFailed(Exception):
    """The platform's signing code could not sign a request. Never an empty result: a block."""


def signing_block(error: SigningFailed | str, platform: str) -> Block:
    return Block(SIGNING, f"{platform}: {error}")


@dataclass(frozen=True)
class Signed:
    """The request's parameters with the signature added (and any headers the signature needs)."""

    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


class Signer(ABC):
    """One platform's request signature."""

    platform: str = ""
    #: A refused signature is a ``signing`` block once the page was reloaded and it was refused again
    #: (False where the platform's refusal cannot be told from a captcha: the block middleware decides).
    refusal_is_block = True

    @abstractmethod
    async def sign(self, params: Mapping[str, str], now: datetime) -> Signed:
        """``params`` signed at ``now``; raises :class:`SigningFailed`."""

    def refused(self, status: int, body: bytes) -> bool:
        """Whether a response says the signature was refused (the signing page is then reloaded)."""
        return False

    def forget(self) -> None:  # noqa: B027 - nothing cached by default
        """Drop cached signing state (a page), so the next signature starts afresh."""

    async def close(self) -> None:  # noqa: B027 - nothing held by default
        """Release what the signer holds (its page)."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ms(now: datetime) -> int:
    """Milliseconds since the epoch, exactly (no float rounding)."""
    return (now - _EPOCH) // timedelta(milliseconds=1)


def at_ms(value: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=value)


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body[:100_000])
    except ValueError:
        return None
