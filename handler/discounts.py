"""Update actions that put Talon.One's discounts on a cart, in one of two modes.

``direct_discounts`` (the default) uses commercetools Direct Discounts: the platform spreads them
over the lines and computes tax on the discounted prices. ``custom_line_items`` keeps the
JavaScript accelerator's shapes for storefronts built on them: a negative custom line item per
cart or shipping discount, a zero-priced marker per accepted coupon, and external line totals
for per-item discounts.

Either way only the difference to what the cart already holds is returned, and only what the
connector owns is touched: custom line items it tagged, lines it priced (listed in a cart field),
and, in Direct Discount mode, the cart's Direct Discounts.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from handler import custom_types as ct
from handler.cart import Cart, CustomLineItem, LineItem
from handler.cart_fields import is_connector_type
from handler.money import fraction_digits, money_draft
from handler.promotions import Discount, Promotions
from handler.settings import Settings

_OWNED_EFFECTS = (ct.EFFECT_DISCOUNT, ct.EFFECT_COUPON_MARKER)


@dataclass
class DiscountPlan:
    removals: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    additions: list[dict[str, Any]] = field(default_factory=list)
    last: list[dict[str, Any]] = field(default_factory=list)
    applied: list[dict[str, Any]] = field(default_factory=list)
    priced_lines: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def discount_actions(cart: Cart, promotions: Promotions, settings: Settings) -> DiscountPlan:
    if settings.discount_mode == "custom_line_items":
        return _line_item_discounts(cart, promotions, settings)
    return _direct_discounts(cart, promotions, settings)


def priced_line_ids(cart: Cart) -> list[str]:
    """The lines whose external total the connector set, as recorded on the cart."""
    raw = cart.fields.get(ct.CART_PRICED_LINE_ITEMS)
    try:
        ids = json.loads(raw) if isinstance(raw, str) else []
    except json.JSONDecodeError:
        return []
    return [line_id for line_id in ids if isinstance(line_id, str)] if isinstance(ids, list) else []


# Direct Discounts ------------------------------------------------------------------------------


def _direct_discounts(cart: Cart, promotions: Promotions, settings: Settings) -> DiscountPlan:
    plan = DiscountPlan()
    currency = cart.currency
    drafts: list[dict[str, Any]] = []

    for discount in promotions.cart_discounts:
        drafts.append(_direct(discount.amount, currency, {"type": "totalPrice"}))
        plan.applied.append(_applied(discount, currency, "cart"))

    lines = {line.id: line for line in cart.line_items}
    for discount in promotions.item_discounts:
        line = lines.get(discount.line_item_id or "")
        amount = _capped(discount.amount, line)
        if line is None or not line.sku or amount <= 0:
            plan.skipped.append("item discount on a line without SKU or price")
            continue
        target = {
            "type": "lineItems",
            "predicate": f"sku = {_quoted(line.sku)}",
        }
        # The amount is the whole line's discount: spread it over the line's units.
        drafts.append(_direct(amount, currency, target, "ProportionateDistribution"))
        plan.applied.append(_applied(discount, currency, "lineItem", amount))

    for discount in promotions.cost_discounts:
        if discount.additional_cost != settings.shipping_cost_name:
            plan.skipped.append(f"discount on unknown additional cost {discount.additional_cost}")
            continue
        drafts.append(_direct(discount.amount, currency, {"type": "shipping"}))
        plan.applied.append(_applied(discount, currency, "shipping"))

    # Lists of different lengths differ; only equal-length ones need their signatures compared.
    current = list(cart.direct_discounts)
    if len(drafts) != len(current) or _direct_signature(drafts) != _direct_signature(current):
        plan.last.append({"action": "setDirectDiscounts", "discounts": drafts})

    # Leftovers of the other mode (or of the JavaScript accelerator) go.
    leftovers = [item for item in cart.custom_line_items if item.effect in _OWNED_EFFECTS]
    for item in leftovers:
        plan.removals.append({"action": "removeCustomLineItem", "customLineItemId": item.id})
    plan.changes += _price_resets(cart, keep=set(), legacy=bool(leftovers))
    return plan


def _direct(
    amount: int, currency: str, target: dict[str, Any], mode: str | None = None
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "type": "absolute",
        "money": [money_draft(amount, currency)],
    }
    if mode:
        value["applicationMode"] = mode
    return {"value": value, "target": target}


def _direct_signature(discounts: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What makes two Direct Discount lists equal, ignoring ids and defaulted fields."""
    signature = []
    for discount in discounts:
        value = discount.get("value") or {}
        target = discount.get("target") or {}
        money = tuple(
            (entry.get("currencyCode"), entry.get("centAmount")) for entry in value.get("money", [])
        )
        signature.append(
            (
                value.get("type"),
                money,
                value.get("permyriad"),
                value.get("applicationMode"),
                target.get("type"),
                target.get("predicate"),
            )
        )
    return signature


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Custom line items and external totals ---------------------------------------------------------


def _line_item_discounts(cart: Cart, promotions: Promotions, settings: Settings) -> DiscountPlan:
    plan = DiscountPlan()
    currency = cart.currency
    wanted = _wanted_custom_line_items(promotions, settings, currency)
    owned: dict[str, CustomLineItem] = {}
    for item in cart.custom_line_items:
        if item.effect not in _OWNED_EFFECTS:
            continue
        if item.slug in wanted and item.slug not in owned:
            owned[item.slug] = item
        else:
            plan.removals.append({"action": "removeCustomLineItem", "customLineItemId": item.id})

    for slug, draft in wanted.items():
        existing = owned.get(slug)
        if existing is None:
            plan.additions.append({"action": "addCustomLineItem", **draft})
        elif not _same_identity(existing, draft, settings):
            plan.removals.append(
                {"action": "removeCustomLineItem", "customLineItemId": existing.id}
            )
            plan.additions.append({"action": "addCustomLineItem", **draft})
        elif existing.money is None or existing.money.cent_amount != draft["money"]["centAmount"]:
            plan.changes.append(
                {
                    "action": "changeCustomLineItemMoney",
                    "customLineItemId": existing.id,
                    "money": draft["money"],
                }
            )

    for discount in promotions.cart_discounts:
        plan.applied.append(_applied(discount, currency, "cart"))
    for discount in promotions.cost_discounts:
        plan.applied.append(_applied(discount, currency, "shipping"))

    lines = {line.id: line for line in cart.line_items}
    for discount in promotions.item_discounts:
        line = lines.get(discount.line_item_id or "")
        action = _external_total(line, discount.amount) if line is not None else None
        if line is None or action is None:
            plan.skipped.append("item discount on a line without price")
            continue
        plan.priced_lines.append(line.id)
        plan.applied.append(
            _applied(discount, currency, "lineItem", _capped(discount.amount, line))
        )
        if not _has_total(line, action["externalTotalPrice"]["totalPrice"]["centAmount"]):
            plan.changes.append(action)

    # A cart the JavaScript accelerator priced has its traces and no priced-lines record; the
    # accelerator owned every external total. From the first update on, the record says which
    # lines are ours. A cart of another type, without those traces, is never taken for one.
    legacy = ct.CART_PRICED_LINE_ITEMS not in cart.fields and _accelerator_traces(cart, settings)
    plan.changes += _price_resets(cart, keep=set(plan.priced_lines), legacy=legacy)
    return plan


def _wanted_custom_line_items(
    promotions: Promotions, settings: Settings, currency: str
) -> dict[str, dict[str, Any]]:
    wanted: dict[str, dict[str, Any]] = {}
    discounts = promotions.cart_discounts + promotions.cost_discounts

    # Slugs follow the accelerator's scheme (name, coupon code, running number) so carts it
    # discounted are updated in place rather than churned.
    for number, discount in enumerate(discounts):
        parts = [discount.name, discount.coupon_code, str(number)]
        slug = slugify("-".join(part for part in parts if part))
        wanted[slug] = _custom_line_item(
            settings,
            discount.name,
            slug,
            -discount.amount,
            currency,
            ct.EFFECT_DISCOUNT,
            discount.coupon_code,
        )

    for code in promotions.accepted_coupons:
        slug = slugify(code)
        wanted.setdefault(
            slug,
            _custom_line_item(settings, code, slug, 0, currency, ct.EFFECT_COUPON_MARKER, code),
        )

    return wanted


def _custom_line_item(
    settings: Settings,
    name: str,
    slug: str,
    amount: int,
    currency: str,
    effect: str,
    coupon_code: str | None,
) -> dict[str, Any]:
    fields = {ct.LINE_ITEM_EFFECT: effect}
    if coupon_code:
        fields[ct.LINE_ITEM_COUPON_CODE] = coupon_code
    return {
        "name": {settings.language: name},
        "money": money_draft(amount, currency),
        "slug": slug,
        "quantity": 1,
        "taxCategory": {
            "typeId": "tax-category",
            "id": settings.discount_tax_category_id,
        },
        "custom": {
            "type": {"typeId": "type", "key": settings.line_item_type_key},
            "fields": fields,
        },
    }


def _same_identity(existing: CustomLineItem, draft: dict[str, Any], settings: Settings) -> bool:
    fields = draft["custom"]["fields"]
    return bool(
        existing.name.get(settings.language) == draft["name"][settings.language]
        and existing.effect == fields[ct.LINE_ITEM_EFFECT]
        and existing.coupon_code == fields.get(ct.LINE_ITEM_COUPON_CODE)
    )


def _external_total(line: LineItem, discount: int) -> dict[str, Any] | None:
    unit = line.unit_price
    if unit is None or line.quantity < 1:
        return None
    total = max(unit.cent_amount * line.quantity - discount, 0)
    # A high-precision price has more digits than its cent amount: totals use the currency's own.
    currency, digits = unit.currency, fraction_digits(unit.currency)
    return {
        "action": "setLineItemTotalPrice",
        "lineItemId": line.id,
        "externalTotalPrice": {
            "price": money_draft(unit.cent_amount, currency, digits),
            "totalPrice": money_draft(total, currency, digits),
        },
    }


def _has_total(line: LineItem, total: int) -> bool:
    return line.price_mode == "ExternalTotal" and line.total_cent_amount == total


def _accelerator_traces(cart: Cart, settings: Settings) -> bool:
    return (
        is_connector_type(cart, settings)
        or any(item.effect in _OWNED_EFFECTS for item in cart.custom_line_items)
        or any(name.startswith("talon_one_cart_") for name in cart.fields)
    )


def _price_resets(cart: Cart, keep: set[str], legacy: bool) -> list[dict[str, Any]]:
    """Give lines the connector priced, and no longer discounts, back to platform pricing."""
    recorded = set(priced_line_ids(cart))
    if legacy:
        recorded |= {line.id for line in cart.line_items if not line.is_free_item}
    recorded -= keep
    return [
        {"action": "setLineItemTotalPrice", "lineItemId": line.id}
        for line in cart.line_items
        if line.id in recorded and line.price_mode == "ExternalTotal"
    ]


# Shared ----------------------------------------------------------------------------------------


def _capped(amount: int, line: LineItem | None) -> int:
    """A line's discount never exceeds what the line costs."""
    unit = line.unit_price if line is not None else None
    if line is None or unit is None:
        return 0
    return min(amount, unit.cent_amount * line.quantity)


def _applied(
    discount: Discount, currency: str, target: str, amount: int | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": discount.name,
        "target": target,
        "centAmount": discount.amount if amount is None else amount,
        "currencyCode": currency,
    }
    if discount.line_item_id:
        entry["lineItemId"] = discount.line_item_id
    if discount.additional_cost:
        entry["additionalCost"] = discount.additional_cost
    if discount.coupon_code:
        entry["couponCode"] = discount.coupon_code
    return entry


_SYMBOLS = {
    "%": "percent",
    "&": "and",
    "€": "euro",
    "$": "dollar",
    "<": "less",
    ">": "greater",
}


def slugify(text: str) -> str:
    """A commercetools slug (letters, digits, '-' and '_', 2 to 256 characters) for a name."""
    spelled = "".join(_SYMBOLS.get(char, char) for char in text)
    ascii_text = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    words = "".join(char if char.isalnum() or char == "_" else " " for char in ascii_text).split()
    slug = "-".join(words)
    return (slug if len(slug) >= 2 else f"talon-one-{slug}".rstrip("-"))[:256]
