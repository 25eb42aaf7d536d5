"""Money: minor units and decimals, per currency, rounded once."""

from __future__ import annotations

from decimal import ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handler.cart import Money
from handler.money import (
    AmountOutOfRange,
    decimal_to_minor,
    fraction_digits,
    json_number,
    minor_to_decimal,
    minor_to_json_number,
    money_draft,
)


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("JPY", 0), ("KRW", 0), ("EUR", 2), ("USD", 2), ("KWD", 3), ("BHD", 3), ("CLF", 4)],
)
def test_fraction_digits_follow_iso_4217(currency: str, digits: int) -> None:
    assert fraction_digits(currency) == digits


def test_unknown_currency_has_two_fraction_digits() -> None:
    assert fraction_digits("XYZ") == 2


@pytest.mark.parametrize(
    ("amount", "digits", "expected"),
    [(1500, 0, "1500"), (1999, 2, "19.99"), (5, 2, "0.05"), (1234, 3, "1.234"), (-250, 2, "-2.5")],
)
def test_minor_units_become_exact_decimals(amount: int, digits: int, expected: str) -> None:
    assert minor_to_decimal(amount, digits) == Decimal(expected)


def test_decimal_of_sixteen_eighty_three_is_1683_cents() -> None:
    assert decimal_to_minor(Decimal("16.83"), 2, ROUND_HALF_EVEN) == 1683


@pytest.mark.parametrize(
    ("value", "digits", "half_even", "half_up", "half_down"),
    [
        # EUR: ties at half a cent.
        ("0.005", 2, 0, 1, 0),
        ("0.015", 2, 2, 2, 1),
        ("0.009", 2, 1, 1, 1),
        ("16.9983", 2, 1700, 1700, 1700),
        # JPY: no minor unit, ties at half a yen.
        ("122.5", 0, 122, 123, 122),
        ("123.5", 0, 124, 124, 123),
        ("99.4", 0, 99, 99, 99),
        # KWD: three digits, ties at half a fils.
        ("1.2345", 3, 1234, 1235, 1234),
        ("1.2355", 3, 1236, 1236, 1235),
        ("0.0004", 3, 0, 0, 0),
    ],
)
def test_rounding_modes_break_ties_their_own_way(
    value: str, digits: int, half_even: int, half_up: int, half_down: int
) -> None:
    amount = Decimal(value)

    assert decimal_to_minor(amount, digits, ROUND_HALF_EVEN) == half_even
    assert decimal_to_minor(amount, digits, ROUND_HALF_UP) == half_up
    assert decimal_to_minor(amount, digits, ROUND_HALF_DOWN) == half_down


@given(
    cents=st.integers(min_value=-(10**12), max_value=10**12),
    digits=st.sampled_from([0, 2, 3, 4]),
    rounding=st.sampled_from([ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_HALF_DOWN]),
)
def test_minor_units_survive_a_round_trip(cents: int, digits: int, rounding: str) -> None:
    assert decimal_to_minor(minor_to_decimal(cents, digits), digits, rounding) == cents


@pytest.mark.parametrize(("currency", "digits"), [("JPY", 0), ("EUR", 2), ("KWD", 3)])
def test_money_draft_uses_the_currency_digits(currency: str, digits: int) -> None:
    assert money_draft(-500, currency) == {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": -500,
        "fractionDigits": digits,
    }


def test_money_draft_keeps_explicit_digits() -> None:
    assert money_draft(7, "EUR", 4)["fractionDigits"] == 4


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"currencyCode": "JPY", "centAmount": 1500, "fractionDigits": 0}, "1500"),
        ({"currencyCode": "JPY", "centAmount": 1500}, "1500"),
        ({"currencyCode": "EUR", "centAmount": 1999}, "19.99"),
        ({"currencyCode": "KWD", "centAmount": 12345, "fractionDigits": 3}, "12.345"),
        (
            {
                "type": "highPrecision",
                "currencyCode": "EUR",
                "centAmount": 1235,
                "preciseAmount": 123456,
                "fractionDigits": 4,
            },
            "12.3456",
        ),
    ],
)
def test_cart_money_reads_its_exact_amount(raw: dict[str, object], expected: str) -> None:
    assert Money.model_validate(raw).amount == Decimal(expected)


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1), st.sampled_from([0, 2, 3, 4]))
def test_amounts_of_up_to_15_digits_keep_their_digits_as_json_numbers(
    cents: int, digits: int
) -> None:
    amount = minor_to_decimal(cents, digits)

    number = json_number(amount)

    assert Decimal(repr(number)) == amount
    assert isinstance(number, int) == (amount == amount.to_integral_value())


@given(st.integers(min_value=-(10**20), max_value=10**20), st.integers(min_value=-3, max_value=12))
def test_json_numbers_of_minor_units_are_those_of_their_decimals(cents: int, digits: int) -> None:
    number = minor_to_json_number(cents, digits)

    expected = json_number(minor_to_decimal(cents, digits))
    assert (type(number), number) == (type(expected), expected)


def test_cart_money_goes_out_as_the_json_number_of_its_exact_amount() -> None:
    precise = {
        "currencyCode": "EUR",
        "centAmount": 1235,
        "preciseAmount": 123456,
        "fractionDigits": 4,
    }

    assert Money.model_validate(precise).json_amount == 12.3456
    assert Money.model_validate({"currencyCode": "JPY", "centAmount": 1500}).json_amount == 1500
    assert Money.model_validate({"currencyCode": "EUR", "centAmount": 1999}).json_amount == 19.99


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_an_amount_that_is_not_a_number_is_never_sent(amount: Decimal) -> None:
    with pytest.raises(AmountOutOfRange):
        json_number(amount)
