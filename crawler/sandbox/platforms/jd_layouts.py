"""JD search results in the layouts the ``layout`` fault profile switches to (see ``sandbox.faults``).

``searchm``: the mobile search's ``searchm`` JSONP as JD served it (the shape of the real capture
``listings/real_captures/jd/jd_searchm_*.json``): ``searchCB({...})``, string numbers, the rows under
``data.searchm.Paragraph[]`` with ``wareid``, ``Content.warename``, ``Content.imageurl`` and
``dredisprice``, the result count under ``Head.Summary.ResultCount``, and ``/`` written ``\\x2F`` inside
strings (not valid JSON: a parser has to undo it first).

``unknown``: a later generation no page object knows: the same envelope as today's API, but every row's
keys renamed (``sku_id``, ``ware_name``, ``jd_price``, a nested ``shop``). A crawl must report it as
``layout_changed`` and store nothing from it.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from crawler.sandbox.content import Listing
from crawler.sandbox.web import json_response


def search_response(
    layout: str, *, keyword: str, page: int, result: Any, price: Any, image: Any
) -> web.Response:
    """The search page ``result`` (a ``content.SearchPage``) in ``layout``; ``price(listing)`` and
    ``image(listing)`` give the values today's API would show (masked prices stay masked)."""
    if layout == "searchm":
        return _searchm(keyword, page, result, price, image)
    return _unknown(keyword, page, result, price, image)


def _searchm(keyword: str, page: int, result: Any, price: Any, image: Any) -> web.Response:
    pages = max(1, -(-result.total // result.per_page)) if result.total else 0
    data = {
        "retcode": "0",
        "errmsg": "",
        "data": {
            "searchm": {
                "Head": {
                    "Query": {"HcCid1s": "", "HcCid2s": "", "HcCid3s": ""},
                    "Summary": {
                        "OrgSkuCount": str(result.total),
                        "Page": {
                            "PageCount": str(pages),
                            "PageIndex": str(page),
                            "PageSize": str(result.per_page),
                        },
                        "ResultCount": str(result.total),
                        "ResultCut": "0",
                    },
                },
                "Paragraph": [_paragraph(listing, price, image) for listing in result.listings],
            }
        },
    }
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("/", "\\x2F")
    return web.Response(text=f"searchCB({text})", content_type="application/x-javascript", charset="utf-8")


def _paragraph(listing: Listing, price: Any, image: Any) -> dict[str, Any]:
    return {
        "Content": {
            "author": "",
            "imageurl": image(listing),
            "long_image_url": "",
            "shop_name": listing.shop_name,
            "warename": listing.title,
            "CustomAttrList": "",
            "shortWarename": "",
        },
        "pinGou": {"bp": "", "count": ""},
        "catid": listing.category,
        "commentcount": str(listing.comments),
        "dredisprice": price(listing),
        "good": str(90 + listing.comments % 10),
        "hprice": "",
        "shop_id": str(listing.shop_id),
        "vender_id": str(listing.shop_id),
        "wareid": listing.item_id,
        "flags": "0",
    }


def _unknown(keyword: str, page: int, result: Any, price: Any, image: Any) -> web.Response:
    return json_response(
        {
            "code": "0",
            "data": {
                "resultCount": result.total,
                "listKeyWord": keyword,
                "wareList": [
                    {
                        "sku_id": listing.item_id,
                        "ware_name": listing.title,
                        "jd_price": {"value": price(listing), "currency": "CNY"},
                        "shop": {"id": listing.shop_id, "name": listing.shop_name},
                        "img": image(listing),
                    }
                    for listing in result.listings
                ],
            },
        }
    )
