"""Discounts on the cart, as Direct Discounts or as custom line items and external totals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handler import custom_types as ct
from handler.discounts import DiscountPlan, discount_actions, priced_line_ids, slugify
from handler.settings import Settings
from tests.unit.builders import (
    FOREIGN_TYPE_ID,
    TAX_CATEGORY,
    accept_coupon,
    applied,
    cart,
    cost_discount,
    coupon_marker,
    custom_line,
    free_line,
    item_discount,
    line_item,
    line_item_settings,
    money,
    parsed,
    promotions_for,
    set_discount,
    settings,
)


def plan_for(raw: dict[str, Any], *effects: dict[str, Any], config: Settings) -> DiscountPlan:
    return discount_actions(parsed(raw), promotions_for(raw, *effects, config=config), config)


def all_actions(plan: DiscountPlan) -> list[dict[str, Any]]:
    return [*plan.removals, *plan.changes, *plan.additions, *plan.last]


def applied_on(raw: dict[str, Any], plan: DiscountPlan) -> dict[str, Any]:
    """``raw`` after commercetools applied ``plan``, with the priced lines recorded."""
    updated = applied(raw, all_actions(plan))
    if plan.priced_lines:
        updated["custom"]["fields"][ct.CART_PRICED_LINE_ITEMS] = json.dumps(plan.priced_lines)
    return updated


# Direct Discounts --------------------------------------------------------------------------------


def test_cart_discount_becomes_a_direct_discount_on_the_total() -> None:
    plan = plan_for(cart(line_item(price=5000)), set_discount("10% off", "5"), config=settings())

    assert all_actions(plan) == [
        {
            "action": "setDirectDiscounts",
            "discounts": [
                {
                    "value": {"type": "absolute", "money": [money(500)]},
                    "target": {"type": "totalPrice"},
                }
            ],
        }
    ]
    assert plan.applied == [
        {"name": "10% off", "target": "cart", "centAmount": 500, "currencyCode": "EUR"}
    ]


def test_item_discount_targets_the_line_sku_spread_over_its_units() -> None:
    raw = cart(line_item("a", sku="SKU-A", price=1000, quantity=3))

    plan = plan_for(raw, item_discount("Per item#0", "4.5", 0), config=settings())

    (action,) = plan.last
    assert action["discounts"] == [
        {
            "value": {
                "type": "absolute",
                "money": [money(450)],
                "applicationMode": "ProportionateDistribution",
            },
            "target": {"type": "lineItems", "predicate": 'sku = "SKU-A"'},
        }
    ]
    assert plan.applied == [
        {
            "name": "Per item",
            "target": "lineItem",
            "centAmount": 450,
            "currencyCode": "EUR",
            "lineItemId": "a",
        }
    ]


@pytest.mark.parametrize("config", [settings(), line_item_settings()], ids=["direct", "lines"])
def test_applied_item_discount_names_its_coupon(config: Settings) -> None:
    raw = cart(line_item("a", price=9999))

    plan = plan_for(
        raw,
        accept_coupon("TEST-1", coupon_id=3749),
        item_discount("10% off per item#0", "9.999", 0, coupon_id=3749),
        config=config,
    )

    assert plan.applied == [
        {
            "name": "10% off per item",
            "target": "lineItem",
            "centAmount": 1000,
            "currencyCode": "EUR",
            "lineItemId": "a",
            "couponCode": "TEST-1",
        }
    ]


def test_quotes_and_backslashes_in_a_sku_are_escaped_in_the_predicate() -> None:
    raw = cart(line_item(sku='12" \\ pipe'))

    plan = plan_for(raw, item_discount("d#0", "1", 0), config=settings())

    assert plan.last[0]["discounts"][0]["target"]["predicate"] == 'sku = "12\\" \\\\ pipe"'


def test_item_discount_is_capped_at_the_line_total() -> None:
    raw = cart(line_item(price=1000, quantity=2))

    plan = plan_for(raw, item_discount("d#0", "25", 0), config=settings())

    assert plan.last[0]["discounts"][0]["value"]["money"] == [money(2000)]
    assert plan.applied[0]["centAmount"] == 2000


def test_item_discount_on_a_line_without_sku_is_skipped_and_noted() -> None:
    raw = cart(line_item(sku=None))

    plan = plan_for(raw, item_discount("d#0", "1", 0), config=settings())

    assert plan.last == []
    assert plan.skipped == ["item discount on a line without SKU or price"]


def test_shipping_discount_targets_shipping() -> None:
    raw = cart(line_item(), shipping=495)

    plan = plan_for(raw, cost_discount("Free shipping", "4.95"), config=settings())

    assert plan.last[0]["discounts"] == [
        {"value": {"type": "absolute", "money": [money(495)]}, "target": {"type": "shipping"}}
    ]
    assert plan.applied[0]["additionalCost"] == "shipping"


def test_discount_on_an_unknown_additional_cost_is_skipped_and_noted() -> None:
    plan = plan_for(cart(line_item()), cost_discount("d", "1", cost="wrapping"), config=settings())

    assert plan.last == []
    assert plan.skipped == ["discount on unknown additional cost wrapping"]


@pytest.mark.parametrize(
    ("currency", "value", "cents"), [("JPY", "150", 150), ("KWD", "1.5", 1500)]
)
def test_direct_discount_money_has_the_currency_digits(
    currency: str, value: str, cents: int
) -> None:
    raw = cart(line_item(price=100_000, currency=currency), currency=currency)

    plan = plan_for(raw, set_discount("d", value), config=settings())

    assert plan.last[0]["discounts"][0]["value"]["money"] == [money(cents, currency)]


def test_direct_discounts_already_on_the_cart_give_no_actions() -> None:
    raw = cart(line_item("a", sku="A", quantity=2), line_item("b", sku="B"), shipping=500)
    effects = (
        set_discount("10% off", "2"),
        item_discount("A#0", "1", 0),
        cost_discount("Ship", "5"),
    )
    first = plan_for(raw, *effects, config=settings())

    second = plan_for(applied_on(raw, first), *effects, config=settings())

    assert first.last
    assert all_actions(second) == []


def test_changed_amount_replaces_the_direct_discounts() -> None:
    raw = cart(line_item(price=5000))
    current = applied_on(raw, plan_for(raw, set_discount("d", "5"), config=settings()))

    plan = plan_for(current, set_discount("d", "6"), config=settings())

    assert plan.last[0]["discounts"][0]["value"]["money"] == [money(600)]


def test_direct_discounts_are_cleared_when_the_effects_go() -> None:
    raw = cart(line_item(price=5000))
    current = applied_on(raw, plan_for(raw, set_discount("d", "5"), config=settings()))

    plan = plan_for(current, config=settings())

    assert all_actions(plan) == [{"action": "setDirectDiscounts", "discounts": []}]


def test_cart_without_discounts_and_effects_gets_no_actions() -> None:
    assert all_actions(plan_for(cart(line_item()), config=settings())) == []


def test_custom_line_item_leftovers_are_removed_in_direct_discount_mode() -> None:
    raw = cart(
        line_item(),
        custom_lines=(
            custom_line("d1", "10percent-off-0", -100),
            coupon_marker("m1", "TEST-1"),
            custom_line("fee", "handling-fee", 300, effect=None),
            custom_line("other", "other-app", -50, effect="someoneElse"),
        ),
    )

    plan = plan_for(raw, config=settings())

    assert plan.removals == [
        {"action": "removeCustomLineItem", "customLineItemId": "d1"},
        {"action": "removeCustomLineItem", "customLineItemId": "m1"},
    ]


def test_lines_priced_in_the_other_mode_go_back_to_platform_pricing() -> None:
    raw = cart(
        line_item("ours", price=1000, price_mode="ExternalTotal", total=900),
        line_item("theirs", sku="T", price=1000, price_mode="ExternalTotal", total=800),
        fields={ct.CART_PRICED_LINE_ITEMS: json.dumps(["ours"])},
    )

    plan = plan_for(raw, config=settings())

    assert plan.changes == [{"action": "setLineItemTotalPrice", "lineItemId": "ours"}]


def test_accelerator_cart_has_all_its_external_totals_reset() -> None:
    # The accelerator owned every external total; its discount lines show the cart is its.
    raw = cart(
        line_item("a", price=9999, price_mode="ExternalTotal", total=9000),
        free_line("free", "F"),
        custom_lines=(coupon_marker("m", "TEST-1"),),
    )

    plan = plan_for(raw, config=settings())

    assert plan.changes == [{"action": "setLineItemTotalPrice", "lineItemId": "a"}]


def test_external_totals_of_a_cart_the_connector_never_priced_are_left_alone() -> None:
    raw = cart(line_item("a", price=1000, price_mode="ExternalTotal", total=800))

    assert plan_for(raw, config=settings()).changes == []


# Custom line items and external totals -----------------------------------------------------------


def test_cart_discount_becomes_a_negative_custom_line_item() -> None:
    plan = plan_for(
        cart(line_item(price=20000)), set_discount("10% off", "149.3"), config=line_item_settings()
    )

    assert plan.additions == [
        {
            "action": "addCustomLineItem",
            "name": {"en": "10% off"},
            "money": money(-14930),
            "slug": "10percent-off-0",
            "quantity": 1,
            "taxCategory": {"typeId": "tax-category", "id": TAX_CATEGORY},
            "custom": {
                "type": {"typeId": "type", "key": "talon_one_line_item_metadata"},
                "fields": {ct.LINE_ITEM_EFFECT: ct.EFFECT_DISCOUNT},
            },
        }
    ]
    assert plan.last == []


def test_coupon_discount_and_marker_carry_the_coupon_code() -> None:
    plan = plan_for(
        cart(line_item(price=20000)),
        set_discount("10% off", "1", coupon_id=7),
        set_discount("10% off", "2"),
        accept_coupon("Cool-Summer!", coupon_id=7),
        config=line_item_settings(),
    )

    drafts = {action["slug"]: action for action in plan.additions}
    assert set(drafts) == {"10percent-off-Cool-Summer-0", "10percent-off-1", "Cool-Summer"}
    assert drafts["10percent-off-Cool-Summer-0"]["custom"]["fields"] == {
        ct.LINE_ITEM_EFFECT: ct.EFFECT_DISCOUNT,
        ct.LINE_ITEM_COUPON_CODE: "Cool-Summer!",
    }
    marker = drafts["Cool-Summer"]
    assert marker["money"] == money(0)
    assert marker["name"] == {"en": "Cool-Summer!"}
    assert marker["custom"]["fields"] == {
        ct.LINE_ITEM_EFFECT: ct.EFFECT_COUPON_MARKER,
        ct.LINE_ITEM_COUPON_CODE: "Cool-Summer!",
    }


def test_custom_line_item_names_use_the_configured_language_and_type_key() -> None:
    config = line_item_settings(language="de", line_item_type_key="shop_line_type")

    plan = plan_for(cart(line_item(price=5000)), set_discount("Rabatt", "1"), config=config)

    assert plan.additions[0]["name"] == {"de": "Rabatt"}
    assert plan.additions[0]["custom"]["type"] == {"typeId": "type", "key": "shop_line_type"}


def test_shipping_discount_is_a_custom_line_item_too() -> None:
    raw = cart(line_item(), shipping=495)

    plan = plan_for(raw, cost_discount("Free shipping", "4.95"), config=line_item_settings())

    assert [(a["slug"], a["money"]["centAmount"]) for a in plan.additions] == [
        ("Free-shipping-0", -495)
    ]
    assert plan.applied[0]["target"] == "shipping"


def test_custom_line_items_already_on_the_cart_give_no_actions() -> None:
    raw = cart(line_item("a", price=5000, quantity=2), line_item("b", sku="B"), fields={})
    effects = (
        set_discount("10% off", "3"),
        accept_coupon("SUMMER", coupon_id=1),
        set_discount("Coupon", "1", coupon_id=1),
        item_discount("A#0", "2", 0),
    )
    config = line_item_settings()
    first = plan_for(raw, *effects, config=config)

    second = plan_for(applied_on(raw, first), *effects, config=config)

    assert len(first.additions) == 3
    assert all_actions(second) == []


def test_changed_amount_changes_the_money_of_the_line_in_place() -> None:
    raw = cart(
        line_item(price=20000),
        custom_lines=(custom_line("d", "10percent-off-0", -13950, name="10% off"),),
    )

    plan = plan_for(raw, set_discount("10% off", "149.3"), config=line_item_settings())

    assert all_actions(plan) == [
        {"action": "changeCustomLineItemMoney", "customLineItemId": "d", "money": money(-14930)}
    ]


def test_line_with_a_changed_identity_is_replaced() -> None:
    # Same slug, but written in another language: the name no longer matches.
    raw = cart(
        line_item(price=20000),
        custom_lines=(custom_line("d", "Rabatt-0", -100, name="Rabatt", language="en"),),
    )

    plan = plan_for(raw, set_discount("Rabatt", "1"), config=line_item_settings(language="de"))

    assert plan.removals == [{"action": "removeCustomLineItem", "customLineItemId": "d"}]
    assert [a["slug"] for a in plan.additions] == ["Rabatt-0"]


def test_discount_line_goes_when_its_effect_goes() -> None:
    raw = cart(
        line_item(),
        custom_lines=(custom_line("d", "10percent-off-0", -100), coupon_marker("m", "OLD")),
    )

    plan = plan_for(raw, config=line_item_settings())

    assert plan.removals == [
        {"action": "removeCustomLineItem", "customLineItemId": "d"},
        {"action": "removeCustomLineItem", "customLineItemId": "m"},
    ]


def test_duplicate_discount_lines_are_collapsed() -> None:
    raw = cart(
        line_item(price=5000),
        custom_lines=(
            custom_line("d1", "d-0", -100, name="d"),
            custom_line("d2", "d-0", -100, name="d"),
        ),
    )

    plan = plan_for(raw, set_discount("d", "1"), config=line_item_settings())

    assert all_actions(plan) == [{"action": "removeCustomLineItem", "customLineItemId": "d2"}]


def test_foreign_custom_line_items_are_never_touched() -> None:
    raw = cart(
        line_item(),
        custom_lines=(
            custom_line("fee", "handling-fee", 300, effect=None),
            custom_line("other", "d-0", -50, effect="someoneElse"),
        ),
    )

    assert all_actions(plan_for(raw, config=line_item_settings())) == []


def test_direct_discounts_are_left_to_their_owner_in_custom_line_item_mode() -> None:
    stored = {
        "id": "dd",
        "value": {"type": "absolute", "money": [money(100)]},
        "target": {"type": "totalPrice"},
    }
    raw = cart(line_item(), direct_discounts=(stored,))

    assert plan_for(raw, config=line_item_settings()).last == []


def test_item_discount_becomes_an_external_line_total() -> None:
    raw = cart(line_item("a", price=17900))

    plan = plan_for(raw, item_discount("10% off per item#0", "1.3", 0), config=line_item_settings())

    assert plan.changes == [
        {
            "action": "setLineItemTotalPrice",
            "lineItemId": "a",
            "externalTotalPrice": {"price": money(17900), "totalPrice": money(17770)},
        }
    ]
    assert plan.priced_lines == ["a"]


@pytest.mark.parametrize(
    ("rounding", "unit", "value", "total"),
    [
        # The JavaScript accelerator's rounding cases, where both round the same way.
        ("half_even", 9999, "16.9983", 8299),
        ("half_even", 1000, "0.009", 999),
        ("half_even", 1000, "0.005", 1000),
        ("half_even", 1000, "0.015", 998),
        ("half_even", 9999, "9.999", 8999),
        # The handler rounds the discount (the amount Talon.One gives) rather than the line total
        # that remains, so ties of half_up and half_down favour the shopper and the shop in turn.
        ("half_up", 1000, "0.005", 999),
        ("half_up", 1000, "0.015", 998),
        ("half_down", 1000, "0.005", 1000),
        ("half_down", 1000, "0.015", 999),
    ],
)
def test_external_total_rounds_the_discount_once(
    rounding: str, unit: int, value: str, total: int
) -> None:
    raw = cart(line_item("a", price=unit))

    plan = plan_for(
        raw, item_discount("d#0", value, 0), config=line_item_settings(rounding=rounding)
    )

    # A discount that rounds to nothing leaves the line at its platform price.
    totals = [a["externalTotalPrice"]["totalPrice"]["centAmount"] for a in plan.changes]
    assert totals == ([] if total == unit else [total])


@pytest.mark.parametrize(
    ("currency", "unit", "value", "total"),
    [("JPY", 1500, "150", 2850), ("KWD", 12345, "1.5", 23190)],
)
def test_external_total_uses_the_currency_digits(
    currency: str, unit: int, value: str, total: int
) -> None:
    raw = cart(line_item("a", price=unit, quantity=2, currency=currency), currency=currency)

    plan = plan_for(raw, item_discount("d#0", value, 0), config=line_item_settings())

    assert plan.changes[0]["externalTotalPrice"] == {
        "price": money(unit, currency),
        "totalPrice": money(total, currency),
    }


def test_external_total_of_a_high_precision_price_keeps_cent_digits() -> None:
    # A high-precision price: centAmount is in cents, fractionDigits describes preciseAmount.
    line = line_item("a")
    line["price"] = {
        "value": {
            "type": "highPrecision",
            "currencyCode": "EUR",
            "centAmount": 1235,
            "preciseAmount": 123456,
            "fractionDigits": 4,
        }
    }
    raw = cart(line)

    plan = plan_for(raw, item_discount("d#0", "1", 0), config=line_item_settings())

    external = plan.changes[0]["externalTotalPrice"]
    assert external["price"] == money(1235)
    assert external["totalPrice"] == money(1135)


def test_external_total_never_goes_below_zero() -> None:
    raw = cart(line_item("a", price=1000, quantity=2))

    plan = plan_for(raw, item_discount("d#0", "50", 0), config=line_item_settings())

    assert plan.changes[0]["externalTotalPrice"]["totalPrice"] == money(0)
    assert plan.applied[0]["centAmount"] == 2000


def test_item_discount_follows_the_position_past_free_items() -> None:
    raw = cart(line_item("a", sku="A"), free_line("free", "F"), line_item("b", sku="B", price=500))

    plan = plan_for(raw, item_discount("d#1", "1", 1), config=line_item_settings())

    assert [a["lineItemId"] for a in plan.changes] == ["b"]


def test_line_already_at_its_external_total_gets_no_action_but_stays_recorded() -> None:
    raw = cart(
        line_item("a", price=1000, price_mode="ExternalTotal", total=900),
        fields={ct.CART_PRICED_LINE_ITEMS: json.dumps(["a"])},
    )

    plan = plan_for(raw, item_discount("d#0", "1", 0), config=line_item_settings())

    assert plan.changes == []
    assert plan.priced_lines == ["a"]


def test_priced_line_goes_back_to_platform_pricing_when_its_discount_goes() -> None:
    raw = cart(
        line_item("a", price=1000, price_mode="ExternalTotal", total=900),
        line_item("b", sku="B", price=1000, price_mode="ExternalTotal", total=700),
        fields={ct.CART_PRICED_LINE_ITEMS: json.dumps(["a"])},
    )

    plan = plan_for(raw, config=line_item_settings())

    # "b" was priced by someone else: only the recorded line is reset.
    assert plan.changes == [{"action": "setLineItemTotalPrice", "lineItemId": "a"}]
    assert plan.priced_lines == []


def test_recorded_line_that_is_no_longer_external_is_not_reset() -> None:
    raw = cart(line_item("a", price=1000), fields={ct.CART_PRICED_LINE_ITEMS: json.dumps(["a"])})

    assert plan_for(raw, config=line_item_settings()).changes == []


def test_cart_without_the_priced_lines_record_is_taken_as_priced_by_the_accelerator() -> None:
    raw = cart(
        line_item("a", price=9999, price_mode="ExternalTotal", total=9000),
        free_line("free", "F"),
        fields={},
    )

    plan = plan_for(raw, config=line_item_settings())

    assert plan.changes == [{"action": "setLineItemTotalPrice", "lineItemId": "a"}]


def test_external_totals_on_a_cart_of_another_type_are_not_taken_as_the_accelerators() -> None:
    # The record cannot be written to a type without the field, so its absence proves nothing:
    # without any line the accelerator tagged, the external total is someone else's.
    raw = cart(
        line_item("a", price=1000, price_mode="ExternalTotal", total=800),
        fields={"shop_field": 1},
        type_id=FOREIGN_TYPE_ID,
    )

    assert plan_for(raw, config=line_item_settings()).changes == []


@pytest.mark.parametrize("stored", ["not json", json.dumps({"a": 1}), json.dumps(["a", 5]), 7])
def test_unreadable_priced_lines_record_reads_as_the_lines_it_names(stored: Any) -> None:
    raw = cart(line_item("a"), fields={ct.CART_PRICED_LINE_ITEMS: stored})

    assert priced_line_ids(parsed(raw)) == (["a"] if stored == json.dumps(["a", 5]) else [])


# Slugs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("10% off-0", "10percent-off-0"),
        ("10% off-Cool-Summer!-2", "10percent-off-Cool-Summer-2"),
        ("€5 & more > less", "euro5-and-more-greater-less"),
        ("Café crème", "Cafe-creme"),
        ("a/b\\c?d#e", "a-b-c-d-e"),
        ("snake_case", "snake_case"),
        ("x", "talon-one-x"),
        ("!!", "talon-one"),
    ],
)
def test_slug_is_valid_for_commercetools(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slug_is_at_most_256_characters() -> None:
    assert len(slugify("a" * 300)) == 256
