"""Update actions for free items: line items the connector adds at price zero and tags.

A free item stays one line per product: its quantity follows the number of ``addFreeItem``
effects, and the line goes when the effect goes. Lines the connector did not tag are never
touched.
"""

from __future__ import annotations

from typing import Any

from handler import custom_types as ct
from handler.cart import Cart, LineItem
from handler.money import money_draft
from handler.settings import Settings


class InvalidFreeItem(ValueError):
    """A free-item SKU that cannot name a product under the configured SKU type."""


def free_item_actions(
    cart: Cart, wanted: dict[str, int], settings: Settings
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Removals, quantity changes and additions, plus the SKUs that could not be added."""
    removals: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    additions: list[dict[str, Any]] = []
    invalid: list[str] = []
    price = money_draft(0, cart.currency)
    kept: set[str] = set()
    wanted = _normalized(wanted, settings)

    for line in cart.line_items:
        if not line.is_free_item:
            continue
        sku = _identity(line, settings)
        if sku not in wanted or sku in kept:
            removals.append({"action": "removeLineItem", "lineItemId": line.id})
            continue
        kept.add(sku)
        if line.quantity != wanted[sku]:
            # A line with an external price loses it on a quantity change unless it is sent again.
            changes.append(
                {
                    "action": "changeLineItemQuantity",
                    "lineItemId": line.id,
                    "quantity": wanted[sku],
                    "externalPrice": price,
                }
            )

    for sku, quantity in wanted.items():
        if sku in kept:
            continue
        try:
            product = _product_reference(sku, settings)
        except InvalidFreeItem:
            invalid.append(sku)
            continue
        additions.append(
            {
                "action": "addLineItem",
                **product,
                "quantity": quantity,
                "externalPrice": price,
                "custom": {
                    "type": {"typeId": "type", "key": settings.line_item_type_key},
                    "fields": {ct.LINE_ITEM_EFFECT: ct.EFFECT_FREE_ITEM},
                },
            }
        )

    return removals, changes, additions, invalid


def _normalized(wanted: dict[str, int], settings: Settings) -> dict[str, int]:
    # "product" and "product@1" name the same variant when SKUs carry variant ids.
    if settings.sku_type != "product_id_with_variant_id":
        return wanted
    normalized: dict[str, int] = {}
    for sku, quantity in wanted.items():
        key = sku if settings.sku_separator in sku else f"{sku}{settings.sku_separator}1"
        normalized[key] = normalized.get(key, 0) + quantity
    return normalized


def _identity(line: LineItem, settings: Settings) -> str:
    """The free-item SKU that would have added this line."""
    if settings.sku_type == "product_id":
        return line.product_id or ""
    if settings.sku_type == "product_id_with_variant_id":
        return f"{line.product_id}{settings.sku_separator}{line.variant_id}"
    return line.sku or ""


def _product_reference(sku: str, settings: Settings) -> dict[str, Any]:
    if settings.sku_type == "variant_sku":
        return {"sku": sku}
    if settings.sku_type == "product_id":
        return {"productId": sku}

    product_id, _, variant = sku.partition(settings.sku_separator)
    if not product_id or (variant and not variant.isdigit()):
        raise InvalidFreeItem(sku)
    return {"productId": product_id, "variantId": int(variant) if variant else 1}
