from decimal import Decimal

import pytest
from parsel import Selector

from crawler.pages.markup import (
    dig,
    js_object_after,
    json_maybe_twice,
    marked_text,
    parse_count,
    parse_price,
    plain_text,
    strip_jsonp,
)


def test_marked_text_keeps_highlights_and_drops_other_tags() -> None:
    node = Selector(
        text='<a>\n  <em>A <font class="x">B</font>&amp;C</em>\n  <i class="p">promo</i>\n</a>'
    ).css("a")[0]
    assert marked_text(node) == "<em>A B&amp;C</em>\n<em>promo</em>"
    assert plain_text(marked_text(node)) == "A B&C promo"


@pytest.mark.parametrize(
    ("raw", "price", "masked"),
    [
        ("¥1,299.00", Decimal("1299.00"), False),
        ("R$ 3.899,00", Decimal("3899.00"), False),
        ("1??9", None, True),
        ("？？", None, True),
        ("", None, False),
        ("n/a", None, False),
        (12.5, Decimal("12.50"), False),
        ("3880.00", Decimal("3880.00"), False),
    ],
)
def test_parse_price(raw: object, price: Decimal | None, masked: bool) -> None:
    value, is_masked = parse_price(raw)
    assert is_masked is masked
    assert value == price


@pytest.mark.parametrize(
    ("raw", "count"),
    [
        ("500+", 500),
        ("1.2万+", 12000),
        ("10,000+ sold", 10000),
        ("已拼10万+件", 100000),
        (None, None),
        ("", None),
    ],
)
def test_parse_count(raw: object, count: int | None) -> None:
    assert parse_count(raw) == count


def test_js_object_literal_with_trailing_commas_and_single_quotes() -> None:
    page = "<script>window._itemOnly = ({item: {skuId: '100', name: \"a 'b'\", list: [1,2,],},});</script>"
    data = js_object_after(page, "window._itemOnly")
    assert data == {"item": {"skuId": "100", "name": "a 'b'", "list": [1, 2]}}
    assert js_object_after(page, "window.missing") is None
    assert js_object_after("window.x = {broken", "window.x") is None


def test_json_helpers() -> None:
    assert json_maybe_twice('"{\\"a\\": 1}"') == {"a": 1}
    assert strip_jsonp('mtopjsonp3({"ret": ["SUCCESS::ok"]})') == '{"ret": ["SUCCESS::ok"]}'
    assert dig({"a": [{"b": 2}]}, "a.0.b") == 2
    assert dig({"a": [{"b": 2}]}, "a.5.b", "x") == "x"
