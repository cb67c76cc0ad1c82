"""Pieces several platform modules share."""

from __future__ import annotations

from crawler.sandbox.content import Listing


def masked_price(price: str) -> str:
    """JD's logged-out price mask: first and last digit of the yuan part, the middle as ``??``."""
    whole = price.split(".")[0]
    if len(whole) == 1:
        return "?" + whole
    return whole[0] + "??" + whole[-1]


def fuzzy_count(n: int) -> str:
    for limit, label in (
        (1_000_000, "100万+"),
        (100_000, "10万+"),
        (10_000, "1万+"),
        (1000, "1000+"),
        (500, "500+"),
        (200, "200+"),
        (100, "100+"),
    ):
        if n >= limit:
            return label
    return str(n)


def image_token(listing: Listing, number: int) -> str:
    """The tail every sandbox image path ends with: ``-<item id>-<photo number>``."""
    return f"{listing.item_id}-{number}"


def path_hash(listing: Listing, number: int) -> str:
    from crawler.sandbox.hashing import hexdigest

    return hexdigest(listing.platform, listing.item_id, number, length=16)


def specs_dict(listing: Listing) -> dict[str, str]:
    return dict(listing.specs)
