"""Effects of one Talon.One answer as the promotions the cart should show."""

from __future__ import annotations

from handler.promotions import Discount, Rejection
from tests.unit.builders import (
    accept_coupon,
    accept_referral,
    cost_discount,
    effect,
    free_item,
    item_discount,
    notification,
    promotions_of,
    reject_coupon,
    reject_referral,
    set_discount,
)

LINES = ("line-a", "line-b", "line-c")


# Cart and additional-cost discounts


def test_cart_discount_is_rounded_into_minor_units() -> None:
    promotions = promotions_of(set_discount("10% off", "149.3"), set_discount("5% off", "74.65"))

    assert promotions.cart_discounts == [Discount("10% off", 14930), Discount("5% off", 7465)]


def test_cart_discount_follows_the_currency_digits() -> None:
    jpy = promotions_of(set_discount("d", "150.5"), currency="JPY")
    kwd = promotions_of(set_discount("d", "1.2345"), currency="KWD")

    assert jpy.cart_discounts == [Discount("d", 150)]
    assert kwd.cart_discounts == [Discount("d", 1234)]


def test_cart_discount_follows_the_rounding_mode() -> None:
    half_up = promotions_of(set_discount("d", "0.005"), rounding="half_up")
    half_even = promotions_of(set_discount("d", "0.015"), rounding="half_even")

    assert half_up.cart_discounts == [Discount("d", 1)]
    assert half_even.cart_discounts == [Discount("d", 2)]


def test_discount_that_rounds_to_nothing_is_dropped() -> None:
    promotions = promotions_of(set_discount("tiny", "0.004"), set_discount("negative", "-3"))

    assert promotions.cart_discounts == []


def test_discount_keeps_the_coupon_that_triggered_it() -> None:
    promotions = promotions_of(
        set_discount("10% off", "1.8", coupon_id=658),
        accept_coupon("Cool-Summer!", coupon_id=658),
        set_discount("5% off", "1", coupon_id=999),
    )

    assert promotions.cart_discounts == [
        Discount("10% off", 180, coupon_code="Cool-Summer!"),
        Discount("5% off", 100),
    ]


def test_additional_cost_discount_names_its_cost() -> None:
    promotions = promotions_of(cost_discount("Free shipping", "4.95"))

    assert promotions.cost_discounts == [Discount("Free shipping", 495, additional_cost="shipping")]


# Per-item discounts


def test_item_discount_lands_on_the_line_at_its_position() -> None:
    promotions = promotions_of(item_discount("Shoes#0", "1.3", 2), positions=LINES)

    assert promotions.item_discounts == [Discount("Shoes", 130, line_item_id="line-c")]


def test_item_discounts_of_one_line_are_summed_over_units_and_rounded_once() -> None:
    # Three units of one line (flattened items), each 0.335 off: 1.005 in all, one rounding.
    units = [item_discount("Per unit#1", "0.335", 1, sub_position=n) for n in range(3)]

    promotions = promotions_of(*units, positions=LINES)

    assert promotions.item_discounts == [Discount("Per unit", 100, line_item_id="line-b")]


def test_several_item_effects_on_one_line_add_up() -> None:
    promotions = promotions_of(
        item_discount("A#0", "1.25", 0), item_discount("B#0", "2.50", 0), positions=LINES
    )

    assert [d.amount for d in promotions.item_discounts] == [375]
    assert promotions.item_discounts[0].line_item_id == "line-a"


def test_item_discounts_on_several_lines_stay_apart() -> None:
    promotions = promotions_of(
        item_discount("A#1", "1", 1), item_discount("A#0", "2", 0), positions=LINES
    )

    amounts = {d.line_item_id: d.amount for d in promotions.item_discounts}
    assert amounts == {"line-b": 100, "line-a": 200}


def test_item_discount_keeps_the_coupon_that_triggered_it() -> None:
    promotions = promotions_of(
        accept_coupon("TEST-1", coupon_id=3749),
        item_discount("10% off per item#0", "9.999", 0, sub_position=0, coupon_id=3749),
        positions=LINES,
    )

    assert promotions.item_discounts == [
        Discount("10% off per item", 1000, coupon_code="TEST-1", line_item_id="line-a")
    ]


def test_line_discounted_by_a_rule_and_a_coupon_keeps_the_coupon() -> None:
    promotions = promotions_of(
        item_discount("Rule#1", "1", 1),
        item_discount("Coupon#1", "2", 1, coupon_id=5),
        accept_coupon("FIVE", coupon_id=5),
        positions=LINES,
    )

    (discount,) = promotions.item_discounts
    assert (discount.amount, discount.coupon_code) == (300, "FIVE")


def test_only_the_trailing_position_suffix_is_stripped_from_item_names() -> None:
    promotions = promotions_of(item_discount("Buy #1 get one#0", "1", 0), positions=LINES)

    assert promotions.item_discounts[0].name == "Buy #1 get one"


def test_item_name_without_suffix_is_kept() -> None:
    promotions = promotions_of(item_discount("Plain", "1", 0), positions=LINES)

    assert promotions.item_discounts[0].name == "Plain"


def test_item_discount_at_an_unknown_position_is_skipped_and_noted() -> None:
    promotions = promotions_of(
        item_discount("d#3", "1", 3),
        item_discount("d#-1", "1", -1),
        effect("setDiscountPerItem", {"name": "d", "value": 1, "position": 0.5}),
        positions=LINES,
    )

    assert promotions.item_discounts == []
    assert promotions.skipped == {"setDiscountPerItem at unknown position": 3}


# Free items


def test_free_items_are_counted_per_sku() -> None:
    promotions = promotions_of(free_item("125"), free_item("126"), free_item("125"))

    assert promotions.free_items == {"125": 2, "126": 1}


# Coupons, referrals and notifications


def test_accepted_and_rejected_coupons_are_listed() -> None:
    promotions = promotions_of(
        accept_coupon("SUMMER", coupon_id=1),
        reject_coupon("WINTER", "CouponExpired"),
    )

    assert promotions.accepted_coupons == ["SUMMER"]
    assert promotions.rejected_coupons == [Rejection("WINTER", "CouponExpired")]


def test_referral_outcomes_are_kept() -> None:
    accepted = promotions_of(accept_referral("R-1"))
    rejected = promotions_of(reject_referral("R-2", "ReferralExpired"))

    assert accepted.accepted_referral == "R-1"
    assert rejected.rejected_referral == Rejection("R-2", "ReferralExpired")


def test_notifications_take_the_accelerator_shape_in_effect_order() -> None:
    promotions = promotions_of(
        notification("Offer", "Offer title", "Offer message."),
        reject_coupon("Cool-Summer!", "CouponNotFound"),
        accept_coupon("TEST-1"),
        accept_referral("R-1"),
        reject_referral("R-2", "ReferralNotFound"),
    )

    assert promotions.notifications == [
        {
            "type": "Offer",
            "title": "Offer title",
            "body": "Offer message.",
            "effect": "showNotification",
            "code": "",
        },
        {
            "type": "Error",
            "title": "",
            "body": "Cool-Summer!",
            "effect": "rejectCoupon",
            "code": "CouponNotFound",
        },
        {"type": "Info", "title": "", "body": "TEST-1", "effect": "acceptCoupon", "code": ""},
        {"type": "Info", "title": "", "body": "R-1", "effect": "acceptReferral", "code": ""},
        {
            "type": "Error",
            "title": "",
            "body": "R-2",
            "effect": "rejectReferral",
            "code": "ReferralNotFound",
        },
    ]


def test_notification_of_an_unknown_type_is_skipped_and_noted() -> None:
    promotions = promotions_of(notification("Warning", "t", "b"), notification("Misc", "t", "b"))

    assert [n["type"] for n in promotions.notifications] == ["Misc"]
    assert promotions.skipped == {"showNotification of unknown type": 1}


def test_no_effects_mean_no_promotions() -> None:
    promotions = promotions_of()

    assert promotions.cart_discounts == promotions.item_discounts == []
    assert promotions.free_items == {}
    assert promotions.notifications == []
    assert not promotions.skipped
