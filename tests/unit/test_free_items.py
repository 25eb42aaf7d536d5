"""Free items: tagged zero-priced lines that follow the addFreeItem effects."""

from __future__ import annotations

from typing import Any

import pytest

from handler import custom_types as ct
from handler.free_items import free_item_actions
from handler.settings import Settings
from tests.unit.builders import cart, free_line, line_item, money, parsed, settings

FREE_TAG = {
    "type": {"typeId": "type", "key": "talon_one_line_item_metadata"},
    "fields": {ct.LINE_ITEM_EFFECT: ct.EFFECT_FREE_ITEM},
}


def actions_for(
    raw: dict[str, Any], wanted: dict[str, int], config: Settings | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    return free_item_actions(parsed(raw), wanted, config or settings())


def test_free_item_is_added_at_price_zero_and_tagged() -> None:
    removals, changes, additions, invalid = actions_for(cart(line_item()), {"126": 1})

    assert (removals, changes, invalid) == ([], [], [])
    assert additions == [
        {
            "action": "addLineItem",
            "sku": "126",
            "quantity": 1,
            "externalPrice": money(0),
            "custom": FREE_TAG,
        }
    ]


def test_free_item_price_has_the_currency_digits() -> None:
    raw = cart(line_item(currency="JPY"), currency="JPY")

    _, _, additions, _ = actions_for(raw, {"126": 2})

    assert additions[0]["externalPrice"] == money(0, "JPY")
    assert additions[0]["externalPrice"]["fractionDigits"] == 0
    assert additions[0]["quantity"] == 2


def test_free_item_uses_the_configured_line_item_type_key() -> None:
    _, _, additions, _ = actions_for(cart(), {"126": 1}, settings(line_item_type_key="shop_type"))

    assert additions[0]["custom"]["type"] == {"typeId": "type", "key": "shop_type"}


def test_free_item_already_in_the_cart_gives_no_actions() -> None:
    raw = cart(line_item(), free_line("f", "126", quantity=2))

    assert actions_for(raw, {"126": 2}) == ([], [], [], [])


def test_free_item_quantity_follows_the_effects_and_resends_the_external_price() -> None:
    raw = cart(free_line("f", "125", quantity=1))

    _, changes, additions, _ = actions_for(raw, {"125": 3})

    assert additions == []
    assert changes == [
        {
            "action": "changeLineItemQuantity",
            "lineItemId": "f",
            "quantity": 3,
            "externalPrice": money(0),
        }
    ]


def test_free_item_removed_when_effect_disappears() -> None:
    raw = cart(line_item(), free_line("f1", "125"), free_line("f2", "126"))

    removals, changes, additions, _ = actions_for(raw, {"126": 1})

    assert removals == [{"action": "removeLineItem", "lineItemId": "f1"}]
    assert changes == additions == []


def test_duplicate_free_item_lines_are_collapsed_into_one() -> None:
    raw = cart(free_line("f1", "125"), free_line("f2", "125"))

    removals, changes, additions, _ = actions_for(raw, {"125": 2})

    assert removals == [{"action": "removeLineItem", "lineItemId": "f2"}]
    assert [(c["lineItemId"], c["quantity"]) for c in changes] == [("f1", 2)]
    assert additions == []


def test_shopper_lines_of_the_same_sku_are_never_touched() -> None:
    raw = cart(line_item("bought", sku="125", quantity=4))

    removals, changes, additions, _ = actions_for(raw, {"125": 1})

    assert removals == changes == []
    assert [a["sku"] for a in additions] == ["125"]


def test_free_item_by_product_id_adds_the_master_variant() -> None:
    config = settings(sku_type="product_id")

    _, _, additions, _ = actions_for(cart(), {"e47852f8": 1}, config)

    assert additions[0]["productId"] == "e47852f8"
    assert "sku" not in additions[0]
    assert "variantId" not in additions[0]


def test_free_item_line_is_matched_by_product_id() -> None:
    raw = cart(free_line("f", "any-sku", product_id="e47852f8"))

    assert actions_for(raw, {"e47852f8": 1}, settings(sku_type="product_id")) == ([], [], [], [])


@pytest.mark.parametrize(
    ("sku", "product_id", "variant_id"),
    [("p-1@2", "p-1", 2), ("p-1", "p-1", 1), ("p-1@1", "p-1", 1)],
)
def test_free_item_by_product_and_variant_id(sku: str, product_id: str, variant_id: int) -> None:
    config = settings(sku_type="product_id_with_variant_id")

    _, _, additions, invalid = actions_for(cart(), {sku: 1}, config)

    assert invalid == []
    assert (additions[0]["productId"], additions[0]["variantId"]) == (product_id, variant_id)


def test_product_with_and_without_variant_one_are_the_same_free_item() -> None:
    config = settings(sku_type="product_id_with_variant_id")

    _, _, additions, _ = actions_for(cart(), {"p-1": 1, "p-1@1": 2, "p-1@2": 1}, config)

    assert [(a["variantId"], a["quantity"]) for a in additions] == [(1, 3), (2, 1)]


def test_free_item_line_is_matched_by_product_and_variant_id() -> None:
    raw = cart(free_line("f", "any-sku", product_id="p-1", variant_id=2))
    config = settings(sku_type="product_id_with_variant_id", sku_separator="::")

    assert actions_for(raw, {"p-1::2": 1}, config) == ([], [], [], [])


@pytest.mark.parametrize("sku", ["p-1@blue", "@2", "p-1@-1"])
def test_free_item_with_an_unusable_variant_id_is_reported_not_added(sku: str) -> None:
    config = settings(sku_type="product_id_with_variant_id")

    _, _, additions, invalid = actions_for(cart(), {sku: 1, "p-2@3": 1}, config)

    assert invalid == [sku]
    assert [a["productId"] for a in additions] == ["p-2"]


def test_no_effects_and_no_free_items_give_nothing() -> None:
    assert actions_for(cart(line_item()), {}) == ([], [], [], [])
