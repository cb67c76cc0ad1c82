"""A listing's and a shop's pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from crawler.signals.sellers import linked_sellers, seller_flags
from crawler.storage.repositories.review import ReviewRepository
from crawler.web.deps import DB, State, current_viewer, render
from crawler.web.views import listing_photos, screenshot_of
from crawler.web.views import shot_src as _shot_src

router = APIRouter(dependencies=[Depends(current_viewer)])


@router.get("/listings/{listing_id}")
def listing_page(request: Request, state: State, db: DB, listing_id: int) -> Response:
    repo = ReviewRepository(db, state.context.clock)
    listing = repo.listing(listing_id)
    if listing is None:
        raise HTTPException(404)
    captures = repo.captures_for(listing.id)
    capture = captures[0] if captures else None
    shot = screenshot_of(capture) if capture else None
    data_dir = state.context.settings.data_dir
    return render(
        request,
        "listing.html",
        listing=listing,
        flags=repo.flags_of_listing(listing.id),
        capture=capture,
        screenshot=shot,
        shot_src=_shot_src(data_dir, capture, shot),
        listing_photos=listing_photos(listing.images, data_dir),
        hit_fields=set(),
    )


@router.get("/sellers/{seller_id}")
def seller_page(request: Request, state: State, db: DB, seller_id: int) -> Response:
    repo = ReviewRepository(db, state.context.clock)
    seller = repo.seller(seller_id)
    if seller is None:
        raise HTTPException(404)
    return render(
        request,
        "seller.html",
        seller=seller,
        listings=repo.seller_listings(seller.id),
        seller_flags=seller_flags(db, seller.id),
        linked=linked_sellers(db, seller.id),
    )
