"""Generated carts and Talon.One answers of any size, shaped like the reference fixtures."""

from __future__ import annotations

import uuid
from typing import Any


def money(cents: int, currency: str = "EUR", digits: int = 2) -> dict[str, Any]:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": digits,
    }


def line_item(index: int, currency: str = "EUR") -> dict[str, Any]:
    cents = 1000 + index * 7
    quantity = 1 + index % 3
    return {
        "id": str(uuid.UUID(int=index + 1)),
        "productId": str(uuid.UUID(int=10_000 + index)),
        "name": {"en": f"Product {index}", "de": f"Produkt {index}"},
        "productType": {"typeId": "product-type", "id": str(uuid.UUID(int=99))},
        "variant": {
            "id": 1,
            "sku": f"SKU-{index:05d}",
            "prices": [{"value": money(cents, currency), "id": str(uuid.UUID(int=50_000 + index))}],
            "images": [
                {"url": f"https://images.example/{index}.jpg", "dimensions": {"w": 1, "h": 1}}
            ],
            "attributes": [
                {"name": "color", "value": {"key": "blue", "label": {"en": "blue", "de": "blau"}}},
                {"name": "size", "value": "M"},
                {"name": "material", "value": "cotton"},
            ],
        },
        "price": {"value": money(cents, currency), "id": str(uuid.UUID(int=60_000 + index))},
        "quantity": quantity,
        "discountedPricePerQuantity": [],
        "state": [{"quantity": quantity, "state": {"typeId": "state", "id": "initial"}}],
        "priceMode": "Platform",
        "lineItemMode": "Standard",
        "totalPrice": money(cents * quantity, currency),
    }


def generated_cart(lines: int, currency: str = "EUR") -> dict[str, Any]:
    items = [line_item(index, currency) for index in range(lines)]
    total = sum(item["totalPrice"]["centAmount"] for item in items)
    return {
        "type": "Cart",
        "id": str(uuid.UUID(int=7)),
        "version": 3,
        "customerId": str(uuid.UUID(int=8)),
        "lineItems": items,
        "customLineItems": [],
        "cartState": "Active",
        "totalPrice": money(total, currency),
        "country": "DE",
        "taxMode": "Platform",
        "inventoryMode": "None",
        "origin": "Customer",
    }


def generated_cart_event(lines: int, currency: str = "EUR") -> dict[str, Any]:
    cart = generated_cart(lines, currency)
    return {"action": "Update", "resource": {"typeId": "cart", "id": cart["id"], "obj": cart}}


def generated_answer(lines: int) -> dict[str, Any]:
    """A cart discount, a per-item discount on every tenth line, a free item, a notification."""
    envelope = {"campaignId": 1, "rulesetId": 1, "ruleIndex": 0, "ruleName": "rule"}
    effects: list[dict[str, Any]] = [
        {**envelope, "effectType": "setDiscount", "props": {"name": "5% off", "value": 12.34}},
        {**envelope, "effectType": "addFreeItem", "props": {"sku": "FREE-1", "name": "Gift"}},
        {
            **envelope,
            "effectType": "showNotification",
            "props": {"notificationType": "Offer", "title": "Deal", "body": "Free gift"},
        },
    ]
    for position in range(0, lines, 10):
        effects.append(
            {
                **envelope,
                "effectType": "setDiscountPerItem",
                "props": {"name": f"Item deal#{position}", "value": 1.5, "position": position},
            }
        )
    return {"effects": effects, "createdCoupons": [], "createdReferrals": []}
