"""Money as ``Decimal`` in the currency's own minor units.

commercetools stores money as an integer amount of minor units (``centAmount``) with the number of
fraction digits of the currency; Talon.One speaks plain decimal numbers in the Application's
currency. Every conversion between the two happens here, and rounding happens only once, when a
Talon.One amount becomes minor units.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# ISO 4217 currencies whose minor unit is not 2 digits. Everything else has 2.
_FRACTION_DIGITS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}

ZERO = Decimal(0)
_ONE = Decimal(1)


def fraction_digits(currency: str) -> int:
    """The number of minor-unit digits of an ISO 4217 currency (2 when not listed)."""
    return _FRACTION_DIGITS.get(currency, 2)


def minor_to_decimal(amount: int, digits: int) -> Decimal:
    """An amount in minor units as a decimal number of major units, exactly."""
    return Decimal(amount).scaleb(-digits)


class AmountOutOfRange(ValueError):
    """An amount no cart can hold (or not a number at all)."""


# No price or discount of a real cart comes near 10**18 minor units.
MAX_MINOR_DIGITS = 18


def decimal_to_minor(value: Decimal, digits: int, rounding: str) -> int:
    """A decimal amount of major units in minor units, rounded once with ``rounding``."""
    if not value.is_finite() or (value and value.adjusted() + digits >= MAX_MINOR_DIGITS):
        raise AmountOutOfRange(str(value))
    return int(value.scaleb(digits).quantize(_ONE, rounding=rounding))


def money_draft(amount: int, currency: str, digits: int | None = None) -> dict[str, Any]:
    """A commercetools ``CentPrecisionMoneyDraft``."""
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": amount,
        "fractionDigits": fraction_digits(currency) if digits is None else digits,
    }


def json_number(amount: Decimal) -> int | float:
    """An amount as the JSON number Talon.One reads: whole amounts as integers, others as the
    float whose shortest form is the amount's digits (exact up to 15 significant digits, more
    than any cart amount has)."""
    if not amount.is_finite():
        raise AmountOutOfRange(str(amount))
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def minor_to_json_number(amount: int, digits: int) -> int | float:
    """``json_number(minor_to_decimal(amount, digits))``, computed on the integers.

    Python's integer division is correctly rounded, as the float of a Decimal is, so the number
    is the same; a cart sends several on every update, and this skips two Decimals for each.
    """
    if digits < 0:
        return json_number(minor_to_decimal(amount, digits))
    scale: int = 10**digits
    whole, rest = divmod(amount, scale)
    return amount / scale if rest else whole
