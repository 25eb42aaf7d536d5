"""The cart model reads what commercetools sends, however incomplete or new its shape."""

from __future__ import annotations

from typing import Any

import pytest

from handler import custom_types as ct
from handler.cart import Cart, Reference
from tests.unit.builders import cart, coupon_marker, free_line, line_item, parsed


def test_empty_cart_parses() -> None:
    empty = Cart.model_validate({})

    assert empty.line_items == ()
    assert empty.currency == ""
    assert empty.fields == {}


def test_unknown_fields_and_new_enum_values_are_accepted() -> None:
    raw = cart(line_item(mode="SomeFutureMode", price_mode="AlsoNew"), brandNewField={"x": 1})
    raw["cartState"] = "Frozen"

    model = parsed(raw)

    assert model.line_items[0].line_item_mode == "SomeFutureMode"
    assert model.cart_state == "Frozen"


def test_currency_comes_from_the_total_price() -> None:
    assert parsed(cart(line_item(currency="JPY"), currency="JPY")).currency == "JPY"


def test_currency_falls_back_to_a_line_price_without_total() -> None:
    raw = cart(line_item(currency="KWD"), currency="KWD")
    del raw["totalPrice"]

    assert parsed(raw).currency == "KWD"


def test_custom_without_fields_reads_as_no_fields() -> None:
    raw = cart(line_item())
    raw["custom"] = {"type": {"typeId": "type", "id": "t"}}

    assert parsed(raw).fields == {}


def test_custom_line_item_without_custom_belongs_to_nobody() -> None:
    raw = cart(custom_lines=({"id": "x", "slug": "fee", "money": {"centAmount": 100}},))

    item = parsed(raw).custom_line_items[0]

    assert item.effect is None
    assert item.coupon_code is None


def test_free_item_line_is_recognised_by_its_effect_field() -> None:
    model = parsed(cart(line_item("paid"), free_line("free", "SKU-F")))

    assert [line.is_free_item for line in model.line_items] == [False, True]


def test_coupon_marker_exposes_its_code() -> None:
    model = parsed(cart(custom_lines=(coupon_marker("m", "SUMMER"),)))

    assert model.custom_line_items[0].coupon_code == "SUMMER"
    assert model.custom_line_items[0].effect == ct.EFFECT_COUPON_MARKER


def test_non_text_effect_field_is_not_an_effect() -> None:
    line = line_item(custom_fields={ct.LINE_ITEM_EFFECT: 7})

    assert parsed(cart(line)).line_items[0].effect is None


@pytest.mark.parametrize(
    "custom", [None, {}, {"fields": None}, {"fields": {ct.LINE_ITEM_EFFECT: []}}]
)
def test_lines_with_empty_or_odd_custom_parts_are_shoppers_lines(custom: Any) -> None:
    raw = {"lineItems": [{"id": "l", "custom": custom}], "customLineItems": [{"custom": custom}]}

    model = Cart.model_validate(raw)

    assert (model.line_items[0].effect, model.line_items[0].is_free_item) == (None, False)
    assert (model.custom_line_items[0].effect, model.custom_line_items[0].coupon_code) == (
        None,
        None,
    )


def test_reference_key_is_read_directly_or_from_the_expanded_object() -> None:
    assert Reference.model_validate({"typeId": "type", "key": "k"}).resolved_key == "k"
    expanded = {"typeId": "type", "id": "i", "obj": {"key": "k2"}}
    assert Reference.model_validate(expanded).resolved_key == "k2"
    assert Reference.model_validate({"typeId": "type", "id": "i"}).resolved_key is None


def test_unit_price_is_the_product_discounted_one() -> None:
    line = parsed(cart(line_item(price=1000, discounted=800))).line_items[0]

    assert line.unit_price is not None
    assert line.unit_price.cent_amount == 800
    assert line.list_price is not None
    assert line.list_price.cent_amount == 1000


def test_unit_price_without_a_product_discount_is_the_list_price() -> None:
    line = parsed(cart(line_item(price=1000))).line_items[0]

    assert line.unit_price is line.list_price


def test_variant_price_and_product_type_are_read_into_the_line() -> None:
    raw = {
        "id": "l1",
        "variant": {"id": 3, "sku": "SKU-3", "attributes": [{"name": "size", "value": "M"}]},
        "price": {"value": {"currencyCode": "EUR", "centAmount": 500}},
        "totalPrice": {"currencyCode": "EUR", "centAmount": 1000},
        "productType": {"typeId": "product-type", "id": "pt", "obj": {"key": "shirts"}},
        "quantity": 2,
    }

    line = Cart.model_validate({"lineItems": [raw]}).line_items[0]

    assert (line.variant_id, line.sku, line.product_type_key) == (3, "SKU-3", "shirts")
    assert line.variant_attributes == [{"name": "size", "value": "M"}]
    assert line.total_cent_amount == 1000


@pytest.mark.parametrize("broken", [{"variant": None}, {"price": None}, {"variant": "x"}])
def test_a_line_missing_its_nested_parts_still_parses(broken: dict[str, Any]) -> None:
    line = Cart.model_validate({"lineItems": [{"id": "l1", "quantity": 1, **broken}]}).line_items[0]

    assert (line.sku, line.unit_price, line.variant_id) == (None, None, None)
