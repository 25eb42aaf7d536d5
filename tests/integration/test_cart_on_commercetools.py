"""The handler's actions applied to a real commercetools API (the commercetools-mock server).

Each test creates a cart on the mock, hands it to the handler exactly as commercetools would,
applies the returned actions through the cart update endpoint, checks the cart, and then asks the
handler again: a cart that already shows its promotions gets no action. Every request the handler
sends to Talon.One is checked against Talon.One's OpenAPI document.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from handler import custom_types as ct
from handler.app import Runtime, handle
from handler.session import Mappings
from handler.settings import App, Routing, Settings
from handler.talon import Answer, ReplayTransport, TalonClient
from tests.support.contract import validate_talon_request
from tools.ctmock import (
    Project,
    create_cart,
    create_product,
    create_tax_category,
    extension_input,
    seed_custom_types,
)


class CheckedTransport:
    """Answers with a scripted Talon.One answer and checks each request against the spec."""

    def __init__(self) -> None:
        self.answer: dict[str, Any] = {"effects": []}
        self.requests: list[dict[str, Any]] = []

    def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, deadline: float
    ) -> Answer:
        validate_talon_request(method, url, headers, body)
        self.requests.append(json.loads(body))
        answer = {"createdCoupons": [], "createdReferrals": [], **self.answer}
        content = json.dumps(answer, default=float)
        return ReplayTransport(content.encode()).send(method, url, headers, body, deadline)


def effect(effect_type: str, **props: Any) -> dict[str, Any]:
    envelope = {"campaignId": 1, "rulesetId": 1, "ruleIndex": 0, "ruleName": "rule"}
    return {**envelope, "effectType": effect_type, "props": props}


def make_runtime(project: Project, transport: CheckedTransport, **overrides: Any) -> Runtime:
    cart_type = project.get_by_key("types", ct.CART_TYPE_KEY)
    settings = Settings(
        apps={"shop": App(base_url="https://shop.europe-west1.talon.one", api_key="0" * 40)},
        routing=Routing(by="currency", fallback="shop"),
        cart_type_id=cart_type["id"],
        **overrides,
    )
    return Runtime(settings, Mappings.from_settings(settings), TalonClient(transport))


def evaluate(runtime: Runtime, cart: dict[str, Any]) -> list[dict[str, Any]]:
    accepted, response = handle(extension_input(cart), runtime)
    assert accepted, response
    actions: list[dict[str, Any]] = response["actions"]
    assert len(actions) <= 100
    return actions


@pytest.fixture
def shop(ct_project: Project) -> Project:
    seed_custom_types(ct_project)
    tax = create_tax_category(ct_project)
    prices = {"EUR": 2500, "JPY": 3000, "KWD": 7250}
    create_product(ct_project, "SHIRT", prices, name="Shirt", tax_category=tax)
    create_product(ct_project, "FREE-SOCKS", {"EUR": 500, "JPY": 600}, tax_category=tax)
    return ct_project


def new_cart(
    project: Project, currency: str = "EUR", fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "currency": currency,
        "country": "DE",
        "lineItems": [{"sku": "SHIRT", "quantity": 2}],
    }
    if fields:
        draft["custom"] = {"type": {"typeId": "type", "key": ct.CART_TYPE_KEY}, "fields": fields}
    return create_cart(project, draft)


def test_promotions_land_on_the_cart_and_a_second_run_changes_nothing(shop: Project) -> None:
    transport = CheckedTransport()
    runtime = make_runtime(shop, transport)
    cart = new_cart(shop, fields={ct.CART_COUPON_CODES: ["summer10", "SUMMER10"]})
    transport.answer = {
        "effects": [
            effect("setDiscount", name="10% off", value=5),
            effect("setDiscountPerItem", name="Shirt deal#0", value=2.5, position=0, subPosition=0),
            effect("setDiscountPerItem", name="Shirt deal#0", value=2.5, position=0, subPosition=1),
            effect("addFreeItem", sku="FREE-SOCKS", name="Free socks"),
            effect("acceptCoupon", value="SUMMER10"),
            effect("showNotification", notificationType="Offer", title="Hi", body="Socks!"),
        ]
    }

    actions = evaluate(runtime, cart)
    cart = shop.apply_actions("carts", cart, actions)

    session = transport.requests[0]["customerSession"]
    assert session["couponCodes"] == ["summer10"]
    assert [(item["sku"], item["quantity"], item["price"]) for item in session["cartItems"]] == [
        ("SHIRT", 2, 25)
    ]
    free = [line for line in cart["lineItems"] if line["variant"]["sku"] == "FREE-SOCKS"]
    assert len(free) == 1
    assert free[0]["quantity"] == 1
    # commercetools-mock 4.4.0 ignores externalPrice (it keeps the platform price), so the zero
    # price is checked on the action itself.
    (added,) = [a for a in actions if a["action"] == "addLineItem"]
    assert added["externalPrice"]["centAmount"] == 0
    assert free[0]["custom"]["fields"] == {ct.LINE_ITEM_EFFECT: "addFreeItem"}
    amounts = [d["value"]["money"][0]["centAmount"] for d in cart["directDiscounts"]]
    assert amounts == [500, 500]
    fields = cart["custom"]["fields"]
    assert fields[ct.CART_COUPON_CODES] == ["SUMMER10"]
    assert json.loads(fields[ct.CART_NOTIFICATIONS])[0]["body"] == "SUMMER10"

    assert evaluate(runtime, cart) == []
    # The free item is not sent back to Talon.One as something the shopper buys.
    assert [item["sku"] for item in transport.requests[1]["customerSession"]["cartItems"]] == [
        "SHIRT"
    ]


def test_promotions_leave_when_their_effects_go(shop: Project) -> None:
    transport = CheckedTransport()
    runtime = make_runtime(shop, transport)
    cart = new_cart(shop)
    transport.answer = {
        "effects": [
            effect("setDiscount", name="10% off", value=5),
            effect("addFreeItem", sku="FREE-SOCKS", name="Free socks"),
            effect("addFreeItem", sku="FREE-SOCKS", name="Free socks"),
        ]
    }
    cart = shop.apply_actions("carts", cart, evaluate(runtime, cart))
    assert [line["quantity"] for line in cart["lineItems"]] == [2, 2]

    transport.answer = {"effects": [effect("addFreeItem", sku="FREE-SOCKS", name="Free socks")]}
    cart = shop.apply_actions("carts", cart, evaluate(runtime, cart))
    assert [line["quantity"] for line in cart["lineItems"]] == [2, 1]
    assert cart["directDiscounts"] == []

    transport.answer = {"effects": []}
    cart = shop.apply_actions("carts", cart, evaluate(runtime, cart))
    assert [line["variant"]["sku"] for line in cart["lineItems"]] == ["SHIRT"]
    assert evaluate(runtime, cart) == []


def test_rejected_coupon_is_reported_and_not_sent_again(shop: Project) -> None:
    transport = CheckedTransport()
    runtime = make_runtime(shop, transport)
    cart = new_cart(
        shop,
        fields={ct.CART_COUPON_ACTION: "apply", ct.CART_COUPON_ACTION_VALUE: "NOPE"},
    )
    transport.answer = {
        "effects": [effect("rejectCoupon", value="NOPE", rejectionReason="CouponNotFound")]
    }

    cart = shop.apply_actions("carts", cart, evaluate(runtime, cart))

    fields = cart["custom"]["fields"]
    assert json.loads(fields[ct.CART_COUPON_REJECTIONS]) == [
        {"code": "NOPE", "reason": "CouponNotFound"}
    ]
    assert ct.CART_COUPON_ACTION not in fields
    assert ct.CART_COUPON_CODES not in fields
    assert transport.requests[0]["customerSession"]["couponCodes"] == ["NOPE"]

    transport.answer = {"effects": []}
    cart = shop.apply_actions("carts", cart, evaluate(runtime, cart))
    assert transport.requests[1]["customerSession"]["couponCodes"] == []
    assert ct.CART_COUPON_REJECTIONS not in cart["custom"]["fields"]
    assert evaluate(runtime, cart) == []


@pytest.mark.parametrize(
    ("currency", "talon_value", "minor_units"),
    [("EUR", "1.005", 100), ("JPY", "100.5", 100), ("KWD", "1.2345", 1234)],
)
def test_amounts_use_the_currency_fraction_digits(
    shop: Project, currency: str, talon_value: str, minor_units: int
) -> None:
    transport = CheckedTransport()
    runtime = make_runtime(shop, transport)
    cart = new_cart(shop, currency=currency)
    transport.answer = {"effects": [effect("setDiscount", name="off", value=Decimal(talon_value))]}

    actions = evaluate(runtime, cart)
    cart = shop.apply_actions("carts", cart, actions)

    # Half-even rounding, once, in the currency's own minor unit.
    (discount,) = cart["directDiscounts"]
    assert discount["value"]["money"][0]["centAmount"] == minor_units
    price = transport.requests[0]["customerSession"]["cartItems"][0]["price"]
    assert (
        Decimal(str(price))
        == {"EUR": Decimal("25"), "JPY": Decimal(3000), "KWD": Decimal("7.25")}[currency]
    )


def test_custom_line_item_mode_discounts_are_updated_in_place(shop: Project) -> None:
    tax = shop.get_by_key("tax-categories", "standard-de")
    transport = CheckedTransport()
    runtime = make_runtime(
        shop, transport, discount_mode="custom_line_items", discount_tax_category_id=tax["id"]
    )
    cart = new_cart(shop)
    transport.answer = {
        "effects": [
            effect("setDiscount", name="10% off", value=5),
            effect("acceptCoupon", value="SUMMER10"),
        ]
    }
    cart = shop.apply_actions("carts", cart, evaluate(runtime, cart))
    owned = {item["slug"]: item["money"]["centAmount"] for item in cart["customLineItems"]}
    assert owned == {"10percent-off-0": -500, "SUMMER10": 0}

    transport.answer = {"effects": [effect("setDiscount", name="10% off", value=7.5)]}
    actions = evaluate(runtime, cart)
    line_actions = {a["action"] for a in actions if a["action"] != "setCustomField"}
    assert line_actions == {"changeCustomLineItemMoney", "removeCustomLineItem"}
    cart = shop.apply_actions("carts", cart, actions)

    owned = {item["slug"]: item["money"]["centAmount"] for item in cart["customLineItems"]}
    assert owned == {"10percent-off-0": -750}
    assert evaluate(runtime, cart) == []


def test_foreign_custom_line_items_and_fields_are_left_alone(shop: Project) -> None:
    shop.create(
        "types",
        {
            "key": "shop-cart",
            "name": {"en": "Shop cart"},
            "resourceTypeIds": ["order"],
            "fieldDefinitions": [
                {
                    "name": "giftNote",
                    "label": {"en": "Gift note"},
                    "required": False,
                    "type": {"name": "String"},
                }
            ],
        },
    )
    tax = shop.get_by_key("tax-categories", "standard-de")
    cart = create_cart(
        shop,
        {
            "currency": "EUR",
            "country": "DE",
            "lineItems": [{"sku": "SHIRT", "quantity": 1}],
            "customLineItems": [
                {
                    "name": {"en": "Gift wrap"},
                    "money": {"currencyCode": "EUR", "centAmount": 300},
                    "slug": "gift-wrap",
                    "taxCategory": {"typeId": "tax-category", "id": tax["id"]},
                }
            ],
            "custom": {
                "type": {"typeId": "type", "key": "shop-cart"},
                "fields": {"giftNote": "hi"},
            },
        },
    )
    transport = CheckedTransport()
    runtime = make_runtime(shop, transport)
    transport.answer = {
        "effects": [
            effect("setDiscount", name="10% off", value=2.5),
            effect("showNotification", notificationType="Info", title="", body="Welcome"),
        ]
    }

    cart = shop.apply_actions("carts", cart, evaluate(runtime, cart))

    # The shop's type has no notifications field: nothing is written there, and the type stays.
    assert cart["custom"]["fields"] == {"giftNote": "hi"}
    assert [item["slug"] for item in cart["customLineItems"]] == ["gift-wrap"]
    assert len(cart["directDiscounts"]) == 1
    assert evaluate(runtime, cart) == []
