"""Coupon and referral codes a cart asks Talon.One to evaluate.

Storefronts of the JavaScript accelerator apply one coupon at a time through a pair of cart fields
(action ``apply``/``remove`` plus the code), and the accelerator remembered accepted coupons as
marker custom line items. This project keeps every code in one set field; it still reads the
old pair and the old markers, so carts and storefronts of the accelerator keep working.
"""

from __future__ import annotations

from typing import NamedTuple

from handler import custom_types as ct
from handler.cart import Cart

# Talon.One refuses coupon and referral codes longer than this.
MAX_CODE_LENGTH = 100


class RequestedCoupons(NamedTuple):
    codes: tuple[str, ...]
    too_long: tuple[str, ...]
    command_pending: bool


def requested_coupons(cart: Cart) -> RequestedCoupons:
    """The codes to send, de-duplicated case-insensitively, in the order they were applied."""
    fields = cart.fields
    stored = fields.get(ct.CART_COUPON_CODES)
    candidates = (
        [code for code in stored if isinstance(code, str)] if isinstance(stored, list) else []
    )
    # The accelerator remembered accepted coupons as marker custom line items. They are read
    # until this connector has taken the cart over (its priced-lines record is then present);
    # from then on the codes field alone says which coupons the shopper keeps.
    if ct.CART_PRICED_LINE_ITEMS not in fields:
        candidates += [line.coupon_code for line in cart.custom_line_items if line.coupon_code]

    command = fields.get(ct.CART_COUPON_ACTION)
    value = fields.get(ct.CART_COUPON_ACTION_VALUE)
    # Any command is consumed once read; one that is neither apply nor remove does nothing.
    command_pending = command is not None or value is not None
    removed = value.strip().casefold() if command == "remove" and isinstance(value, str) else None
    if command == "apply" and isinstance(value, str):
        candidates.append(value)

    codes: list[str] = []
    too_long: list[str] = []
    seen: set[str] = set()
    for candidate in candidates:
        code = candidate.strip()
        folded = code.casefold()
        if not code or folded in seen or folded == removed:
            continue
        seen.add(folded)
        (too_long if len(code) > MAX_CODE_LENGTH else codes).append(code)

    return RequestedCoupons(tuple(codes), tuple(too_long), command_pending)


def requested_referral(cart: Cart) -> str | None:
    """The referral code to send: None to leave Talon.One's as it is, "" to clear it.

    Referral codes stored by the accelerator may hold one code per currency, as
    ``EUR__CODE-EU__USD__CODE-US``; the part after the cart's currency is the code.
    """
    if ct.CART_REFERRAL_CODE not in cart.fields or not cart.customer_id:
        return None

    stored = cart.fields.get(ct.CART_REFERRAL_CODE)
    text = stored.strip() if isinstance(stored, str) else ""
    parts = text.split("__")
    currencies = parts[0::2]
    if len(parts) > 1 and all(_is_currency(part) for part in currencies):
        # A code per currency; a cart in a currency it has no code for sends none.
        index = 2 * currencies.index(cart.currency) + 1 if cart.currency in currencies else -1
        text = parts[index].strip() if 0 < index < len(parts) else ""

    return text if len(text) <= MAX_CODE_LENGTH else ""


def _is_currency(text: str) -> bool:
    return len(text) == 3 and text.isascii() and text.isalpha() and text.isupper()
