"""The generic page object of profile platforms: JSON paths or CSS selectors from a YAML profile."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from crawler.crawling.profiles.loader import BlockRule, PlatformProfile
from crawler.items import ListingItem
from crawler.pages.base import Block, ItemPage, LayoutChanged, PageError, SearchPage, SearchRow
from crawler.pages.contract import search_page
from crawler.pages.markup import dig, parse_count, parse_price, plain_text, strip_jsonp


def _json(response: Any) -> Any:
    text = response.text
    if text.lstrip()[:1] == "<":
        raise LayoutChanged(
            "an HTML page where the profile expects JSON", problems=["HTML where JSON was expected"]
        )
    try:
        return json.loads(strip_jsonp(text))
    except ValueError as exc:
        raise PageError(f"not JSON: {exc}") from exc


def block_of(response: Any, profile: PlatformProfile, kind: str) -> Block | None:
    """The profile's own block rules for a search or item response (after the common block forms)."""
    if kind == "search":
        rules, is_json = profile.search.blocks, profile.search.format == "json"
    else:
        rules = profile.item.blocks if profile.item else []
        is_json = bool(profile.item and profile.item.format == "json")
    data = None
    if is_json:
        try:
            data = json.loads(strip_jsonp(response.text))
        except ValueError:
            data = None
        if data is None:
            return None
    return check_blocks(response, rules, data)


def _css(node: Any, selector: str) -> str:
    value = node.css(selector).get()
    return plain_text(value) if value else ""


def check_blocks(response: Any, rules: list[BlockRule], data: Any = None) -> Block | None:
    for rule in rules:
        if rule.path and data is not None:
            value = dig(data, rule.path)
            if value is not None and (rule.equals is None or value == rule.equals):
                return Block(rule.kind, rule.reason)
        if rule.selector and data is None and response.css(rule.selector):
            return Block(rule.kind, rule.reason)
    return None


def parse_search(response: Any, profile: PlatformProfile, page_no: int = 1) -> SearchPage:
    spec = profile.search
    rows: list[SearchRow] = []
    total = None
    layout = f"profile:{profile.code}"
    if spec.format == "json":
        data = _json(response)
        entries = dig(data, spec.rows)
        if not isinstance(entries, list):
            raise LayoutChanged(
                f"{profile.code}: no list at {spec.rows}",
                layout=layout,
                problems=[f"no result list at {spec.rows}"],
            )
        total = parse_count(dig(data, spec.total)) if spec.total else None
        getter = lambda entry, path: dig(entry, path)  # noqa: E731
        has_next_value = dig(data, spec.has_next) if spec.has_next else None
    else:
        entries = response.css(spec.rows)
        getter = lambda entry, selector: _css(entry, selector)  # noqa: E731
        has_next_value = bool(response.css(spec.has_next)) if spec.has_next else None
        total = parse_count(_css(response, spec.total)) if spec.total else None
    for rank, entry in enumerate(entries, 1):
        values = {name: getter(entry, path) for name, path in spec.fields.items()}
        item_id = str(values.get("item_id") or "").strip()
        if not item_id:
            continue
        price, masked = parse_price(values.get("price"))
        seller_name = plain_text(str(values.get("seller_name") or "")) or None
        seller_id = str(values.get("seller_id") or "") or (
            seller_name if profile.seller_id_from_name else None
        )
        url = str(values.get("url") or "")
        rows.append(
            SearchRow(
                rank=rank,
                item_id=item_id,
                marked_title=plain_text(str(values.get("title") or "")),
                url=urljoin(response.url, url) if url else "",
                price=price,
                price_masked=masked,
                currency=profile.currency,
                seller_id=seller_id,
                seller_name=seller_name,
                brand=plain_text(str(values.get("brand") or "")) or None,
                image_url=urljoin(response.url, str(values["image_url"]))
                if values.get("image_url")
                else None,
                sales_count=parse_count(values.get("sales_count")),
                comment_count=parse_count(values.get("comment_count")),
            )
        )
    if has_next_value is not None:
        has_next = bool(has_next_value)
    elif total is not None:
        has_next = page_no * spec.page_size < total
    else:
        has_next = len(entries) >= spec.page_size
    required = ["item_id", "title"] + (["price"] if "price" in spec.fields else [])
    return search_page(
        rows,
        layout=layout,
        entries=len(entries),
        claimed=total,
        empty_evidence=f"{spec.total} = 0" if total == 0 and spec.total else "",
        required=required,
        total=total,
        has_next=has_next,
    )


def _from_specs(specs: dict[str, str], names: list[str]) -> str | None:
    for name in names:
        for key, value in specs.items():
            if key.strip() == name or key.strip().startswith(name):
                return value
    return None


def parse_item(response: Any, profile: PlatformProfile, row: SearchRow) -> ItemPage:
    spec = profile.item
    if spec is None:
        raise PageError(f"{profile.code}: the profile has no item page")
    if spec.gone_when and spec.format == "html" and response.css(spec.gone_when):
        return ItemPage(item=row.to_item(profile.code), gone=True, layout=f"profile:{profile.code}")
    if spec.format == "json":
        data = _json(response)
        values = {name: dig(data, path) for name, path in spec.fields.items()}
        images = dig(data, spec.images) if spec.images else []
        specs: dict[str, str] = {}
    else:
        values = {name: _css(response, sel) for name, sel in spec.fields.items()}
        images = [urljoin(response.url, u) for u in response.css(spec.images).getall()] if spec.images else []
        specs = {}
        if spec.specs:
            for tr in response.css(spec.specs.rows):
                key, value = _css(tr, spec.specs.key), _css(tr, spec.specs.value)
                if key:
                    specs[key] = value
    title = plain_text(str(values.get("title") or "")) or row.title
    if not title:
        raise LayoutChanged(
            f"{profile.code}: product page without a title",
            layout=f"profile:{profile.code}",
            problems=["no title on the product page"],
        )
    price, masked = parse_price(values.get("price"))
    seller_name = plain_text(str(values.get("seller_name") or "")) or row.seller_name
    barcode = _from_specs(specs, spec.barcode_from_specs)
    item = ListingItem(
        platform=profile.code,
        item_id=row.item_id,
        title=title,
        url=row.url or response.url,
        price=price if price is not None or masked else row.price,
        price_masked=masked,
        currency=profile.currency,
        seller_id=row.seller_id or (seller_name if profile.seller_id_from_name else None),
        seller_name=seller_name,
        brand=plain_text(str(values.get("brand") or "")) or row.brand,
        model=plain_text(str(values.get("model") or "")) or _from_specs(specs, spec.model_from_specs),
        specs=specs,
        barcodes=[barcode] if barcode else [],
        licence_no=_from_specs(specs, spec.licence_from_specs),
        comment_count=row.comment_count,
        image_urls=[u for u in images if isinstance(u, str)] or ([row.image_url] if row.image_url else []),
        detail_fetched=True,
    )
    return ItemPage(item=item, layout=f"profile:{profile.code}")
