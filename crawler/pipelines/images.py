"""Listing photos: downloaded once, stored by content hash with a perceptual hash.

Only images of new or changed listings that are not stored yet are fetched (through the same
middlewares as every request: sandbox routing, allow-list, identity). A file lives at
``<data_dir>/images/ab/abcdef…`` (its SHA-256); the ``image`` table holds the hash, a 64-bit pHash,
the size and dimensions, and ``listing_image.image_id`` links it to every listing that shows it.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from sqlalchemy import select
from twisted.internet.threads import deferToThread

from crawler.pipelines.storage import listings_stored
from crawler.storage.engine import transaction
from crawler.storage.models import Image, Listing, ListingImage, Platform
from crawler.storage.repositories.crawling import CrawlStateRepository

log = logging.getLogger(__name__)
MAX_IMAGE_BYTES = 15 * 1024 * 1024


def signed64(value: int) -> int:
    """A 64-bit unsigned hash as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= (1 << 63) else value


def phash64(image: PILImage.Image) -> int:
    """The listing photo's hash: pHash after its uniform border is trimmed (``matchers.photo_hashing``)."""
    from matchers.photo_hashing import listing_hash

    return signed64(listing_hash(image))


@dataclass
class StoredImage:
    sha256: str
    path: str
    size: int
    mime: str
    width: int | None
    height: int | None
    phash: int | None


def store_bytes(root: Path, body: bytes) -> StoredImage:
    """Write ``body`` under its SHA-256 (once) and describe it; unreadable images keep no pHash."""
    sha = hashlib.sha256(body).hexdigest()
    relative = Path("images") / sha[:2] / sha
    target = root / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(body)
        tmp.replace(target)
    width = height = phash = None
    mime = ""
    try:
        with PILImage.open(io.BytesIO(body)) as img:
            width, height = img.size
            mime = PILImage.MIME.get(img.format or "", "")
            phash = phash64(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError):
        pass
    return StoredImage(sha, str(relative), len(body), mime, width, height, phash)


class ImagesPipeline:
    def __init__(self, crawler: Crawler, root: Path, batch_size: int) -> None:
        self.crawler = crawler
        self.root = root
        self.batch_size = batch_size
        self.outstanding: set[Any] = set()
        self.done: list[tuple[str, str, StoredImage]] = []
        self.requested: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ImagesPipeline:
        if not crawler.settings.getbool("SURVEIL_IMAGES_ENABLED", True):
            raise NotConfigured
        pipeline = cls(crawler, Path("."), crawler.settings.getint("SURVEIL_IMAGE_BATCH_SIZE", 50))
        crawler.signals.connect(pipeline.on_stored, signal=listings_stored)
        crawler.signals.connect(pipeline.spider_idle, signal=signals.spider_idle)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        spider = spider or self.crawler.spider
        context = getattr(spider, "context", None)
        if context is not None:
            self.root = Path(context.settings.data_dir)

    def process_item(self, item: Any) -> Any:
        return item

    def on_stored(self, platform: str, item_ids: list[str], categories: dict[str, Any] | None = None) -> None:
        spider = self.crawler.spider
        context = getattr(spider, "context", None)
        if context is None:
            return
        with transaction(context.sessions) as session:
            platform_id = session.scalar(select(Platform.id).where(Platform.code == platform))
            missing = CrawlStateRepository(session).images_missing(platform_id, item_ids)
        for item_id, urls in missing.items():
            for url in urls:
                key = (item_id, url)
                if key in self.requested:
                    continue
                self.requested.add(key)
                category = (categories or {}).get(item_id)
                d = deferred_from_coro(self.fetch(spider, platform, item_id, url, category))
                self.outstanding.add(d)
                d.addBoth(self._forget, d)

    def _forget(self, result: Any, d: Any) -> None:
        self.outstanding.discard(d)
        if not self.outstanding:
            slot = getattr(self.crawler.engine, "_slot", None)
            if slot is not None:
                slot.nextcall.schedule()  # look at idleness now rather than at the next heartbeat
        return None

    async def fetch(self, spider: Any, platform: str, item_id: str, url: str, category: str | None) -> None:
        request = Request(
            url,
            meta={"kind": "image", "download_slot": f"{platform}-images", "category": category},
            priority=-10,
            dont_filter=True,
        )
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - a photo that cannot be fetched is logged, never fatal
            log.info("image %s not fetched: %s", url, exc)
            return
        if response.status != 200 or not response.body or len(response.body) > MAX_IMAGE_BYTES:
            log.info("image %s not stored: HTTP %s, %d bytes", url, response.status, len(response.body))
            return
        stored = await maybe_deferred_to_future(deferToThread(store_bytes, self.root, response.body))
        self.done.append((item_id, url, stored))
        if len(self.done) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        spider = self.crawler.spider
        context = getattr(spider, "context", None)
        if context is None or not self.done:
            return
        done, self.done = self.done, []
        now = context.clock.now()
        with transaction(context.sessions) as session:
            platform_id = session.scalar(select(Platform.id).where(Platform.code == spider.name))
            by_sha: dict[str, Image] = {
                img.sha256: img
                for img in session.scalars(select(Image).where(Image.sha256.in_({d[2].sha256 for d in done})))
            }
            for _item_id, _url, stored in done:
                if stored.sha256 not in by_sha:
                    image = Image(
                        sha256=stored.sha256,
                        phash=stored.phash,
                        width=stored.width,
                        height=stored.height,
                        size=stored.size,
                        mime=stored.mime,
                        path=stored.path,
                        created_at=now,
                    )
                    session.add(image)
                    by_sha[stored.sha256] = image
            session.flush()
            image_of = {(item_id, url): by_sha[stored.sha256].id for item_id, url, stored in done}
            # the batch's links in one query (not one per photo), then each pointed at its image
            links = session.execute(
                select(ListingImage, Listing.platform_item_id)
                .join(Listing, Listing.id == ListingImage.listing_id)
                .where(
                    Listing.platform_id == platform_id,
                    Listing.platform_item_id.in_({item_id for item_id, _url, _stored in done}),
                    ListingImage.source_url.in_({url for _item_id, url, _stored in done}),
                )
            )
            for link, item_id in links:
                image_id = image_of.get((item_id, link.source_url))
                if image_id is not None:
                    link.image_id = image_id

    def spider_idle(self) -> None:
        if self.outstanding:
            raise DontCloseSpider
        if self.done:
            self.flush()

    def close_spider(self, spider: Any = None) -> None:
        self.flush()
