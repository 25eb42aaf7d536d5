"""All update actions for one cart, in a stable order, at most 100 of them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handler import custom_types as ct
from handler.cart_actions import MAX_ACTIONS, CartPlan, field_text, plan_cart, unavailable_plan
from handler.codes import MAX_CODE_LENGTH, requested_coupons
from handler.settings import Settings
from tests.unit.builders import (
    FOREIGN_TYPE_ID,
    accept_coupon,
    accept_referral,
    applied,
    cart,
    cost_discount,
    coupon_marker,
    custom_line,
    field_changes,
    free_item,
    free_line,
    item_discount,
    line_item,
    line_item_settings,
    notification,
    parsed,
    promotions_for,
    reject_coupon,
    reject_referral,
    set_discount,
    settings,
)


def plan_for(raw: dict[str, Any], *effects: dict[str, Any], config: Settings) -> CartPlan:
    model = parsed(raw)
    promotions = promotions_for(raw, *effects, config=config)
    return plan_cart(model, requested_coupons(model), promotions, config)


def kinds(plan: CartPlan) -> list[str]:
    return [action["action"] for action in plan.actions]


def without_fields(plan: CartPlan) -> list[str]:
    return [kind for kind in kinds(plan) if kind not in ("setCustomField", "setCustomType")]


# Order and idempotence


def test_custom_fields_come_first_then_removals_changes_and_additions() -> None:
    raw = cart(
        line_item("a", price=5000),
        free_line("f-old", "OLD"),
        free_line("f-more", "MORE"),
        fields={},
        custom_lines=(
            custom_line("d-old", "gone-0", -100, name="gone"),
            custom_line("d-change", "d-0", -100, name="d"),
        ),
    )

    plan = plan_for(
        raw,
        set_discount("d", "2"),
        set_discount("new", "1"),
        item_discount("i#0", "1", 0),
        free_item("MORE"),
        free_item("MORE"),
        free_item("NEW"),
        config=line_item_settings(),
    )

    field_count = len(kinds(plan)) - len(without_fields(plan))
    assert field_count > 0
    assert kinds(plan)[:field_count] == ["setCustomField"] * field_count
    assert without_fields(plan) == [
        "removeCustomLineItem",
        "removeLineItem",
        "changeCustomLineItemMoney",
        "setLineItemTotalPrice",
        "changeLineItemQuantity",
        "addCustomLineItem",
        "addLineItem",
    ]


def test_direct_discounts_come_last_after_the_free_items() -> None:
    raw = cart(line_item("a", price=5000), fields={})

    plan = plan_for(raw, set_discount("d", "1"), free_item("NEW"), config=settings())

    assert without_fields(plan) == ["addLineItem", "setDirectDiscounts"]


RICH_EFFECTS = (
    set_discount("10% off", "3"),
    accept_coupon("SUMMER", coupon_id=1),
    set_discount("Summer", "1", coupon_id=1),
    reject_coupon("NOPE", "CouponNotFound"),
    item_discount("Shoes#0", "2", 0),
    free_item("GIFT"),
    free_item("GIFT"),
    notification("Offer", "Deal", "Buy more"),
)


@pytest.mark.parametrize("config", [settings(), line_item_settings()], ids=["direct", "lines"])
def test_second_run_on_the_updated_cart_gives_no_actions(config: Settings) -> None:
    fields = {
        ct.CART_COUPON_CODES: ["summer", "NOPE"],
        ct.CART_COUPON_ACTION: "apply",
        ct.CART_COUPON_ACTION_VALUE: "summer",
    }
    raw = cart(line_item("a", price=5000, quantity=2), line_item("b", sku="B"), fields=fields)
    first = plan_for(raw, *RICH_EFFECTS, config=config)
    # Talon.One no longer hears of the rejected code, so it no longer rejects it.
    still_applying = [e for e in RICH_EFFECTS if e["effectType"] != "rejectCoupon"]

    once_updated = applied(raw, first.actions)
    second = plan_for(once_updated, *still_applying, config=config)
    third = plan_for(applied(once_updated, second.actions), *still_applying, config=config)

    assert first.actions
    # The rejection is shown once, then its notice and record are cleared.
    assert {a.get("name") for a in second.actions} == {
        ct.CART_NOTIFICATIONS,
        ct.CART_COUPON_REJECTIONS,
    }
    assert third.actions == []


def test_cart_of_a_new_shopper_without_promotions_gets_no_actions_in_direct_mode() -> None:
    assert plan_for(cart(line_item()), config=settings()).actions == []


def test_priced_lines_record_is_written_even_when_empty_in_custom_line_item_mode() -> None:
    plan = plan_for(cart(line_item(), fields={}), config=line_item_settings())

    assert plan.actions == [
        {"action": "setCustomField", "name": ct.CART_PRICED_LINE_ITEMS, "value": "[]"}
    ]


def test_priced_lines_record_is_removed_in_direct_discount_mode() -> None:
    raw = cart(line_item(), fields={ct.CART_PRICED_LINE_ITEMS: "[]"})

    plan = plan_for(raw, config=settings())

    assert plan.actions == [{"action": "setCustomField", "name": ct.CART_PRICED_LINE_ITEMS}]


# The 100-action cap


def test_actions_past_the_cap_are_left_for_the_next_update_with_a_note() -> None:
    effects = [free_item(f"F{n}") for n in range(MAX_ACTIONS + 20)]

    plan = plan_for(cart(line_item(), fields={}), *effects, config=settings())

    assert len(plan.actions) == MAX_ACTIONS
    assert plan.notes["actions left for the next update"] == 20
    # What is cut is computed again next time: the kept actions are the first ones.
    assert plan.actions[-1]["sku"] == f"F{MAX_ACTIONS - 1}"


def test_every_priced_line_is_reset_even_when_the_resets_exceed_the_cap() -> None:
    count = MAX_ACTIONS + 20
    lines = [
        line_item(f"l{n}", sku=f"S{n}", price=1000, price_mode="ExternalTotal", total=900)
        for n in range(count)
    ]
    record = json.dumps([f"l{n}" for n in range(count)])
    raw = cart(*lines, fields={ct.CART_PRICED_LINE_ITEMS: record})
    config = line_item_settings()

    # The promotion is gone: every update carries what fits, until nothing is left to do.
    for _ in range(3):
        plan = plan_for(raw, config=config)
        raw = applied(raw, plan.actions)

    still_discounted = [line["id"] for line in raw["lineItems"] if line["priceMode"] != "Platform"]
    assert still_discounted == []


def test_plan_at_the_cap_has_no_note() -> None:
    effects = [free_item(f"F{n}") for n in range(MAX_ACTIONS)]

    plan = plan_for(cart(line_item(), fields={}), *effects, config=settings())

    assert len(plan.actions) == MAX_ACTIONS
    assert "actions left for the next update" not in plan.notes


# Coupons


def test_legacy_coupon_command_is_consumed_once_read() -> None:
    fields = {ct.CART_COUPON_ACTION: "apply", ct.CART_COUPON_ACTION_VALUE: "test-1"}

    plan = plan_for(cart(line_item(), fields=fields), accept_coupon("TEST-1"), config=settings())

    changes = field_changes(plan.actions)
    assert changes[ct.CART_COUPON_ACTION] is None
    assert changes[ct.CART_COUPON_ACTION_VALUE] is None
    assert changes[ct.CART_COUPON_CODES] == ["TEST-1"]


def test_accepted_coupons_are_kept_as_talon_spells_them() -> None:
    raw = cart(line_item(), fields={ct.CART_COUPON_CODES: ["summer", "pending"]})

    plan = plan_for(raw, accept_coupon("SUMMER"), config=settings())

    assert field_changes(plan.actions)[ct.CART_COUPON_CODES] == ["SUMMER", "pending"]


def test_rejected_coupon_is_dropped_and_listed_in_the_rejections_field() -> None:
    raw = cart(line_item(), fields={ct.CART_COUPON_CODES: ["GOOD", "bad"]})

    plan = plan_for(
        raw, accept_coupon("GOOD"), reject_coupon("BAD", "CouponExpired"), config=settings()
    )

    changes = field_changes(plan.actions)
    assert changes[ct.CART_COUPON_CODES] == ["GOOD"]
    assert json.loads(changes[ct.CART_COUPON_REJECTIONS]) == [
        {"code": "BAD", "reason": "CouponExpired"}
    ]


def test_last_coupon_rejected_removes_the_codes_field() -> None:
    raw = cart(line_item(), fields={ct.CART_COUPON_CODES: ["bad"]})

    plan = plan_for(raw, reject_coupon("bad"), config=settings())

    assert field_changes(plan.actions)[ct.CART_COUPON_CODES] is None


def test_too_long_code_is_rejected_without_asking_talon() -> None:
    long_code = "L" * (MAX_CODE_LENGTH + 1)
    raw = cart(line_item(), fields={ct.CART_COUPON_CODES: [long_code]})

    plan = plan_for(raw, config=settings())

    changes = field_changes(plan.actions)
    assert changes[ct.CART_COUPON_CODES] is None
    assert json.loads(changes[ct.CART_COUPON_REJECTIONS]) == [
        {"code": long_code, "reason": "CouponCodeTooLong"}
    ]
    assert json.loads(changes[ct.CART_NOTIFICATIONS]) == [
        {
            "type": "Error",
            "title": "",
            "body": long_code,
            "effect": "rejectCoupon",
            "code": "CouponCodeTooLong",
        }
    ]


def test_legacy_coupon_markers_move_into_the_codes_field_in_direct_mode() -> None:
    raw = cart(line_item(), fields={}, custom_lines=(coupon_marker("m", "TEST-1"),))

    plan = plan_for(raw, accept_coupon("TEST-1"), config=settings())

    assert field_changes(plan.actions)[ct.CART_COUPON_CODES] == ["TEST-1"]
    assert {"action": "removeCustomLineItem", "customLineItemId": "m"} in plan.actions


def test_coupon_removed_from_the_codes_field_is_not_sent_again_in_custom_line_item_mode() -> None:
    # An accepted coupon in the accelerator's mode: in the codes field and as a marker line.
    config = line_item_settings()
    raw = cart(line_item(price=5000), fields={ct.CART_COUPON_CODES: ["SUMMER"]})
    effects = (accept_coupon("SUMMER", coupon_id=1), set_discount("Summer", "5", coupon_id=1))
    with_coupon = applied(raw, plan_for(raw, *effects, config=config).actions)

    # The storefront removes the code from the codes field.
    del with_coupon["custom"]["fields"][ct.CART_COUPON_CODES]

    assert requested_coupons(parsed(with_coupon)).codes == ()


# Referrals, notifications, applied discounts and the unavailable flag


def test_rejected_referral_clears_the_referral_field() -> None:
    raw = cart(line_item(), fields={ct.CART_REFERRAL_CODE: "EUR__R-1"})

    plan = plan_for(raw, reject_referral("R-1"), config=settings())

    assert field_changes(plan.actions)[ct.CART_REFERRAL_CODE] == ""


def test_accepted_referral_leaves_the_referral_field_alone() -> None:
    raw = cart(line_item(), fields={ct.CART_REFERRAL_CODE: "R-1"})

    plan = plan_for(raw, accept_referral("R-1"), config=settings())

    assert ct.CART_REFERRAL_CODE not in field_changes(plan.actions)


def test_notifications_are_written_as_one_json_text() -> None:
    plan = plan_for(
        cart(line_item(), fields={}), notification("Info", "Hi", "Hello"), config=settings()
    )

    assert json.loads(field_changes(plan.actions)[ct.CART_NOTIFICATIONS]) == [
        {"type": "Info", "title": "Hi", "body": "Hello", "effect": "showNotification", "code": ""}
    ]


def test_old_notifications_are_removed_when_there_are_none() -> None:
    raw = cart(line_item(), fields={ct.CART_NOTIFICATIONS: '[{"type":"Info"}]'})

    plan = plan_for(raw, config=settings())

    assert plan.actions == [{"action": "setCustomField", "name": ct.CART_NOTIFICATIONS}]


def test_applied_discounts_are_recorded_for_the_storefront() -> None:
    raw = cart(line_item("a", price=5000), fields={}, shipping=500)

    plan = plan_for(
        raw,
        set_discount("Cart", "1"),
        item_discount("Item#0", "2", 0),
        cost_discount("Ship", "5"),
        config=settings(),
    )

    recorded = json.loads(field_changes(plan.actions)[ct.CART_APPLIED_DISCOUNTS])
    assert [(d["name"], d["target"], d["centAmount"]) for d in recorded] == [
        ("Cart", "cart", 100),
        ("Item", "lineItem", 200),
        ("Ship", "shipping", 500),
    ]


def test_successful_evaluation_clears_the_unavailable_flag() -> None:
    raw = cart(line_item(), fields={ct.CART_PROMOTIONS_UNAVAILABLE: True})

    plan = plan_for(raw, config=settings())

    assert plan.actions == [{"action": "setCustomField", "name": ct.CART_PROMOTIONS_UNAVAILABLE}]


def test_skipped_effects_become_notes() -> None:
    raw = cart(line_item(), fields={})

    plan = plan_for(
        raw, item_discount("d#5", "1", 5), notification("Loud", "t", "b"), config=settings()
    )

    assert plan.notes == {
        "setDiscountPerItem at unknown position": 1,
        "showNotification of unknown type": 1,
    }


def test_fields_missing_from_a_foreign_cart_type_become_notes() -> None:
    raw = cart(line_item(), fields={"shop": 1}, type_id=FOREIGN_TYPE_ID)

    plan = plan_for(raw, notification("Info", "t", "b"), config=settings())

    assert plan.actions == []
    assert plan.notes == {f"cart field not on the cart's type: {ct.CART_NOTIFICATIONS}": 1}


def test_unusable_free_item_skus_become_a_note() -> None:
    config = settings(sku_type="product_id_with_variant_id")

    plan = plan_for(cart(line_item(), fields={}), free_item("p@x"), config=config)

    assert plan.notes == {"free item with unusable SKU": 1}


# Talon.One unavailable


def test_fail_open_plan_sets_only_the_unavailable_flag() -> None:
    raw = cart(
        line_item("a", price=1000, price_mode="ExternalTotal", total=900),
        free_line("f", "GIFT"),
        fields={ct.CART_NOTIFICATIONS: "[]", ct.CART_PRICED_LINE_ITEMS: '["a"]'},
        custom_lines=(custom_line("d", "d-0", -100),),
    )

    plan = unavailable_plan(parsed(raw), line_item_settings())

    assert plan.actions == [
        {"action": "setCustomField", "name": ct.CART_PROMOTIONS_UNAVAILABLE, "value": True}
    ]


def test_fail_open_plan_gives_a_cart_without_type_ours() -> None:
    plan = unavailable_plan(parsed(cart(line_item())), settings())

    assert kinds(plan) == ["setCustomType"]
    assert plan.actions[0]["fields"] == {ct.CART_PROMOTIONS_UNAVAILABLE: True}


def test_fail_open_plan_on_a_flagged_cart_gives_no_actions() -> None:
    raw = cart(line_item(), fields={ct.CART_PROMOTIONS_UNAVAILABLE: True})

    assert unavailable_plan(parsed(raw), settings()).actions == []


def test_fail_open_plan_on_a_foreign_type_notes_the_missing_flag() -> None:
    raw = cart(line_item(), fields={"shop": 1}, type_id=FOREIGN_TYPE_ID)

    plan = unavailable_plan(parsed(raw), settings())

    assert plan.actions == []
    assert plan.notes == {f"cart field not on the cart's type: {ct.CART_PROMOTIONS_UNAVAILABLE}": 1}


# Any cart, any promotions: the second update changes nothing


@st.composite
def carts_and_effects(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    count = draw(st.integers(min_value=1, max_value=4))
    lines = [
        line_item(
            f"l{n}",
            sku=draw(st.sampled_from(["A", "B", "C", "D"])),
            price=draw(st.integers(min_value=1, max_value=100_000)),
            quantity=draw(st.integers(min_value=1, max_value=5)),
        )
        for n in range(count)
    ]
    amounts = st.decimals(min_value=0, max_value=2000, places=3)
    names = st.sampled_from(["10% off", "Sale", "Bonus #2"])
    # Talon.One decides only on the codes it is sent.
    has_codes = draw(st.booleans())
    kinds = ["cart", "item", "free", "coupon"] if has_codes else ["cart", "item", "free"]
    effects: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        kind = draw(st.sampled_from(kinds))
        if kind == "cart":
            effects.append(set_discount(draw(names), str(draw(amounts))))
        elif kind == "item":
            position = draw(st.integers(min_value=0, max_value=count - 1))
            effects.append(item_discount(f"{draw(names)}#{position}", str(draw(amounts)), position))
        elif kind == "free":
            effects.append(free_item(draw(st.sampled_from(["G1", "G2"]))))
        else:
            code = draw(st.sampled_from(["SUMMER", "WINTER"]))
            effects.append(accept_coupon(code, coupon_id=len(code)))
            effects.append(set_discount("Coupon", str(draw(amounts)), coupon_id=len(code)))
    fields = {ct.CART_COUPON_CODES: ["summer", "winter"]} if has_codes else {}
    return cart(*lines, fields=fields), effects


@given(case=carts_and_effects(), custom_lines=st.booleans())
def test_any_cart_is_settled_by_one_update(
    case: tuple[dict[str, Any], list[dict[str, Any]]], custom_lines: bool
) -> None:
    raw, effects = case
    config = line_item_settings() if custom_lines else settings()

    first = plan_for(raw, *effects, config=config)
    second = plan_for(applied(raw, first.actions), *effects, config=config)

    assert second.actions == []


_FIELD_VALUES = st.recursive(
    st.text() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.lists(_FIELD_VALUES, max_size=6))
def test_field_text_is_what_earlier_versions_wrote(values: list[Any]) -> None:
    # Texts stored by a version that used Python's json module must compare equal, or an upgrade
    # would rewrite every cart's fields once.
    try:
        expected = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        expected.encode()
    except UnicodeEncodeError:
        # A lone surrogate is not text commercetools can store; both ways refuse it.
        with pytest.raises(ValueError, match="surrogates not allowed"):
            field_text(values)
        return

    assert field_text(values) == expected
