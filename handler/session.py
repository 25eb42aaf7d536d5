"""A commercetools cart as a Talon.One customer session (pure; no I/O).

Talon.One merges each session update into what it stored, so the whole session is sent every time:
all items, the coupon codes the cart holds (``[]`` clears them) and the attributes.

The body is ready for the wire: amounts are already the JSON numbers Talon.One reads
(``Money.json_amount``), so it is written without a per-value hook.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from handler import custom_types as ct
from handler.cart import Cart, LineItem
from handler.codes import RequestedCoupons, requested_coupons, requested_referral
from handler.mapping import AttributeMapping
from handler.settings import Settings

# Limits Talon.One states for one session update.
MAX_CART_ITEMS = 1000
MAX_TOTAL_QUANTITY = 10_000

# Effects always come back; the loyalty block feeds the cart's points field. The session itself is
# not asked back: the cart flow never reads it, and for a big cart it is most of the answer.
RESPONSE_CONTENT = ["loyalty"]


class CartTooLarge(ValueError):
    """The cart exceeds what Talon.One evaluates in one session update."""


@dataclass(frozen=True)
class Mappings:
    """The attribute mappings of the settings, parsed once per cold start."""

    cart: AttributeMapping
    item: AttributeMapping

    @classmethod
    def from_settings(cls, settings: Settings) -> Mappings:
        return cls(
            cart=AttributeMapping.parse(settings.cart_attribute_mapping),
            item=AttributeMapping.parse(settings.cart_item_attribute_mapping),
        )


class SessionRequest(NamedTuple):
    """What is sent to Talon.One, and how its answer maps back onto the cart."""

    session_id: str
    body: dict[str, Any]
    coupons: RequestedCoupons
    # positions[i] is the id of the line item sent as cart item i; effects address items by it.
    positions: tuple[str, ...]


def build_session(
    cart: Cart, raw_cart: dict[str, Any], settings: Settings, mappings: Mappings
) -> SessionRequest:
    """Build the session update for a cart; raise CartTooLarge past Talon.One's limits."""
    items: list[dict[str, Any]] = []
    positions: list[str] = []
    raw_value = raw_cart.get("lineItems")
    raw_lines: list[Any] = raw_value if isinstance(raw_value, list) else []
    # Built once per cart rather than once per line.
    languages = settings.languages

    for index, line in enumerate(cart.line_items):
        if not is_sent_to_talon(line):
            continue
        raw_line = raw_lines[index] if index < len(raw_lines) else {}
        items.append(_cart_item(line, raw_line, settings, mappings, languages))
        positions.append(line.id)

    _check_limits(items)
    coupons = requested_coupons(cart)
    session: dict[str, Any] = {"cartItems": items, "couponCodes": list(coupons.codes)}

    if cart.customer_id:
        session["profileId"] = cart.customer_id

    referral = requested_referral(cart)
    if referral is not None:
        session["referralCode"] = referral

    shipping = cart.shipping_info.price if cart.shipping_info else None
    if settings.shipping_cost_name and shipping is not None:
        price = shipping.json_amount
        session["additionalCosts"] = {settings.shipping_cost_name: {"price": price}}

    attributes = _session_attributes(cart, raw_cart, settings, mappings)
    if attributes:
        session["attributes"] = attributes

    body = {"customerSession": session, "responseContent": RESPONSE_CONTENT}
    return SessionRequest(cart.id, body, coupons, tuple(positions))


def item_sku(line: LineItem, settings: Settings) -> str:
    """The SKU Talon.One knows the line's product by, as the settings choose."""
    product_id = line.product_id or ""
    if settings.sku_type == "product_id":
        return product_id
    if settings.sku_type == "product_id_with_variant_id":
        return f"{product_id}{settings.sku_separator}{line.variant_id or 1}"
    return line.sku or product_id


def localized(names: dict[str, str], languages: tuple[str, ...]) -> str | None:
    """The name in the first of ``languages`` present, else in any language."""
    for language in languages:
        if names.get(language):
            return names[language]
    return next((name for name in names.values() if name), None)


def is_sent_to_talon(line: LineItem) -> bool:
    """Whether a line is one of the cart items Talon.One evaluates (and numbers by position)."""
    # The connector's own free items are results of promotions, not part of what the shopper buys;
    # gift line items belong to commercetools' own cart discounts.
    return line.quantity >= 1 and not line.is_free_item and line.line_item_mode != "GiftLineItem"


def _cart_item(
    line: LineItem,
    raw_line: dict[str, Any],
    settings: Settings,
    mappings: Mappings,
    languages: tuple[str, ...],
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sku": item_sku(line, settings) or line.id,
        "quantity": line.quantity,
    }

    name = localized(line.name, languages)
    if name:
        item["name"] = name

    price = line.unit_price
    if price is not None:
        item["price"] = price.json_amount

    attributes: dict[str, Any] = {}
    original = line.list_price
    if settings.original_price_attribute and original is not None and original is not price:
        attributes[settings.original_price_attribute] = original.json_amount

    category = _category(line, settings, languages)
    if category:
        item["category"] = category

    if mappings.item:
        attributes.update(mappings.item.apply(_item_source(line, raw_line)))
    if attributes:
        item["attributes"] = attributes

    return item


def _category(line: LineItem, settings: Settings, languages: tuple[str, ...]) -> str | None:
    if settings.category_attribute:
        value = _attribute_text(
            _variant_attributes(line).get(settings.category_attribute), languages
        )
        return value or None

    return line.product_type_key


def _attribute_text(value: Any, languages: tuple[str, ...]) -> str | None:
    """A readable text of an attribute value: enums by label, localized text in a language."""
    if isinstance(value, dict) and "key" in value and "label" in value:
        label = value["label"]
        if isinstance(label, dict):
            label = localized(label, languages)
        return (
            label if isinstance(label, str) and label else _attribute_text(value["key"], languages)
        )
    if isinstance(value, dict):
        return localized(value, languages)
    if isinstance(value, (str, int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return None


def _variant_attributes(line: LineItem) -> dict[str, Any]:
    raw = line.variant_attributes
    if not isinstance(raw, list):
        return {}
    return {
        entry["name"]: entry.get("value")
        for entry in raw
        if isinstance(entry, dict) and isinstance(entry.get("name"), str)
    }


def _item_source(line: LineItem, raw_line: dict[str, Any]) -> dict[str, Any]:
    # Variant attributes by name, as accelerator mapping specs expect, plus the whole line item
    # under "lineItem" so its own custom fields can be mapped too.
    return {**_variant_attributes(line), "lineItem": raw_line}


def _session_attributes(
    cart: Cart, raw_cart: dict[str, Any], settings: Settings, mappings: Mappings
) -> dict[str, Any]:
    attributes = mappings.cart.apply(raw_cart) if mappings.cart else {}
    if settings.pay_with_points_attribute:
        attributes[settings.pay_with_points_attribute] = bool(
            cart.fields.get(ct.CART_PAY_WITH_POINTS)
        )
    return attributes


def _check_limits(items: list[dict[str, Any]]) -> None:
    if len(items) > MAX_CART_ITEMS:
        raise CartTooLarge(f"{len(items)} line items; Talon.One evaluates at most {MAX_CART_ITEMS}")
    quantity = sum(item["quantity"] for item in items)
    if quantity > MAX_TOTAL_QUANTITY:
        raise CartTooLarge(
            f"{quantity} units in total; Talon.One evaluates at most {MAX_TOTAL_QUANTITY}"
        )
