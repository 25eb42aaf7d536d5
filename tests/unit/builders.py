"""Small builders for the carts, effects and settings the unit tests feed the handler.

Carts are built as the raw JSON commercetools sends (``cart(...)``), so a test can hand the same
data to code that reads the raw object (session mappings, the extension envelope) and to the
tolerant ``Cart`` model (``parsed(...)``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from handler import custom_types as ct
from handler.app import Runtime
from handler.cart import Cart
from handler.effects import parse_effects
from handler.money import fraction_digits
from handler.promotions import Promotions, evaluate
from handler.session import Mappings, build_session
from handler.settings import ROUNDING_MODES, App, Settings
from handler.talon import Answer, TalonClient, TalonError

TAX_CATEGORY = "tax-category-1"
CART_TYPE_ID = "cart-type-id-1"
FOREIGN_TYPE_ID = "foreign-type-id-1"


# Money and settings ------------------------------------------------------------------------------


def money(cents: int, currency: str = "EUR", digits: int | None = None) -> dict[str, Any]:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": fraction_digits(currency) if digits is None else digits,
    }


def app(name: str = "eu") -> App:
    return App(base_url=f"https://{name}.talon.test", api_key=f"key-{name}")


def settings(**overrides: Any) -> Settings:
    """Settings with one app, "eu", that evaluates every cart unless ``overrides`` say otherwise."""
    values: dict[str, Any] = {"apps": {"eu": app("eu")}, "cart_type_id": CART_TYPE_ID}
    values.update(overrides)
    return Settings(**values)


def line_item_settings(**overrides: Any) -> Settings:
    """Settings in the accelerator-compatible mode: custom line items and external totals."""
    return settings(
        discount_mode="custom_line_items", discount_tax_category_id=TAX_CATEGORY, **overrides
    )


# Carts ------------------------------------------------------------------------------------------


def line_item(
    line_id: str = "line-1",
    *,
    sku: str | None = "SKU-1",
    price: int = 1000,
    quantity: int = 1,
    currency: str = "EUR",
    product_id: str = "product-1",
    variant_id: int | None = 1,
    name: dict[str, str] | None = None,
    discounted: int | None = None,
    effect: str | None = None,
    price_mode: str = "Platform",
    total: int | None = None,
    mode: str = "Standard",
    attributes: list[dict[str, Any]] | None = None,
    custom_fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    price_object: dict[str, Any] = {"value": money(price, currency)}
    if discounted is not None:
        price_object["discounted"] = {"value": money(discounted, currency)}
    unit = price if discounted is None else discounted

    line: dict[str, Any] = {
        "id": line_id,
        "productId": product_id,
        "name": {"en": f"Product {line_id}"} if name is None else name,
        "variant": {"id": variant_id, "sku": sku, "attributes": attributes or []},
        "price": price_object,
        "quantity": quantity,
        "priceMode": price_mode,
        "lineItemMode": mode,
        "totalPrice": money(unit * quantity if total is None else total, currency),
    }
    fields = dict(custom_fields or {})
    if effect is not None:
        fields[ct.LINE_ITEM_EFFECT] = effect
    if fields:
        line["custom"] = {"type": {"typeId": "type", "id": "line-type-id"}, "fields": fields}
    return line


def free_line(
    line_id: str, sku: str, quantity: int = 1, *, product_id: str = "product-free", **kw: Any
) -> dict[str, Any]:
    """A free item as the connector adds it: price zero, external price, tagged."""
    return line_item(
        line_id,
        sku=sku,
        price=0,
        quantity=quantity,
        product_id=product_id,
        effect=ct.EFFECT_FREE_ITEM,
        price_mode="ExternalPrice",
        **kw,
    )


def custom_line(
    line_id: str,
    slug: str,
    cents: int,
    *,
    name: str | None = None,
    effect: str | None = ct.EFFECT_DISCOUNT,
    coupon_code: str | None = None,
    currency: str = "EUR",
    language: str = "en",
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": line_id,
        "slug": slug,
        "name": {language: slug if name is None else name},
        "money": money(cents, currency),
        "totalPrice": money(cents, currency),
        "quantity": 1,
    }
    fields: dict[str, Any] = {}
    if effect is not None:
        fields[ct.LINE_ITEM_EFFECT] = effect
    if coupon_code is not None:
        fields[ct.LINE_ITEM_COUPON_CODE] = coupon_code
    if fields:
        item["custom"] = {"type": {"typeId": "type", "id": "line-type-id"}, "fields": fields}
    return item


def coupon_marker(line_id: str, code: str, **kw: Any) -> dict[str, Any]:
    """A zero-priced custom line item remembering an accepted coupon, as the accelerator made."""
    return custom_line(
        line_id, code, 0, name=code, effect=ct.EFFECT_COUPON_MARKER, coupon_code=code, **kw
    )


def cart(
    *lines: dict[str, Any],
    cart_id: str = "cart-1",
    currency: str = "EUR",
    customer_id: str | None = "customer-1",
    fields: dict[str, Any] | None = None,
    type_id: str | None = CART_TYPE_ID,
    custom_lines: tuple[dict[str, Any], ...] = (),
    shipping: int | None = None,
    direct_discounts: tuple[dict[str, Any], ...] = (),
    store: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A cart as commercetools sends it in an extension request.

    ``fields`` become the cart's custom fields on the type ``type_id`` (the connector's by
    default); ``fields=None`` leaves the cart without any custom type.
    """
    total = sum(line["totalPrice"]["centAmount"] for line in lines)
    total += sum(item["money"]["centAmount"] for item in custom_lines)
    raw: dict[str, Any] = {
        "type": "Cart",
        "id": cart_id,
        "version": 3,
        "cartState": "Active",
        "lineItems": list(lines),
        "customLineItems": list(custom_lines),
        "totalPrice": money(total, currency),
        "directDiscounts": list(direct_discounts),
        **extra,
    }
    if customer_id is not None:
        raw["customerId"] = customer_id
    else:
        raw["anonymousId"] = "anonymous-1"
    if fields is not None:
        raw["custom"] = {"type": {"typeId": "type", "id": type_id}, "fields": fields}
    if shipping is not None:
        raw["shippingInfo"] = {"shippingMethodName": "Standard", "price": money(shipping, currency)}
    if store is not None:
        raw["store"] = {"typeId": "store", "key": store}
    return raw


def parsed(raw: dict[str, Any]) -> Cart:
    return Cart.model_validate(raw)


def extension_request(
    obj: dict[str, Any], type_id: str = "cart", action: str = "Update"
) -> dict[str, Any]:
    return {"action": action, "resource": {"typeId": type_id, "id": obj.get("id"), "obj": obj}}


# Effects ----------------------------------------------------------------------------------------


def effect(effect_type: str, props: Any, **extra: Any) -> dict[str, Any]:
    return {
        "campaignId": 1,
        "rulesetId": 2,
        "ruleIndex": 0,
        "ruleName": "rule",
        "effectType": effect_type,
        "props": props,
        **extra,
    }


def _coupon(coupon_id: int | None) -> dict[str, Any]:
    return {} if coupon_id is None else {"triggeredByCoupon": coupon_id}


def set_discount(name: str, value: str, coupon_id: int | None = None) -> dict[str, Any]:
    return effect("setDiscount", {"name": name, "value": Decimal(value)}, **_coupon(coupon_id))


def item_discount(
    name: str,
    value: str,
    position: int,
    sub_position: int | None = None,
    coupon_id: int | None = None,
) -> dict[str, Any]:
    props: dict[str, Any] = {"name": name, "value": Decimal(value), "position": position}
    if sub_position is not None:
        props["subPosition"] = sub_position
    return effect("setDiscountPerItem", props, **_coupon(coupon_id))


def cost_discount(name: str, value: str, cost: str = "shipping") -> dict[str, Any]:
    props = {"name": name, "value": Decimal(value), "additionalCost": cost}
    return effect("setDiscountPerAdditionalCost", props)


def free_item(sku: str, name: str = "Free item") -> dict[str, Any]:
    return effect("addFreeItem", {"sku": sku, "name": name})


def accept_coupon(code: str, coupon_id: int | None = None) -> dict[str, Any]:
    return effect("acceptCoupon", {"value": code}, **_coupon(coupon_id))


def reject_coupon(code: str, reason: str = "CouponNotFound") -> dict[str, Any]:
    return effect("rejectCoupon", {"value": code, "rejectionReason": reason})


def accept_referral(code: str) -> dict[str, Any]:
    return effect("acceptReferral", {"value": code})


def reject_referral(code: str, reason: str = "ReferralNotFound") -> dict[str, Any]:
    return effect("rejectReferral", {"value": code, "rejectionReason": reason})


def notification(kind: str, title: str = "", body: str = "") -> dict[str, Any]:
    return effect("showNotification", {"notificationType": kind, "title": title, "body": body})


def promotions_of(
    *effects: dict[str, Any],
    positions: tuple[str, ...] = ("line-1",),
    currency: str = "EUR",
    rounding: str = "half_even",
) -> Promotions:
    """The promotions ``effects`` ask for, as the handler evaluates them."""
    parsed_effects = parse_effects(list(effects))
    return evaluate(parsed_effects, positions, fraction_digits(currency), ROUNDING_MODES[rounding])


def talon_answer(*effects: dict[str, Any]) -> bytes:
    """A Talon.One session answer holding ``effects``, as bytes on the wire."""
    body = {
        "customerSession": {"integrationId": "cart-1", "state": "open"},
        "effects": list(effects),
        "createdCoupons": [],
        "createdReferrals": [],
    }
    # Amounts go out as JSON numbers, as Talon.One writes them.
    return json.dumps(body, default=float).encode()


# Reading update actions -------------------------------------------------------------------------


def named(actions: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [entry for entry in actions if entry["action"] == action]


def field_changes(actions: list[dict[str, Any]]) -> dict[str, Any]:
    """The custom fields ``actions`` write, by name (None for a removed field)."""
    changes: dict[str, Any] = {}
    for entry in actions:
        if entry["action"] == "setCustomField":
            changes[entry["name"]] = entry.get("value")
        elif entry["action"] == "setCustomType":
            changes.update(entry.get("fields") or {})
    return changes


def promotions_for(raw: dict[str, Any], *effects: dict[str, Any], config: Settings) -> Promotions:
    """The promotions ``effects`` ask of the cart ``raw``, positions as its session sends them."""
    model = parsed(raw)
    request = build_session(model, raw, config, Mappings.from_settings(config))
    return evaluate(
        parse_effects(list(effects)),
        request.positions,
        fraction_digits(model.currency),
        config.rounding_mode,
    )


def applied(raw: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    """``raw`` after commercetools applied ``actions``: a miniature of the platform's cart update.

    It knows only the actions the handler returns, and enough of each to run the handler again.
    """
    updated: dict[str, Any] = json.loads(json.dumps(raw, default=float))
    lines: list[dict[str, Any]] = updated.setdefault("lineItems", [])
    custom_lines: list[dict[str, Any]] = updated.setdefault("customLineItems", [])

    for number, action in enumerate(actions):
        kind = action["action"]
        new_id = f"new-{number}"
        if kind == "setCustomType":
            updated["custom"] = {
                "type": {"typeId": "type", "id": CART_TYPE_ID},
                "fields": dict(action.get("fields") or {}),
            }
        elif kind == "setCustomField":
            fields = updated["custom"]["fields"]
            if "value" in action:
                fields[action["name"]] = action["value"]
            else:
                del fields[action["name"]]
        elif kind == "removeCustomLineItem":
            custom_lines[:] = [i for i in custom_lines if i["id"] != action["customLineItemId"]]
        elif kind == "addCustomLineItem":
            item = {key: value for key, value in action.items() if key not in ("action", "custom")}
            item.update(id=new_id, totalPrice=action["money"])
            item["custom"] = {"type": {"typeId": "type", "id": "line-type-id"}}
            item["custom"]["fields"] = action["custom"]["fields"]
            custom_lines.append(item)
        elif kind == "changeCustomLineItemMoney":
            for item in custom_lines:
                if item["id"] == action["customLineItemId"]:
                    item["money"] = item["totalPrice"] = action["money"]
        elif kind == "removeLineItem":
            lines[:] = [line for line in lines if line["id"] != action["lineItemId"]]
        elif kind == "changeLineItemQuantity":
            for line in lines:
                if line["id"] == action["lineItemId"]:
                    line["quantity"] = action["quantity"]
        elif kind == "addLineItem":
            tag = action["custom"]["fields"][ct.LINE_ITEM_EFFECT]
            line = free_line(new_id, action.get("sku", ""), action["quantity"])
            line["custom"]["fields"][ct.LINE_ITEM_EFFECT] = tag
            lines.append(line)
        elif kind == "setLineItemTotalPrice":
            for line in lines:
                if line["id"] != action["lineItemId"]:
                    continue
                if "externalTotalPrice" in action:
                    line["priceMode"] = "ExternalTotal"
                    line["totalPrice"] = action["externalTotalPrice"]["totalPrice"]
                else:
                    line["priceMode"] = "Platform"
                    unit = line["price"]["value"]["centAmount"]
                    line["totalPrice"] = {
                        **line["totalPrice"],
                        "centAmount": unit * line["quantity"],
                    }
        elif kind == "setDirectDiscounts":
            updated["directDiscounts"] = [
                {"id": f"dd-{n}", **draft} for n, draft in enumerate(action["discounts"])
            ]
        else:
            raise AssertionError(f"the miniature cart does not know {kind}")
    return updated


# Talon.One test doubles -------------------------------------------------------------------------


@dataclass
class Sent:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    deadline: float


class ScriptedTransport:
    """A transport answering from a script: each entry is an ``Answer`` or a ``TalonError`` raised.

    The last entry answers every request past the end of the script.
    """

    def __init__(self, *script: Answer | TalonError) -> None:
        self.script = list(script)
        self.sent: list[Sent] = []

    def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, deadline: float
    ) -> Answer:
        self.sent.append(Sent(method, url, headers, body, deadline))
        step = self.script[min(len(self.sent), len(self.script)) - 1]
        if isinstance(step, TalonError):
            raise step
        return step


def ok(*effects: dict[str, Any]) -> Answer:
    return Answer(200, "application/json", talon_answer(*effects))


def runtime_for(config: Settings, transport: Any) -> Runtime:
    return Runtime(config, Mappings.from_settings(config), TalonClient(transport, sent=[]))
