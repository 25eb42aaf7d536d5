"""Coupon and referral codes read from a cart: the set field, and the accelerator's fields."""

from __future__ import annotations

from typing import Any

import pytest

from handler import custom_types as ct
from handler.codes import MAX_CODE_LENGTH, requested_coupons, requested_referral
from tests.unit.builders import cart, coupon_marker, custom_line, line_item, parsed


def coupons_of(fields: dict[str, Any], *custom_lines: dict[str, Any]) -> tuple[str, ...]:
    return requested_coupons(
        parsed(cart(line_item(), fields=fields, custom_lines=custom_lines))
    ).codes


def test_codes_come_from_the_set_field_in_order() -> None:
    assert coupons_of({ct.CART_COUPON_CODES: ["B", "A"]}) == ("B", "A")


def test_codes_are_deduplicated_case_insensitively_keeping_the_first_spelling() -> None:
    fields = {ct.CART_COUPON_CODES: ["summer", "SUMMER", " Summer ", "winter"]}

    assert coupons_of(fields) == ("summer", "winter")


def test_blank_and_non_text_entries_are_ignored() -> None:
    assert coupons_of({ct.CART_COUPON_CODES: ["", "  ", 5, None, "OK"]}) == ("OK",)


def test_set_field_that_is_not_a_list_is_ignored() -> None:
    assert coupons_of({ct.CART_COUPON_CODES: "SUMMER"}) == ()


def test_legacy_apply_command_adds_its_code_after_the_set() -> None:
    fields = {
        ct.CART_COUPON_CODES: ["A"],
        ct.CART_COUPON_ACTION: "apply",
        ct.CART_COUPON_ACTION_VALUE: "test-1",
    }

    requested = requested_coupons(parsed(cart(line_item(), fields=fields)))

    assert requested.codes == ("A", "test-1")
    assert requested.command_pending


def test_legacy_apply_of_a_code_already_held_sends_it_once() -> None:
    fields = {ct.CART_COUPON_ACTION: "apply", ct.CART_COUPON_ACTION_VALUE: "test-1"}

    assert coupons_of(fields, coupon_marker("m", "TEST-1")) == ("TEST-1",)


def test_legacy_remove_command_drops_the_code_from_every_source() -> None:
    fields = {
        ct.CART_COUPON_CODES: ["TEST-1", "OTHER"],
        ct.CART_COUPON_ACTION: "remove",
        ct.CART_COUPON_ACTION_VALUE: " test-1 ",
    }

    assert coupons_of(fields, coupon_marker("m", "Test-1")) == ("OTHER",)


def test_legacy_apply_with_an_empty_value_sends_nothing_but_is_consumed() -> None:
    fields = {ct.CART_COUPON_ACTION: "apply", ct.CART_COUPON_ACTION_VALUE: ""}

    requested = requested_coupons(parsed(cart(line_item(), fields=fields)))

    assert requested.codes == ()
    assert requested.command_pending


@pytest.mark.parametrize("command", ["", "apply-all", None])
def test_unknown_legacy_command_applies_nothing_and_is_consumed(command: str | None) -> None:
    fields = {ct.CART_COUPON_ACTION: command, ct.CART_COUPON_ACTION_VALUE: "X"}

    requested = requested_coupons(parsed(cart(line_item(), fields=fields)))

    # Cleared once read, so a stray command does not linger on the cart for ever.
    assert requested.codes == ()
    assert requested.command_pending


def test_cart_without_legacy_command_fields_has_nothing_pending() -> None:
    requested = requested_coupons(parsed(cart(line_item(), fields={"shop_field": "x"})))

    assert not requested.command_pending


def test_codes_of_accelerator_marker_lines_are_sent() -> None:
    markers = (coupon_marker("m1", "TEST-1"), custom_line("d", "ten-off", -100, coupon_code="X"))

    assert coupons_of({}, *markers) == ("TEST-1", "X")


def test_foreign_custom_line_items_give_no_codes() -> None:
    foreign = custom_line("f", "fee", 500, effect=None)

    assert coupons_of({}, foreign) == ()


def test_too_long_codes_are_set_apart() -> None:
    long_code = "X" * (MAX_CODE_LENGTH + 1)
    fields = {ct.CART_COUPON_CODES: ["OK", long_code, "Y" * MAX_CODE_LENGTH]}

    requested = requested_coupons(parsed(cart(line_item(), fields=fields)))

    assert requested.codes == ("OK", "Y" * MAX_CODE_LENGTH)
    assert requested.too_long == (long_code,)


def referral_of(value: object, currency: str = "EUR", customer: str | None = "c-1") -> str | None:
    raw = cart(
        line_item(currency=currency),
        currency=currency,
        customer_id=customer,
        fields={ct.CART_REFERRAL_CODE: value},
    )
    return requested_referral(parsed(raw))


@pytest.mark.parametrize(
    ("stored", "currency", "expected"),
    [
        ("R-1", "EUR", "R-1"),
        (" R-1 ", "EUR", "R-1"),
        ("EUR__R-EU__USD__R-US", "EUR", "R-EU"),
        ("EUR__R-EU__USD__R-US", "USD", "R-US"),
        ("USD__R-US", "USD", "R-US"),
        # No part for the cart's currency: no referral for this cart.
        ("EUR__R-EU__USD__R-US", "JPY", ""),
        # Not the multi-currency format (lower-case "currency"): the text goes as it is.
        ("abc__R-1", "EUR", "abc__R-1"),
        # The currency is named but its code is missing.
        ("EUR__R-EU__USD", "USD", ""),
    ],
)
def test_referral_code_is_decoded_for_the_cart_currency(
    stored: str, currency: str, expected: str
) -> None:
    assert referral_of(stored, currency) == expected


def test_empty_referral_field_clears_the_referral() -> None:
    assert referral_of("") == ""


def test_non_text_referral_field_clears_the_referral() -> None:
    assert referral_of(["R-1"]) == ""


def test_too_long_referral_code_clears_the_referral() -> None:
    assert referral_of("R" * (MAX_CODE_LENGTH + 1)) == ""


def test_absent_referral_field_leaves_the_referral_alone() -> None:
    assert requested_referral(parsed(cart(line_item(), fields={}))) is None


def test_anonymous_cart_sends_no_referral() -> None:
    assert referral_of("R-1", customer=None) is None
