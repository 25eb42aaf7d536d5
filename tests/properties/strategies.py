"""Hypothesis strategies for commercetools extension requests and Talon.One answers.

They produce what a real shop can send, and what a broken one can: odd currencies, zero and huge
quantities, missing prices, long carts, unicode, duplicate and mixed-case coupon codes, foreign
custom types, and effects with missing or wrong props.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from handler import custom_types as ct

CURRENCIES = {"EUR": 2, "USD": 2, "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}
CONNECTOR_TYPE_ID = "type-talon-one-cart"

ids = st.uuids().map(str)
text = st.text(max_size=40)
codes = st.sampled_from(["SUMMER10", "summer10", "Summer10", "WINTER", "x" * 120, ""]) | text


@st.composite
def money(draw: st.DrawFn, currency: str) -> dict[str, Any]:
    digits = CURRENCIES[currency]
    cents = draw(st.integers(min_value=0, max_value=10**9))
    value: dict[str, Any] = {"type": "centPrecision", "currencyCode": currency, "centAmount": cents}
    if draw(st.booleans()):
        value["fractionDigits"] = digits
    return value


@st.composite
def line_items(draw: st.DrawFn, currency: str, index: int) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": f"line-{index}",
        "productId": draw(ids),
        "quantity": draw(st.sampled_from([0, 1, 2, 3, 999, 10_001]) | st.integers(0, 50)),
        "name": draw(st.dictionaries(st.sampled_from(["en", "de", "ja"]), text, max_size=2)),
        "variant": {
            "id": draw(st.integers(1, 5)),
            "sku": draw(st.none() | st.text(min_size=1, max_size=12)),
        },
    }
    if draw(st.integers(0, 9)) > 0:
        price: dict[str, Any] = {"value": draw(money(currency))}
        if draw(st.booleans()):
            price["discounted"] = {"value": draw(money(currency))}
        line["price"] = price
    if draw(st.integers(0, 4)) == 0:
        line["custom"] = {
            "type": {"typeId": "type", "id": "x"},
            "fields": {ct.LINE_ITEM_EFFECT: "addFreeItem"},
        }
    if draw(st.booleans()):
        line["priceMode"] = draw(st.sampled_from(["Platform", "ExternalTotal", "SomethingNew"]))
    return line


@st.composite
def carts(draw: st.DrawFn, max_lines: int = 30) -> dict[str, Any]:
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    count = draw(st.integers(0, max_lines))
    cart: dict[str, Any] = {
        "id": draw(ids),
        "version": draw(st.integers(1, 100)),
        "lineItems": [draw(line_items(currency, index)) for index in range(count)],
        "customLineItems": draw(st.lists(custom_line_items(currency), max_size=3)),
        "totalPrice": draw(money(currency)),
        "cartState": draw(st.sampled_from(["Active", "Ordered", "Merged", "Frozen", "New"])),
    }
    if draw(st.booleans()):
        cart["customerId"] = draw(ids)
    if draw(st.booleans()):
        cart["custom"] = draw(cart_custom_fields())
    return cart


@st.composite
def custom_line_items(draw: st.DrawFn, currency: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": draw(ids),
        "slug": draw(st.sampled_from(["gift-wrap", "10percent-off-0", "SUMMER10"])),
        "name": {"en": draw(text)},
        "money": draw(money(currency)),
        "quantity": 1,
    }
    effect = draw(st.sampled_from([None, "setDiscount", "acceptCoupon"]))
    if effect:
        fields = {ct.LINE_ITEM_EFFECT: effect, ct.LINE_ITEM_COUPON_CODE: draw(codes)}
        item["custom"] = {"type": {"typeId": "type", "id": "y"}, "fields": fields}
    return item


@st.composite
def cart_custom_fields(draw: st.DrawFn) -> dict[str, Any]:
    type_id = draw(st.sampled_from([CONNECTOR_TYPE_ID, "someone-elses-type"]))
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        fields[ct.CART_COUPON_CODES] = draw(st.lists(codes, max_size=6))
    if draw(st.booleans()):
        fields[ct.CART_COUPON_ACTION] = draw(st.sampled_from(["apply", "remove", "other"]))
        fields[ct.CART_COUPON_ACTION_VALUE] = draw(codes)
    if draw(st.booleans()):
        fields[ct.CART_REFERRAL_CODE] = draw(st.sampled_from(["", "EUR__R1__USD__R2", "R3"]))
    if draw(st.booleans()):
        fields["shop_field"] = draw(text)
    if draw(st.booleans()):
        fields[ct.CART_NOTIFICATIONS] = draw(text)
    return {"type": {"typeId": "type", "id": type_id}, "fields": fields}


def effect(effect_type: str, props: Any) -> dict[str, Any]:
    return {
        "campaignId": 1,
        "rulesetId": 1,
        "ruleIndex": 0,
        "ruleName": "rule",
        "effectType": effect_type,
        "props": props,
    }


amounts = st.decimals(min_value=-5, max_value=10**7, places=4, allow_nan=False)
positions = st.integers(-1, 40)

effects = st.one_of(
    st.builds(lambda n, v: effect("setDiscount", {"name": n, "value": v}), text, amounts),
    st.builds(
        lambda v, p, s: effect(
            "setDiscountPerItem", {"name": f"d#{p}", "value": v, "position": p, "subPosition": s}
        ),
        amounts,
        positions,
        st.integers(0, 3),
    ),
    st.builds(
        lambda v: effect(
            "setDiscountPerAdditionalCost",
            {"name": "ship", "value": v, "additionalCost": "shipping", "additionalCostId": 1},
        ),
        amounts,
    ),
    st.builds(lambda s: effect("addFreeItem", {"sku": s, "name": "gift"}), text),
    st.builds(lambda c: effect("acceptCoupon", {"value": c}), codes),
    st.builds(
        lambda c: effect("rejectCoupon", {"value": c, "rejectionReason": "CouponNotFound"}), codes
    ),
    st.builds(lambda c: effect("acceptReferral", {"value": c}), codes),
    st.builds(
        lambda kind, body: effect(
            "showNotification", {"notificationType": kind, "title": "", "body": body}
        ),
        st.sampled_from(["Info", "Offer", "Error", "Misc", "Bogus"]),
        text,
    ),
    st.builds(lambda name: effect(name, {}), st.sampled_from(["triggerWebhook", "newEffect"])),
    st.builds(lambda props: effect("setDiscount", props), st.dictionaries(text, text)),
    st.just("not an effect"),
)

answers = st.builds(
    lambda items: {"effects": items, "createdCoupons": [], "createdReferrals": []},
    st.lists(effects, max_size=25),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)

broken_requests = st.one_of(
    json_values,
    st.fixed_dictionaries({"action": json_values, "resource": json_values}),
    st.fixed_dictionaries(
        {
            "action": st.sampled_from(["Create", "Update"]),
            "resource": st.fixed_dictionaries(
                {"typeId": st.sampled_from(["cart", "payment"]), "id": ids, "obj": json_values}
            ),
        }
    ),
)
