"""The spider base: plans searches over the catalogue, pages through results, opens product pages only
when the request economy says so, and records coverage. Platform spiders supply requests and page
objects; they contain no extraction.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from crawler.browser.devices import DeviceProfile, device_profile
from crawler.catalogue.schema import load_categories, load_platforms
from crawler.context import AppContext
from crawler.crawling.arguments import CrawlArguments
from crawler.crawling.context import context_from
from crawler.crawling.coverage import CoverageBook
from crawler.crawling.economy import needs_detail, row_has_price, search_sig
from crawler.crawling.identity import PLATFORM_DEVICES, PlatformSession, SecretRedactor, open_session
from crawler.crawling.keep import PageKeeper, pages_dir
from crawler.items import ListingItem
from crawler.pages.base import (
    Block,
    ItemPage,
    LayoutChanged,
    PageError,
    PageOutcome,
    SearchPage,
    SearchRow,
)
from crawler.pages.specs import fill_from_specs
from crawler.storage import migrate
from crawler.storage.engine import transaction
from crawler.storage.models import CrawlRun
from crawler.storage.repositories import CategoryRepository, PlatformRepository, RunRepository
from crawler.storage.repositories.crawling import CrawlStateRepository, KnownListing

log = logging.getLogger(__name__)
#: Request meta a spider sets and a re-sent request carries over.
CARRIED_META = (
    "category",
    "kind",
    "term",
    "page",
    "state",
    "row",
    "reason",
    "partial",
    "handle_httpstatus_list",
)


@dataclass
class Sighting:
    """A listing seen again on a search page, unchanged: it only moves ``last_seen_at`` on."""

    platform: str
    item_id: str
    category: str | None
    search_sig: str


@dataclass(frozen=True)
class SearchTask:
    category: str
    term: str


#: How often a page in no known layout is fetched again: once, because an HTML page cut short in transfer
#: can look like a new layout; a real change comes back the same and is then reported.
LAYOUT_REFETCHES = 1
#: What a search page without rows and without the page's own word that there are none is taken for.
NO_ROWS_NO_EVIDENCE = "no rows, and no word from the page that there are none"


def search_outcome(page: SearchPage) -> PageOutcome:
    """``ok`` with rows, ``empty`` only with the page's own evidence of no results, and otherwise
    ``layout_changed``: a page object that read nothing and cannot say why has met a shape it does not
    know, and a night of such pages must not look like a night of empty categories."""
    if page.rows:
        return PageOutcome.OK
    if page.empty_evidence:
        return PageOutcome.EMPTY
    return PageOutcome.LAYOUT_CHANGED


class BlockedError(Exception):
    """Raised by the block middleware; carries the recognised block."""

    def __init__(self, block: Block) -> None:
        super().__init__(str(block))
        self.block = block


class PlatformSpider(scrapy.Spider):
    """Subclasses set ``name`` (the platform code) and ``pages`` and implement :meth:`search_request`
    and, where the platform has product pages, :meth:`item_request`."""

    pages: ModuleType | None = None
    #: Product pages need the mobile browser (JavaScript-rendered).
    item_needs_browser = False
    #: How often an unreadable page is fetched again.
    refetch_limit = 2

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raw = {k: v for k, v in kwargs.items() if k not in {"name", "start_urls"}}
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k in {"name"}})
        self.args = CrawlArguments.parse(raw)
        self.coverage = CoverageBook(self.name)
        self.known: dict[str, KnownListing] = {}
        self.search_sigs: dict[str, str] = {}
        #: Listings read this run, by reason (``needs_detail``); all but "price" ask for the product page.
        self.reads: dict[str, int] = {}
        self.row_fallback: dict[str, SearchRow] = {}
        self.pending: dict[str, int] = {}
        self.stored = 0
        self.robots_refused = 0
        self.term_yield: dict[str, int] = {}
        self.skipped_terms: list[str] = []
        self.yielded = 0
        self.run_id: int | None = None
        self.run_started: datetime | None = None
        self.owns_run = False
        self.context: AppContext | None = None
        self.session: PlatformSession | None = None
        self.allowed_hosts: list[str] = []
        self.obey_robots = True
        self.language = "zh"
        self.done_categories: set[str] = set()
        self.redactor = SecretRedactor()
        self.keeper: PageKeeper | None = None

    # --- set-up ---------------------------------------------------------------------------------

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PlatformSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.prepare(crawler)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        return spider

    def device(self) -> DeviceProfile:
        name = self.settings.get("SURVEIL_DEVICES", {}).get(self.name) or PLATFORM_DEVICES.get(
            self.name, "Pixel 7"
        )
        return device_profile(name)

    def prepare(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.context = context_from(settings)
        context = self.context
        migrate.upgrade(context.engine)
        now = context.clock.now()
        self.now = now
        with transaction(context.sessions) as session:
            platforms = PlatformRepository(session)
            shipped = load_platforms()
            if {p.code for p in shipped} - {p.code for p in platforms.all()}:
                platforms.sync(shipped)
            if platforms.by_code(self.name) is None:
                platforms.sync(self.extra_platform_specs())
            categories = CategoryRepository(session, context.clock)
            if not categories.all():
                categories.sync(load_categories().categories)
            platform = platforms.by_code(self.name)
            if platform is None:
                raise ValueError(f"platform {self.name!r} is not in platforms.yaml")
            self.allowed_hosts = list(platform.allowed_hosts or [])
            self.obey_robots = bool(platform.obey_robots)
            self.language = (platform.settings or {}).get("language", "zh")
            cookie_file = (settings.getdict("SURVEIL_COOKIE_FILES") or {}).get(self.name) or (
                platform.settings or {}
            ).get("cookie_file")
            runs = RunRepository(session, context.clock)
            if self.args.run_id:
                run = session.get(CrawlRun, self.args.run_id)
                if run is None:
                    raise ValueError(f"run {self.args.run_id} does not exist")
                self.done_categories = {
                    k.split(":", 1)[1]
                    for k in CrawlStateRepository(session).done(run.id)
                    if k.startswith(f"{self.name}:")
                }
            else:
                run = runs.start(trigger="spider", options={"platform": self.name, **self.args.model_dump()})
                self.owns_run = settings.getbool("SURVEIL_FINISH_RUN", True)
            self.run_id = run.id
            self.run_started = run.started_at
            self.keeper = PageKeeper(
                pages_dir(context.settings.data_dir, run.id),
                self.name,
                samples=settings.getint("SURVEIL_KEEP_SAMPLES", 2),
            )
            self.known = CrawlStateRepository(session).known(self.name)
            self.last_yield = self.previous_term_yield(runs, run.id)
            self.plan = self.plan_tasks(categories)
            for task in self.plan:
                self.pending[task.category] = self.pending.get(task.category, 0) + 1
        self.redactor.install()
        self.session = open_session(self.name, self.language, self.device(), cookie_file, self.redactor)
        log.info(
            "%s: run %s, %d categories planned, %d listings known, session %s",
            self.name,
            self.run_id,
            len({t.category for t in self.plan}),
            len(self.known),
            self.session.describe(),
        )

    def extra_platform_specs(self) -> list[Any]:
        return []

    def plan_tasks(self, categories: CategoryRepository) -> list[SearchTask]:
        wanted = set(self.args.category)
        tasks: list[SearchTask] = []
        active = categories.active()
        known_codes = {c.code for c in active}
        unknown = wanted - known_codes
        if unknown:
            raise ValueError(f"unknown or inactive categories: {', '.join(sorted(unknown))}")
        for category in active:
            if wanted and category.code not in wanted:
                continue
            if category.code in self.done_categories:
                continue
            terms = list(self.args.term) or self.terms_for(category.search_terms or {})
            if self.args.max_terms:
                terms = terms[: self.args.max_terms]
            for position, term in enumerate(terms):
                if position and self.skip_term(category.code, term, position):
                    self.skipped_terms.append(f"{category.code}: {term}")
                    continue
                tasks.append(SearchTask(category.code, term))
        return tasks

    def previous_term_yield(self, runs: RunRepository, current_run_id: int) -> dict[str, int]:
        """What each search term brought that no earlier term had, in this platform's last run."""
        for run in runs.recent(30):
            if run.id == current_run_id:
                continue
            terms = ((run.summary or {}).get("platforms") or {}).get(self.name, {}).get("terms")
            if terms:
                return dict(terms)
        return {}

    def skip_term(self, category: str, term: str, position: int) -> bool:
        """A further term that brought nothing new last time is left out, except on its weekly re-check
        (explicit terms and ``-a details=always`` never skip)."""
        if self.args.term or self.args.details == "always":
            return False
        last = self.last_yield.get(f"{category}\t{term}")
        if last is None or last > 0:
            return False
        spread = zlib.crc32(f"{self.name}\t{category}\t{term}".encode())
        return (self.now.toordinal() + spread) % 7 != 0

    def terms_for(self, search_terms: dict[str, list[str]]) -> list[str]:
        return list(search_terms.get(self.name) or search_terms.get(self.language) or [])

    # --- requests -------------------------------------------------------------------------------

    def search_request(self, term: str, page: int, state: dict[str, Any]) -> Request:
        raise NotImplementedError

    def item_request(self, row: SearchRow) -> Request | None:
        return None

    def parse_search_page(self, response: Response) -> SearchPage:
        assert self.pages is not None
        return self.pages.parse_search(response)

    def parse_item_page(self, response: Response, row: SearchRow) -> ItemPage:
        assert self.pages is not None
        return self.pages.parse_item(response, row.item_id)

    def _meta(self, category: str, kind: str, **extra: Any) -> dict[str, Any]:
        return {"category": category, "kind": kind, "download_slot": self.name, **extra}

    def _search(self, task: SearchTask, page: int, state: dict[str, Any]) -> Request:
        """A search request; first pages are counted as pending when planned, later ones here."""
        request = self.search_request(task.term, page, state)
        request.meta.update(self._meta(task.category, "search", term=task.term, page=page, state=state))
        if page > 1:
            self.pending[task.category] = self.pending.get(task.category, 0) + 1
        return request.replace(callback=self.parse_search, errback=self.failed)

    def _first_pages(self) -> Iterator[Request]:
        firsts: set[str] = set()
        for task in self.plan:
            request = self._search(task, 1, {})
            request.meta["extra_term"] = task.category in firsts
            firsts.add(task.category)
            yield request

    async def start(self) -> AsyncIterator[Request]:
        for request in self._first_pages():
            yield request

    def start_requests(self) -> Iterator[Request]:  # Scrapy < 2.13
        yield from self._first_pages()

    # --- callbacks ------------------------------------------------------------------------------

    def limit_reached(self) -> bool:
        return self.args.limit is not None and self.yielded >= self.args.limit

    def renew(self, response: Response) -> Request | None:
        """A request to send again instead of parsing this response (a token exchange), or None."""
        return None

    def _renewed(self, response: Response) -> Request | None:
        again = self.renew(response)
        if again is None:
            return None
        tries = response.meta.get("renewals", 0)
        if tries >= 2:
            return None
        again.meta.update({k: v for k, v in response.meta.items() if k in CARRIED_META})
        again.meta.update({"renewals": tries + 1, "download_slot": self.name})
        self.pending[response.meta["category"]] = self.pending.get(response.meta["category"], 0) + 1
        callback = self.parse_search if response.meta.get("kind") == "search" else self.parse_item
        return again.replace(callback=callback, errback=self.failed, dont_filter=True)

    def fresh(self, request: Request) -> Request:
        """The request to send again after a retry (one-time tokens are renewed here)."""
        return request

    def _refetch(self, response: Response, limit: int | None = None) -> Request | None:
        """An unreadable page (truncated, malformed) is fetched again, ``refetch_limit`` times at most
        (``limit`` when given: a page in an unknown layout is fetched once more, see :meth:`layout_changed`)."""
        tries = response.meta.get("refetches", 0)
        if tries >= (self.refetch_limit if limit is None else min(limit, self.refetch_limit)):
            return None
        request = response.request
        again = Request(
            request.url,
            method=request.method,
            headers=request.headers,
            body=request.body,
            callback=request.callback,
            errback=request.errback,
            dont_filter=True,
            meta={k: v for k, v in response.meta.items() if k in CARRIED_META or k.startswith("playwright")},
        )
        again.meta["refetches"] = tries + 1
        again.meta["download_slot"] = self.name
        self.pending[response.meta["category"]] = self.pending.get(response.meta["category"], 0) + 1
        return self.fresh(again)

    def parse_search(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        category = meta["category"]
        again = self._renewed(response)
        if again is not None:
            self._finished(category)
            yield again
            return
        try:
            self.coverage.add(category, pages_fetched=1)
            try:
                page = self.parse_search_page(response)
            except BlockedError as exc:
                self.blocked(category, exc.block)
                self.keep(response, "search", PageOutcome.BLOCKED, exc.block.kind)
                return
            except LayoutChanged as exc:
                again = self._refetch(response, limit=LAYOUT_REFETCHES)
                if again is not None:
                    yield again
                    return
                self.layout_changed(response, "search", exc.layout, exc.problems)
                return
            except PageError as exc:
                again = self._refetch(response)
                if again is not None:
                    yield again
                    return
                self.coverage.add(category, errors=1)
                log.warning("%s %s: unreadable search page %s: %s", self.name, category, response.url, exc)
                return
            outcome = search_outcome(page)
            if outcome is PageOutcome.LAYOUT_CHANGED:
                again = self._refetch(response, limit=LAYOUT_REFETCHES)
                if again is not None:
                    yield again
                    return
                self.layout_changed(response, "search", page.layout, [NO_ROWS_NO_EVIDENCE])
                return
            self.keep(response, "search", outcome, page.layout)
            seen_before = len(self.coverage.seen[category])
            yield from self._rows(page.rows, category)
            brought = len(self.coverage.seen[category]) - seen_before
            key = f"{category}\t{meta['term']}"
            self.term_yield[key] = self.term_yield.get(key, 0) + brought
            more = page.has_next and page.rows
            if more and meta.get("extra_term") and not brought:
                # A further search term whose page shows only listings found already: not paged further.
                self.coverage.progress[category].exhausted = True
            elif more and meta["page"] < self.args.depth and not self.limit_reached():
                if not self.coverage.is_blocked(category):
                    state = {**meta.get("state", {}), **page.state}
                    follow = self._search(SearchTask(category, meta["term"]), meta["page"] + 1, state)
                    follow.meta["extra_term"] = meta.get("extra_term", False)
                    yield follow
            elif more:
                self.coverage.progress[category].truncated = True
            else:
                self.coverage.progress[category].exhausted = True
        finally:
            self._finished(category)

    def _rows(self, rows: list[SearchRow], category: str) -> Iterator[Any]:
        for row in rows:
            if self.limit_reached():
                self.coverage.progress[category].truncated = True
                return
            if not row.item_id or not self.coverage.saw(category, row.item_id):
                continue
            self.yielded += 1
            sig = search_sig(row)
            self.search_sigs[row.item_id] = sig
            reason = needs_detail(
                self.known.get(row.item_id),
                sig,
                self.now,
                timedelta(days=self.args.refresh_days),
                self.args.details,
                self.run_id,
                self.run_started,
                row_has_price(row),
            )
            if reason:
                self.reads[reason] = self.reads.get(reason, 0) + 1
            if reason == "price":
                item = row.to_item(self.name, category)
                item.search_only = True
                yield item
                continue
            request = self.item_request(row) if reason else None
            if request is None:
                if reason:
                    yield row.to_item(self.name, category)
                else:
                    yield Sighting(self.name, row.item_id, category, sig)
                continue
            request.meta.update(self._meta(category, "item", row=row, reason=reason))
            request.meta.setdefault("handle_httpstatus_list", [404, 410])
            self.pending[category] = self.pending.get(category, 0) + 1
            yield request.replace(callback=self.parse_item, errback=self.failed)

    def parse_item(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        category, row = meta["category"], meta["row"]
        again = self._renewed(response)
        if again is not None:
            self._finished(category)
            yield again
            return
        try:
            if response.status in (404, 410):
                yield self.merge(ItemPage(item=row.to_item(self.name, category), gone=True), row, category)
                return
            try:
                page = self.parse_item_page(response, row)
            except BlockedError as exc:
                self.item_blocked(category, exc.block)
                self.keep(response, "item", PageOutcome.BLOCKED, exc.block.kind)
                yield row.to_item(self.name, category)
                return
            except LayoutChanged as exc:
                again = self._refetch(response, limit=LAYOUT_REFETCHES)
                if again is not None:
                    yield again
                    return
                self.layout_changed(response, "item", exc.layout, exc.problems)
                yield row.to_item(self.name, category)
                return
            except PageError as exc:
                again = self._refetch(response)
                if again is not None:
                    yield again
                    return
                self.coverage.add(category, errors=1)
                log.warning("%s %s: unreadable product page %s: %s", self.name, category, response.url, exc)
                yield row.to_item(self.name, category)
                return
            if not page.gone:
                self.keep(response, "item", PageOutcome.OK, page.layout)
            follow = None if page.gone else self.follow_up(page, row, response)
            if follow is not None:
                follow.meta.update(self._meta(category, "item", row=row, partial=page))
                follow.meta.setdefault("handle_httpstatus_list", [404, 410])
                self.pending[category] = self.pending.get(category, 0) + 1
                yield follow.replace(callback=self.parse_follow_up, errback=self.failed)
                return
            yield self.merge(page, row, category)
        finally:
            self._finished(category)

    def follow_up(self, page: ItemPage, row: SearchRow, response: Response) -> Request | None:
        """A second request some product pages need (e.g. specifications loaded separately)."""
        return None

    def complete(self, page: ItemPage, response: Response) -> ItemPage:
        return page

    def parse_follow_up(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        category, row, page = meta["category"], meta["row"], meta["partial"]
        try:
            try:
                page = self.complete(page, response)
            except PageError as exc:
                self.coverage.add(category, errors=1)
                log.warning("%s %s: unreadable follow-up %s: %s", self.name, category, response.url, exc)
            yield self.merge(page, row, category)
        finally:
            self._finished(category)

    def merge(self, page: ItemPage, row: SearchRow, category: str) -> ListingItem:
        """The product page's item, with what only the search row knew filled in."""
        if page.gone:
            gone = row.to_item(self.name, category)
            gone.available = False
            gone.detail_fetched = True
            return gone
        item = page.item
        item.category = category
        item.item_id = item.item_id or row.item_id
        for name in ("seller_id", "seller_name", "brand", "sales_count", "comment_count"):
            if getattr(item, name) in (None, "") and getattr(row, name) not in (None, ""):
                setattr(item, name, getattr(row, name))
        if item.price is None and not item.price_masked and row.price is not None:
            item.price = row.price
        if not item.image_urls and row.image_url:
            item.image_urls = [row.image_url]
        if page.gone:
            item.available = False
        return fill_from_specs(item)

    def failed(self, failure: Any) -> Iterator[Any]:
        request = failure.request
        meta = request.meta
        category = meta.get("category")
        try:
            error = failure.value
            block = getattr(error, "block", None)
            if isinstance(block, Block) and meta.get("kind") == "item":
                self.item_blocked(category, block)
            elif isinstance(block, Block):
                self.blocked(category, block)
            elif type(error).__name__ == "SkippedAfterBlock":
                pass
            elif type(error).__name__ == "IgnoreRequest" and "robots.txt" in str(error):
                self.coverage.progress[category].truncated = True
                self.robots_refused += 1
                if meta.get("kind") == "search" and meta.get("page") == 1:
                    self.blocked(category, Block("robots", "robots.txt disallows the search endpoint"))
                log.info("%s %s: robots.txt forbids %s", self.name, category, request.url)
            else:
                self.coverage.add(category, errors=1)
                log.warning("%s %s: %s failed: %r", self.name, category, request.url, error)
            row = meta.get("row")
            if meta.get("kind") == "item" and row is not None:
                yield row.to_item(self.name, category)
        finally:
            if meta.get("kind") in {"search", "item"}:
                self._finished(category)

    def blocked(self, category: str | None, block: Block) -> None:
        reason = str(block)
        if block.kind == "login" and self.session and self.session.logged_in:
            reason = f"session expired: renew the cookie file for {self.name} ({block.reason})"
        if self.coverage.block(category, reason):
            log.warning("%s %s: blocked, %s; the rest of the crawl goes on", self.name, category, reason)

    def item_blocked(self, category: str | None, block: Block) -> None:
        """A product page met a block: that listing keeps its search row for tonight; the category is
        blocked only after several (see :data:`crawler.crawling.coverage.ITEM_BLOCK_LIMIT`)."""
        reason = str(block)
        if block.kind == "login" and self.session and self.session.logged_in:
            self.blocked(category, block)
            return
        if self.coverage.item_block(category, reason):
            log.warning("%s %s: blocked on product pages, %s", self.name, category, reason)

    def layout_changed(self, response: Response, kind: str, layout: str, problems: list[str]) -> None:
        """A page none of the platform's known layouts reads: counted, the platform × category marked
        ``layout_changed`` for the run (nothing of it is marked gone), and the response kept."""
        category = response.meta.get("category")
        note = f"{kind} {layout or 'unknown layout'}: {'; '.join(problems)}"
        if self.coverage.layout_changed(category, note):
            log.error("%s %s: page layout changed, %s (%s)", self.name, category, note, response.url)
        self.keep(response, kind, PageOutcome.LAYOUT_CHANGED, layout, problems="; ".join(problems))

    def keep(
        self, response: Response, kind: str, outcome: PageOutcome, layout: str, problems: str = ""
    ) -> None:
        """Keep the response with the run when the keeper's sampling wants it (see ``crawling.keep``)."""
        if self.keeper is None or self.context is None:
            return
        row = response.meta.get("row")
        try:
            self.keeper.keep(
                response,
                kind=kind,
                outcome=outcome,
                layout=layout,
                now=self.context.clock.now(),
                category=response.meta.get("category") or "",
                item_id=row.item_id if isinstance(row, SearchRow) else "",
                problems=problems,
            )
        except OSError:
            log.exception("%s: could not keep the response of %s", self.name, response.url)

    def _finished(self, category: str | None) -> None:
        if not category:
            return
        self.pending[category] = self.pending.get(category, 1) - 1

    def finished_categories(self) -> list[str]:
        return [c for c, n in self.pending.items() if n <= 0]

    def on_closed(self, spider: scrapy.Spider, reason: str) -> None:
        self.redactor.uninstall()
