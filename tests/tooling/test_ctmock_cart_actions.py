"""What commercetools-mock 4.4.0 does with the cart update actions our handler returns.

Each test pins one fact listed in tools/ctmock.py's docstring, so a mock upgrade that changes it
fails here first. Where the mock differs from the real API, the test name says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from handler.custom_types import (
    CART_NOTIFICATIONS,
    CART_REFERRAL_CODE,
    CART_TYPE_KEY,
    LINE_ITEM_COUPON_CODE,
    LINE_ITEM_EFFECT,
    LINE_ITEM_TYPE_KEY,
)
from tools.ctmock import (
    Project,
    create_cart,
    create_product,
    create_tax_category,
    seed_custom_types,
)

Cart = dict[str, Any]


@dataclass(frozen=True)
class Shop:
    """A project with the connector's types, a 19 % tax category and two products in EUR."""

    project: Project
    tax_category: dict[str, Any]

    def cart(self, **draft: Any) -> Cart:
        return create_cart(
            self.project,
            {
                "currency": "EUR",
                "country": "DE",
                "lineItems": [{"sku": "SHIRT", "quantity": 2}],
                **draft,
            },
        )

    def apply(self, cart: Cart, *actions: dict[str, Any]) -> Cart:
        return self.project.apply_actions("carts", cart, actions)

    def reject(self, cart: Cart, *actions: dict[str, Any]) -> dict[str, Any]:
        response = self.project.update("carts", cart["id"], cart["version"], actions)
        assert response.status_code == 400, response.text
        error: dict[str, Any] = response.json()["errors"][0]
        return error


@pytest.fixture
def shop(ct_project: Project) -> Shop:
    seed_custom_types(ct_project)
    tax_category = create_tax_category(ct_project)
    create_product(ct_project, "SHIRT", {"EUR": 1000}, tax_category=tax_category)
    create_product(ct_project, "SOCKS", {"EUR": 500}, tax_category=tax_category)
    return Shop(ct_project, tax_category)


def eur(cents: int) -> dict[str, Any]:
    return {"currencyCode": "EUR", "centAmount": cents}


def connector_tag(effect: str) -> dict[str, Any]:
    return {
        "type": {"typeId": "type", "key": LINE_ITEM_TYPE_KEY},
        "fields": {LINE_ITEM_EFFECT: effect},
    }


def discount_line(shop: Shop, cents: int, key: str = "promo-10-off") -> dict[str, Any]:
    return {
        "action": "addCustomLineItem",
        "name": {"en": "10% off"},
        "slug": key,
        "key": key,
        "money": eur(cents),
        "taxCategory": {"typeId": "tax-category", "id": shop.tax_category["id"]},
        "priceMode": "External",
        "custom": connector_tag("setDiscount"),
    }


def test_set_custom_type_replaces_every_cart_field_and_no_type_removes_them(shop: Shop) -> None:
    cart_type = {"typeId": "type", "key": CART_TYPE_KEY}
    cart = shop.cart(custom={"type": cart_type, "fields": {CART_REFERRAL_CODE: "REF"}})

    cart = shop.apply(
        cart, {"action": "setCustomType", "type": cart_type, "fields": {CART_NOTIFICATIONS: "hi"}}
    )

    assert cart["custom"]["fields"] == {CART_NOTIFICATIONS: "hi"}

    cart = shop.apply(cart, {"action": "setCustomType"})
    assert "custom" not in cart


def test_set_custom_field_sets_and_removes_one_field(shop: Shop) -> None:
    cart_type = {"typeId": "type", "key": CART_TYPE_KEY}
    cart = shop.cart(custom={"type": cart_type, "fields": {CART_REFERRAL_CODE: "REF"}})

    cart = shop.apply(cart, {"action": "setCustomField", "name": CART_NOTIFICATIONS, "value": "x"})
    cart = shop.apply(cart, {"action": "setCustomField", "name": CART_REFERRAL_CODE})

    assert cart["custom"]["fields"] == {CART_NOTIFICATIONS: "x"}


def test_mock_accepts_custom_fields_the_type_does_not_define_unlike_the_real_api(
    shop: Shop,
) -> None:
    cart = shop.cart(custom={"type": {"typeId": "type", "key": CART_TYPE_KEY}})

    cart = shop.apply(cart, {"action": "setCustomField", "name": "not_in_type", "value": "x"})
    cart = shop.apply(cart, {"action": "setCustomField", "name": "never_set"})

    assert cart["custom"]["fields"] == {"not_in_type": "x"}


def test_set_custom_field_on_a_cart_without_a_type_is_rejected(shop: Shop) -> None:
    error = shop.reject(
        shop.cart(), {"action": "setCustomField", "name": CART_NOTIFICATIONS, "value": "x"}
    )

    assert error["code"] == "InvalidOperation"


def test_negative_custom_line_item_lowers_the_total_and_keeps_tax_and_custom_fields(
    shop: Shop,
) -> None:
    cart = shop.apply(shop.cart(), discount_line(shop, -200))

    line = cart["customLineItems"][0]
    assert line["totalPrice"]["centAmount"] == -200
    assert line["taxRate"]["amount"] == 0.19
    assert line["custom"]["fields"] == {LINE_ITEM_EFFECT: "setDiscount"}
    assert cart["totalPrice"]["centAmount"] == 2000 - 200


def test_change_custom_line_item_money_by_id_or_key_updates_the_total(shop: Shop) -> None:
    cart = shop.apply(shop.cart(), discount_line(shop, -200))
    line_id = cart["customLineItems"][0]["id"]

    cart = shop.apply(
        cart,
        {"action": "changeCustomLineItemMoney", "customLineItemId": line_id, "money": eur(-300)},
    )
    assert cart["totalPrice"]["centAmount"] == 1700

    cart = shop.apply(
        cart,
        {
            "action": "changeCustomLineItemMoney",
            "customLineItemKey": "promo-10-off",
            "money": eur(-50),
        },
    )
    assert cart["totalPrice"]["centAmount"] == 1950


@pytest.mark.parametrize("by", ["customLineItemId", "customLineItemKey"])
def test_remove_custom_line_item_by_id_or_key(shop: Shop, by: str) -> None:
    cart = shop.apply(shop.cart(), discount_line(shop, -200))
    line = cart["customLineItems"][0]
    reference = line["id"] if by == "customLineItemId" else line["key"]

    cart = shop.apply(cart, {"action": "removeCustomLineItem", by: reference})

    assert cart["customLineItems"] == []
    assert cart["totalPrice"]["centAmount"] == 2000


def test_mock_keeps_two_custom_line_items_with_one_slug_unlike_the_real_api(shop: Shop) -> None:
    cart = shop.apply(shop.cart(), discount_line(shop, -100, key="promo-a"))

    cart = shop.apply(cart, discount_line(shop, -100, key="promo-a"))

    assert [line["slug"] for line in cart["customLineItems"]] == ["promo-a", "promo-a"]


def test_mock_adds_a_custom_line_item_without_tax_category_unlike_the_real_api(shop: Shop) -> None:
    action = {**discount_line(shop, -100)}
    del action["taxCategory"]

    cart = shop.apply(shop.cart(), action)

    assert "taxRate" not in cart["customLineItems"][0]


def test_add_line_item_keeps_custom_fields_but_ignores_external_price(shop: Shop) -> None:
    free_item = {
        "action": "addLineItem",
        "sku": "SOCKS",
        "quantity": 1,
        "key": "free-socks",
        "externalPrice": eur(0),
        "custom": connector_tag("addFreeItem"),
    }

    cart = shop.apply(shop.cart(), free_item)

    socks = cart["lineItems"][1]
    assert socks["key"] == "free-socks"
    assert socks["custom"]["fields"] == {LINE_ITEM_EFFECT: "addFreeItem"}
    # The real API would price it at 0 in ExternalPrice mode.
    assert socks["priceMode"] == "Platform"
    assert socks["totalPrice"]["centAmount"] == 500
    assert cart["totalPrice"]["centAmount"] == 2500


def test_add_line_item_with_a_sku_already_in_the_cart_merges_into_that_line(shop: Shop) -> None:
    free_item = {
        "action": "addLineItem",
        "sku": "SHIRT",
        "externalPrice": eur(0),
        "custom": connector_tag("addFreeItem"),
    }

    cart = shop.apply(shop.cart(), free_item)

    # The real API adds a separate line when an external price is given.
    assert len(cart["lineItems"]) == 1
    assert cart["lineItems"][0]["quantity"] == 3
    assert "custom" not in cart["lineItems"][0]


def test_change_line_item_quantity_ignores_external_price(shop: Shop) -> None:
    cart = shop.cart()
    change = {
        "action": "changeLineItemQuantity",
        "lineItemId": cart["lineItems"][0]["id"],
        "quantity": 3,
        "externalPrice": eur(900),
    }

    cart = shop.apply(cart, change)

    assert cart["lineItems"][0]["priceMode"] == "Platform"
    assert cart["totalPrice"]["centAmount"] == 3000


def test_change_line_item_quantity_to_zero_removes_the_line(shop: Shop) -> None:
    cart = shop.cart()
    line_id = cart["lineItems"][0]["id"]

    cart = shop.apply(
        cart, {"action": "changeLineItemQuantity", "lineItemId": line_id, "quantity": 0}
    )

    assert cart["lineItems"] == []
    assert cart["totalPrice"]["centAmount"] == 0


def test_mock_cannot_change_line_item_quantity_by_key(shop: Shop) -> None:
    cart = shop.cart(lineItems=[{"sku": "SHIRT", "key": "shirt-line"}])

    error = shop.reject(
        cart, {"action": "changeLineItemQuantity", "lineItemKey": "shirt-line", "quantity": 2}
    )

    assert error["message"] == "A line item with Key 'shirt-line' not found."


def test_remove_line_item_removes_the_line_or_some_of_its_quantity(shop: Shop) -> None:
    cart = shop.cart()
    line_id = cart["lineItems"][0]["id"]

    cart = shop.apply(cart, {"action": "removeLineItem", "lineItemId": line_id, "quantity": 1})
    assert cart["lineItems"][0]["quantity"] == 1

    cart = shop.apply(cart, {"action": "removeLineItem", "lineItemId": line_id})
    assert cart["lineItems"] == []


def test_set_line_item_price_switches_to_external_price_and_back(shop: Shop) -> None:
    cart = shop.cart()
    line_id = cart["lineItems"][0]["id"]

    cart = shop.apply(
        cart, {"action": "setLineItemPrice", "lineItemId": line_id, "externalPrice": eur(700)}
    )
    assert (cart["lineItems"][0]["priceMode"], cart["totalPrice"]["centAmount"]) == (
        "ExternalPrice",
        1400,
    )

    cart = shop.apply(cart, {"action": "setLineItemPrice", "lineItemId": line_id})
    assert (cart["lineItems"][0]["priceMode"], cart["totalPrice"]["centAmount"]) == (
        "Platform",
        2000,
    )


def test_set_line_item_custom_field_needs_the_line_to_have_a_type(shop: Shop) -> None:
    cart = shop.cart()
    line_id = cart["lineItems"][0]["id"]
    set_coupon = {
        "action": "setLineItemCustomField",
        "lineItemId": line_id,
        "name": LINE_ITEM_COUPON_CODE,
        "value": "SUMMER",
    }

    assert shop.reject(cart, set_coupon)["code"] == "InvalidOperation"

    tag = {"action": "setLineItemCustomType", "lineItemId": line_id, **connector_tag("setDiscount")}
    cart = shop.apply(cart, tag, set_coupon)
    assert cart["lineItems"][0]["custom"]["fields"] == {
        LINE_ITEM_EFFECT: "setDiscount",
        LINE_ITEM_COUPON_CODE: "SUMMER",
    }


def test_direct_discounts_are_stored_and_kept_but_never_computed(shop: Shop) -> None:
    discount = {
        "value": {"type": "absolute", "money": [eur(150)]},
        "target": {"type": "lineItems", "predicate": 'sku = "SHIRT"'},
    }
    cart = shop.cart()
    line_id = cart["lineItems"][0]["id"]

    cart = shop.apply(cart, {"action": "setDirectDiscounts", "discounts": [discount]})
    cart = shop.apply(
        cart, {"action": "changeLineItemQuantity", "lineItemId": line_id, "quantity": 3}
    )

    assert [{k: d[k] for k in ("value", "target")} for d in cart["directDiscounts"]] == [discount]
    assert cart["lineItems"][0]["discountedPricePerQuantity"] == []
    assert cart["totalPrice"]["centAmount"] == 3000

    cart = shop.apply(cart, {"action": "setDirectDiscounts", "discounts": []})
    assert cart["directDiscounts"] == []


@pytest.mark.parametrize(
    "action",
    [
        {"action": "setLineItemTotalPrice", "lineItemId": "any-line"},
        {"action": "setCustomLineItemCustomField", "customLineItemId": "any-line", "name": "x"},
        {"action": "setCustomLineItemCustomType", "customLineItemId": "any-line"},
        {
            "action": "changeCustomLineItemPriceMode",
            "customLineItemId": "any-line",
            "mode": "Standard",
        },
    ],
    ids=lambda action: action["action"],
)
def test_mock_lacks_some_real_cart_actions(shop: Shop, action: dict[str, Any]) -> None:
    cart = shop.cart()

    error = shop.reject(cart, action)

    assert error == {"code": "InvalidInput", "message": f"Invalid action {action['action']}"}


def test_one_failing_action_rejects_the_whole_update(shop: Shop) -> None:
    cart = shop.cart()

    shop.reject(cart, discount_line(shop, -100), {"action": "setLineItemTotalPrice"})

    assert shop.project.get("carts", cart["id"])["customLineItems"] == []
