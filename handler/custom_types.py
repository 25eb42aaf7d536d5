"""The commercetools custom types the connector reads and writes.

Keys and field names of the JavaScript accelerator are kept so existing storefronts keep working;
fields added by this project are marked "new" below. The Pulumi program creates these types from
``TYPE_DRAFTS``; the handler uses the field-name constants.
"""

from __future__ import annotations

from typing import Any

CART_TYPE_KEY = "talon_one_cart_metadata"
LINE_ITEM_TYPE_KEY = "talon_one_line_item_metadata"
CUSTOMER_TYPE_KEY = "talon_one_customer_metadata"

# Line items and custom line items the connector owns carry this field.
LINE_ITEM_EFFECT = "talon_one_line_item_effect"
LINE_ITEM_COUPON_CODE = "talon_one_coupon_code"

# Values of LINE_ITEM_EFFECT.
EFFECT_FREE_ITEM = "addFreeItem"
EFFECT_DISCOUNT = "setDiscount"
EFFECT_COUPON_MARKER = "acceptCoupon"

# Cart fields of the accelerator.
CART_NOTIFICATIONS = "talon_one_cart_notifications"
CART_REFERRAL_CODE = "talon_one_cart_referral_code"
CART_COUPON_ACTION = "talon_one_cart_coupon_code_action"
CART_COUPON_ACTION_VALUE = "talon_one_cart_coupon_code_action_value"
CART_PAY_WITH_POINTS = "talon_one_cart_pay_with_points"

# Cart fields new in this project.
CART_COUPON_CODES = "talon_one_cart_coupon_codes"
CART_COUPON_REJECTIONS = "talon_one_cart_coupon_rejections"
CART_APP = "talon_one_cart_app"
CART_PRICED_LINE_ITEMS = "talon_one_cart_priced_line_items"
CART_PROMOTIONS_UNAVAILABLE = "talon_one_cart_promotions_unavailable"
CART_LOYALTY_POINTS = "talon_one_cart_loyalty_points"
CART_APPLIED_DISCOUNTS = "talon_one_cart_applied_discounts"

# Order fields (orders share the cart's type): what reached Talon.One, and what is still to go.
ORDER_SESSION_STATE = "talon_one_order_session_state"
ORDER_RETURNED_ITEMS = "talon_one_order_returned_items"
ORDER_PENDING_CHANGES = "talon_one_order_pending_changes"

# Customer fields of the accelerator.
CUSTOMER_REFERRAL_CODES = "talon_one_customer_referral_codes"
CUSTOMER_LOYALTY_POINTS = "talon_one_customer_loyalty_points"


def _field(
    name: str,
    label: str,
    type_name: str,
    *,
    required: bool = False,
    multiline: bool = False,
) -> dict[str, Any]:
    field_type: dict[str, Any] = {"name": type_name}
    if type_name == "Set":
        field_type = {"name": "Set", "elementType": {"name": "String"}}
    return {
        "name": name,
        "label": {"en": label},
        "required": required,
        "type": field_type,
        "inputHint": "MultiLine" if multiline else "SingleLine",
    }


TYPE_DRAFTS: tuple[dict[str, Any], ...] = (
    {
        "key": LINE_ITEM_TYPE_KEY,
        "name": {"en": "Talon.One Metadata"},
        "resourceTypeIds": ["line-item", "custom-line-item"],
        "fieldDefinitions": [
            _field(LINE_ITEM_EFFECT, "Talon.One Effect Name", "String", required=True),
            _field(LINE_ITEM_COUPON_CODE, "Talon.One Coupon Code", "String"),
        ],
    },
    {
        "key": CART_TYPE_KEY,
        "name": {"en": "Talon.One Cart Metadata"},
        # "order" is the resource type id commercetools uses for both carts and orders.
        "resourceTypeIds": ["order"],
        "fieldDefinitions": [
            _field(CART_NOTIFICATIONS, "Notifications", "String", multiline=True),
            _field(CART_REFERRAL_CODE, "Referral Code", "String"),
            _field(CART_COUPON_ACTION, "Coupon Code Action", "String"),
            _field(
                CART_COUPON_ACTION_VALUE,
                "Coupon Code Action Value",
                "String",
                multiline=True,
            ),
            _field(CART_PAY_WITH_POINTS, "Pay with points", "Boolean"),
            _field(CART_COUPON_CODES, "Coupon Codes", "Set"),
            _field(
                CART_COUPON_REJECTIONS,
                "Rejected Coupon Codes",
                "String",
                multiline=True,
            ),
            _field(CART_APP, "Talon.One Application", "String"),
            _field(CART_PRICED_LINE_ITEMS, "Line Items Priced by Talon.One", "String"),
            _field(
                CART_PROMOTIONS_UNAVAILABLE,
                "Promotions Temporarily Unavailable",
                "Boolean",
            ),
            _field(CART_LOYALTY_POINTS, "Loyalty points", "String", multiline=True),
            _field(CART_APPLIED_DISCOUNTS, "Applied Discounts", "String", multiline=True),
            _field(ORDER_SESSION_STATE, "Talon.One Session State", "String"),
            _field(ORDER_RETURNED_ITEMS, "Return Items Sent to Talon.One", "Set"),
            _field(
                ORDER_PENDING_CHANGES, "Changes Waiting for Talon.One", "String", multiline=True
            ),
        ],
    },
    {
        "key": CUSTOMER_TYPE_KEY,
        "name": {"en": "Talon.One Customer Metadata"},
        "resourceTypeIds": ["customer"],
        "fieldDefinitions": [
            _field(CUSTOMER_REFERRAL_CODES, "Referral Codes", "Set"),
            _field(CUSTOMER_LOYALTY_POINTS, "Loyalty points", "String"),
        ],
    },
)
