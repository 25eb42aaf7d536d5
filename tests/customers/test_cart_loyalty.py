"""The cart side of loyalty and referrals: points shown on the cart, pay with points, referrals."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from handler import custom_types as ct
from handler.app import handle
from handler.cart_actions import CartPlan, plan_cart
from handler.codes import requested_coupons
from handler.loyalty import cart_loyalty
from handler.settings import Settings
from tests.customers.helpers import program
from tests.integration.test_cart_on_commercetools import (
    CheckedTransport,
    effect,
    evaluate,
    make_runtime,
    new_cart,
)
from tests.unit.builders import (
    ScriptedTransport,
    applied,
    cart,
    field_changes,
    line_item,
    ok,
    parsed,
    promotions_for,
    runtime_for,
    settings,
)
from tools.ctmock import (
    Project,
    create_product,
    create_tax_category,
    seed_custom_types,
)

POINTS = ct.CART_LOYALTY_POINTS


@pytest.fixture
def shop(ct_project: Project) -> Project:
    seed_custom_types(ct_project)
    tax = create_tax_category(ct_project)
    create_product(ct_project, "SHIRT", {"EUR": 2500}, name="Shirt", tax_category=tax)
    return ct_project


def add_points(program_id: int, value: str) -> dict[str, Any]:
    props = {
        "name": "earn",
        "programId": program_id,
        "subLedgerId": "",
        "value": Decimal(value),
        "recipientIntegrationId": "customer-1",
        "transactionUUID": "t-1",
    }
    return effect("addLoyaltyPoints", **props)


def deduct_points(program_id: int, value: str) -> dict[str, Any]:
    props = {
        "ruleTitle": "spend",
        "name": "spend",
        "programId": program_id,
        "subLedgerId": "",
        "value": Decimal(value),
        "transactionUUID": "t-2",
    }
    return effect("deductLoyaltyPoints", **props)


def block(*programs: Any) -> dict[str, Any]:
    return {"programs": {str(entry["id"]): entry for entry in programs}}


def plan_for(
    raw: dict[str, Any],
    *effects: dict[str, Any],
    loyalty: Any = None,
    config: Settings | None = None,
) -> CartPlan:
    config = config or settings()
    model = parsed(raw)
    promotions = promotions_for(raw, *effects, config=config)
    return plan_cart(model, requested_coupons(model), promotions, config, loyalty)


def shown(plan: CartPlan) -> Any:
    value = field_changes(plan.actions).get(POINTS)
    return None if value is None else json.loads(value, parse_float=Decimal)


def test_points_earned_and_spent_are_shown_with_the_balances() -> None:
    raw = cart(line_item(), fields={})

    plan = plan_for(
        raw,
        add_points(7, "10"),
        add_points(7, "2.5"),
        deduct_points(7, "30"),
        add_points(9, "1"),
        loyalty=block(program(7, 100, name="club", title="Club"), program(8, 5)),
    )

    assert shown(plan) == [
        {
            "id": 7,
            "name": "club",
            "title": "Club",
            "balance": 100,
            "pending": Decimal("12.5"),
            "spending": 30,
            "currency": "EUR",
        },
        {
            "id": 8,
            "name": "points",
            "title": "Points",
            "balance": 5,
            "pending": 0,
            "spending": 0,
            "currency": "EUR",
        },
        # Points in a program the profile is not a member of yet: no balance to show.
        {
            "id": 9,
            "name": "",
            "title": "",
            "balance": None,
            "pending": 1,
            "spending": 0,
            "currency": "EUR",
        },
    ]


def test_the_field_is_written_once_and_then_left_alone() -> None:
    raw = cart(line_item(), fields={})
    effects = (add_points(7, "10"),)
    first = plan_for(raw, *effects, loyalty=block(program(7, 100)))

    second = plan_for(applied(raw, first.actions), *effects, loyalty=block(program(7, 100)))

    assert shown(first) is not None
    assert second.actions == []


def test_the_field_goes_when_nothing_is_left_to_show() -> None:
    raw = cart(line_item(), fields={POINTS: "[]"})

    plan = plan_for(raw, loyalty={"programs": {}})

    assert plan.actions == [{"action": "setCustomField", "name": POINTS}]


def test_a_foreign_cart_type_without_the_field_is_noted_not_written() -> None:
    raw = cart(line_item(), fields={"shop": 1}, type_id="foreign-type")

    plan = plan_for(raw, add_points(7, "10"))

    assert plan.actions == []
    assert plan.notes == {f"cart field not on the cart's type: {POINTS}": 1}


def test_invalid_point_effects_are_ignored() -> None:
    raw = cart(line_item(), fields={})

    plan = plan_for(raw, effect("addLoyaltyPoints", value=3), loyalty=None)

    assert plan.actions == []


@pytest.mark.parametrize("currency", ["EUR", "JPY"])
def test_the_cart_currency_labels_the_entries(currency: str) -> None:
    text = cart_loyalty(None, {1: Decimal(2)}, {}, currency)

    assert text is not None
    assert json.loads(text)[0]["currency"] == currency


# On the commercetools mock, through the whole request flow


def test_pay_with_points_is_sent_and_the_points_spent_are_shown(shop: Project) -> None:
    transport = CheckedTransport()
    runtime = make_runtime(shop, transport, pay_with_points_attribute="PayWithPoints")
    cart_on_mock = new_cart(shop, fields={ct.CART_PAY_WITH_POINTS: True})
    transport.answer = {
        "effects": [
            effect("setDiscount", name="Paid with points", value=20),
            deduct_points(3, "2000"),
        ]
    }

    cart_on_mock = shop.apply_actions("carts", cart_on_mock, evaluate(runtime, cart_on_mock))

    assert transport.requests[0]["customerSession"]["attributes"] == {"PayWithPoints": True}
    fields = cart_on_mock["custom"]["fields"]
    (entry,) = json.loads(fields[POINTS])
    assert (entry["id"], entry["spending"], entry["pending"]) == (3, 2000, 0)
    assert len(cart_on_mock["directDiscounts"]) == 1
    # The storefront's flag stays on the cart, as with the accelerator.
    assert fields[ct.CART_PAY_WITH_POINTS] is True
    assert evaluate(runtime, cart_on_mock) == []


def test_a_cart_without_the_flag_sends_false(shop: Project) -> None:
    transport = CheckedTransport()
    runtime = make_runtime(shop, transport, pay_with_points_attribute="PayWithPoints")

    evaluate(runtime, new_cart(shop))

    assert transport.requests[0]["customerSession"]["attributes"] == {"PayWithPoints": False}


def test_referrals_reach_the_storefront_like_coupons(shop: Project) -> None:
    transport = CheckedTransport()
    runtime = make_runtime(shop, transport)
    customer = shop.create("customers", {"email": "r@example.com", "password": "pw"})["customer"]
    cart_on_mock = shop.create(
        "carts",
        {
            "currency": "EUR",
            "country": "DE",
            "customerId": customer["id"],
            "lineItems": [{"sku": "SHIRT", "quantity": 1}],
            "custom": {
                "type": {"typeId": "type", "key": ct.CART_TYPE_KEY},
                "fields": {ct.CART_REFERRAL_CODE: "EUR__R-EU__USD__R-US"},
            },
        },
    )
    transport.answer = {"effects": [effect("acceptReferral", value="R-EU")]}

    cart_on_mock = shop.apply_actions("carts", cart_on_mock, evaluate(runtime, cart_on_mock))

    assert transport.requests[0]["customerSession"]["referralCode"] == "R-EU"
    fields = cart_on_mock["custom"]["fields"]
    assert json.loads(fields[ct.CART_NOTIFICATIONS]) == [
        {"type": "Info", "title": "", "body": "R-EU", "effect": "acceptReferral", "code": ""}
    ]

    transport.answer = {
        "effects": [effect("rejectReferral", value="R-EU", rejectionReason="ReferralExpired")]
    }
    cart_on_mock = shop.apply_actions("carts", cart_on_mock, evaluate(runtime, cart_on_mock))

    fields = cart_on_mock["custom"]["fields"]
    assert json.loads(fields[ct.CART_NOTIFICATIONS]) == [
        {
            "type": "Error",
            "title": "",
            "body": "R-EU",
            "effect": "rejectReferral",
            "code": "ReferralExpired",
        }
    ]
    # A rejected code is cleared, so it is not sent again.
    assert fields[ct.CART_REFERRAL_CODE] == ""


def test_handle_shows_points_from_the_effects() -> None:
    transport = ScriptedTransport(ok(add_points(4, "15")))
    raw = cart(line_item(), fields={})

    accepted, response = handle(
        {"action": "Update", "resource": {"typeId": "cart", "id": raw["id"], "obj": raw}},
        runtime_for(settings(), transport),
    )

    assert accepted
    (entry,) = json.loads(field_changes(response["actions"])[POINTS])
    assert (entry["id"], entry["pending"], entry["currency"]) == (4, 15, "EUR")
