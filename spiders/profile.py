"""The generic spider of platforms described by a YAML profile: ``scrapy crawl profile -a profile=ocj``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from scrapy import Request
from scrapy.http import Response

from crawler.browser.devices import DeviceProfile, device_profile
from crawler.catalogue.schema import PlatformSpec
from crawler.crawling.base import BlockedError, PlatformSpider
from crawler.crawling.profiles.loader import load_profile
from crawler.pages import profile as pages
from crawler.pages.base import ItemPage, SearchPage, SearchRow


class ProfileSpider(PlatformSpider):
    name = "profile"

    def __init__(self, *args: Any, profile: str = "", **kwargs: Any) -> None:
        if not profile:
            raise ValueError("the profile spider needs -a profile=<platform code or YAML file>")
        self.profile = load_profile(profile)
        kwargs["name"] = self.profile.code
        super().__init__(*args, **kwargs)

    def extra_platform_specs(self) -> list[Any]:
        p = self.profile
        return [PlatformSpec(code=p.code, name=p.name, language=p.language, allowed_hosts=p.allowed_hosts)]

    def device(self) -> DeviceProfile:
        return device_profile(self.profile.identity.device)

    def search_request(self, term: str, page: int, state: dict[str, Any]) -> Request:
        spec = self.profile.search
        url = spec.url.format(
            term=quote(term), page=page, size=spec.page_size, offset=(page - 1) * spec.page_size
        )
        return Request(url, method=spec.method, headers=self.profile.identity.headers)

    def item_request(self, row: SearchRow) -> Request | None:
        spec = self.profile.item
        if spec is None:
            return None
        url = spec.url.format(item_id=quote(row.item_id), url=row.url)
        return Request(
            url, headers=self.profile.identity.headers, meta={"handle_httpstatus_list": [404, 410]}
        )

    def parse_search_page(self, response: Response) -> SearchPage:
        data = pages._json(response) if self.profile.search.format == "json" else None
        block = pages.check_blocks(response, self.profile.search.blocks, data)
        if block:
            raise BlockedError(block)
        return pages.parse_search(response, self.profile, response.meta.get("page", 1))

    def parse_item_page(self, response: Response, row: SearchRow) -> ItemPage:
        spec = self.profile.item
        block = pages.check_blocks(response, spec.blocks if spec else [], None)
        if block:
            raise BlockedError(block)
        return pages.parse_item(response, self.profile, row)
