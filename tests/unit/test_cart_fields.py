"""The connector's cart custom fields, written without disturbing anyone else's."""

from __future__ import annotations

from typing import Any

from handler import custom_types as ct
from handler.cart_fields import FieldPlan, field_actions
from handler.settings import Settings
from tests.unit.builders import CART_TYPE_ID, FOREIGN_TYPE_ID, cart, line_item, parsed, settings

NOTES = ct.CART_NOTIFICATIONS
CODES = ct.CART_COUPON_CODES


def plan_for(
    raw: dict[str, Any], wanted: dict[str, Any], config: Settings | None = None
) -> FieldPlan:
    return field_actions(parsed(raw), wanted, config or settings())


def test_cart_without_custom_type_gets_ours_with_the_values() -> None:
    raw = cart(line_item(), fields=None)

    plan = plan_for(raw, {NOTES: "[]", CODES: ["A"], ct.CART_PROMOTIONS_UNAVAILABLE: None})

    assert plan.actions == [
        {
            "action": "setCustomType",
            "type": {"typeId": "type", "key": "talon_one_cart_metadata"},
            "fields": {NOTES: "[]", CODES: ["A"]},
        }
    ]


def test_cart_type_key_is_configurable() -> None:
    plan = plan_for(cart(fields=None), {NOTES: "x"}, settings(cart_type_key="shop_cart"))

    assert plan.actions[0]["type"] == {"typeId": "type", "key": "shop_cart"}


def test_cart_without_custom_type_and_nothing_to_write_gets_no_actions() -> None:
    assert plan_for(cart(fields=None), {NOTES: None, CODES: None}).actions == []


def test_our_type_by_configured_id_gets_single_field_updates() -> None:
    raw = cart(fields={NOTES: "old", "shop_field": 1}, type_id=CART_TYPE_ID)

    plan = plan_for(raw, {NOTES: "new", CODES: ["A"]})

    assert plan.actions == [
        {"action": "setCustomField", "name": NOTES, "value": "new"},
        {"action": "setCustomField", "name": CODES, "value": ["A"]},
    ]
    assert plan.unwritable == ()


def test_our_type_by_expanded_key_gets_single_field_updates() -> None:
    raw = cart(fields={})
    raw["custom"]["type"] = {"typeId": "type", "id": "other-id", "obj": {"key": "shop_cart"}}

    plan = plan_for(raw, {NOTES: "new"}, settings(cart_type_key="shop_cart", cart_type_id=None))

    assert plan.actions == [{"action": "setCustomField", "name": NOTES, "value": "new"}]


def test_field_already_holding_the_value_gets_no_action() -> None:
    raw = cart(fields={NOTES: "same", CODES: ["A", "B"]})

    assert plan_for(raw, {NOTES: "same", CODES: ["A", "B"]}).actions == []


def test_field_wanted_absent_is_removed() -> None:
    raw = cart(fields={NOTES: "old"})

    assert plan_for(raw, {NOTES: None}).actions == [{"action": "setCustomField", "name": NOTES}]


def test_removing_an_absent_field_is_never_emitted() -> None:
    # commercetools answers InvalidOperation to the removal of a field that is not there.
    raw = cart(fields={})

    assert plan_for(raw, {NOTES: None, CODES: None}).actions == []


def test_false_is_a_value_not_an_absence() -> None:
    raw = cart(fields={ct.CART_PROMOTIONS_UNAVAILABLE: True})

    plan = plan_for(raw, {ct.CART_PROMOTIONS_UNAVAILABLE: False})

    assert plan.actions == [
        {"action": "setCustomField", "name": ct.CART_PROMOTIONS_UNAVAILABLE, "value": False}
    ]


def test_foreign_type_gets_only_the_fields_it_has_and_reports_the_rest() -> None:
    raw = cart(fields={NOTES: "old", "shop_field": 1}, type_id=FOREIGN_TYPE_ID)

    plan = plan_for(raw, {NOTES: "new", CODES: ["A"], ct.CART_APPLIED_DISCOUNTS: "[]"})

    assert plan.actions == [{"action": "setCustomField", "name": NOTES, "value": "new"}]
    assert plan.unwritable == (CODES, ct.CART_APPLIED_DISCOUNTS)


def test_foreign_type_is_never_replaced() -> None:
    raw = cart(fields={"shop_field": 1}, type_id=FOREIGN_TYPE_ID)

    plan = plan_for(raw, {NOTES: "new"})

    assert plan.actions == []
    assert plan.unwritable == (NOTES,)


def test_field_removal_on_a_foreign_type_is_allowed_where_present() -> None:
    raw = cart(fields={NOTES: "old"}, type_id=FOREIGN_TYPE_ID)

    plan = plan_for(raw, {NOTES: None, CODES: None})

    assert plan.actions == [{"action": "setCustomField", "name": NOTES}]
    assert plan.unwritable == ()


def test_type_referenced_by_id_only_is_foreign_without_a_configured_id() -> None:
    raw = cart(fields={}, type_id=CART_TYPE_ID)

    plan = plan_for(raw, {NOTES: "new"}, settings(cart_type_id=None))

    assert plan.actions == []
    assert plan.unwritable == (NOTES,)
