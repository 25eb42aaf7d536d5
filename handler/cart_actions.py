"""All update actions for one cart: the difference between the promotions wanted and the cart.

Running the handler again on the updated cart yields no actions. The order is stable: custom
fields, then removals, changes and additions, and the Direct Discount list last, once every line
it may target exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_json

from handler import custom_types as ct
from handler.cart import Cart
from handler.cart_fields import field_actions
from handler.codes import RequestedCoupons
from handler.discounts import discount_actions
from handler.free_items import free_item_actions
from handler.loyalty import cart_loyalty, programs_of
from handler.promotions import Promotions, Rejection
from handler.settings import Settings
from handler.tally import count

# commercetools applies at most this many actions returned by an extension.
MAX_ACTIONS = 100


@dataclass
class CartPlan:
    actions: list[dict[str, Any]]
    # What could not be done, counted by reason (for the log line).
    notes: dict[str, int] = field(default_factory=dict)


def plan_cart(
    cart: Cart,
    coupons: RequestedCoupons,
    promotions: Promotions,
    settings: Settings,
    loyalty: Any = None,
) -> CartPlan:
    """The actions that make the cart show ``promotions``; notes say what could not be done.

    ``loyalty`` is the answer's ``loyalty`` block: the balances shown next to the points this
    cart earns and spends.
    """
    notes = dict(promotions.skipped)
    discounts = discount_actions(cart, promotions, settings)
    free_removals, free_changes, free_additions, invalid_free = free_item_actions(
        cart, promotions.free_items, settings
    )
    for reason in discounts.skipped:
        count(notes, reason)
    if invalid_free:
        count(notes, "free item with unusable SKU", len(invalid_free))

    wanted = _wanted_fields(cart, coupons, promotions, discounts.applied, settings)
    wanted[ct.CART_LOYALTY_POINTS] = cart_loyalty(
        programs_of(loyalty), promotions.points_added, promotions.points_deducted, cart.currency
    )
    line_actions = [
        *discounts.removals,
        *free_removals,
        *discounts.changes,
        *free_changes,
        *discounts.additions,
        *free_additions,
        *discounts.last,
    ]

    # commercetools applies at most 100 actions. Every action is a difference, so what does not
    # fit follows on the cart's next update, except price resets: the lines still waiting for
    # one stay in the priced-lines record, or the next update would no longer know them.
    pending: list[str] = []
    while True:
        record = _priced_record(discounts.priced_lines, pending, settings)
        wanted[ct.CART_PRICED_LINE_ITEMS] = record
        fields = field_actions(cart, wanted, settings)
        room = MAX_ACTIONS - len(fields.actions)
        dropped = line_actions[room:]
        waiting = sorted({a["lineItemId"] for a in dropped if _is_price_reset(a)} - set(pending))
        if not waiting:
            break
        pending += waiting

    for name in fields.unwritable:
        count(notes, f"cart field not on the cart's type: {name}")
    if dropped:
        notes["actions left for the next update"] = len(dropped)
    return CartPlan([*fields.actions, *line_actions[:room]], notes)


def unavailable_plan(cart: Cart, settings: Settings) -> CartPlan:
    """Talon.One could not be asked: keep every promotion as it is and tell the storefront."""
    fields = field_actions(cart, {ct.CART_PROMOTIONS_UNAVAILABLE: True}, settings)
    notes: dict[str, int] = {}
    for name in fields.unwritable:
        count(notes, f"cart field not on the cart's type: {name}")
    return CartPlan(fields.actions, notes)


def _wanted_fields(
    cart: Cart,
    coupons: RequestedCoupons,
    promotions: Promotions,
    applied: list[dict[str, Any]],
    settings: Settings,
) -> dict[str, Any]:
    too_long = [Rejection(code, "CouponCodeTooLong") for code in coupons.too_long]
    rejections = too_long + promotions.rejected_coupons
    notifications = promotions.notifications + [
        {
            "type": "Error",
            "title": "",
            "body": r.code,
            "effect": "rejectCoupon",
            "code": r.reason,
        }
        for r in too_long
    ]

    wanted: dict[str, Any] = {
        ct.CART_NOTIFICATIONS: _json(notifications),
        ct.CART_COUPON_CODES: _kept_coupons(coupons, promotions) or None,
        ct.CART_COUPON_REJECTIONS: _json(
            [{"code": rejection.code, "reason": rejection.reason} for rejection in rejections]
        ),
        ct.CART_APPLIED_DISCOUNTS: _json(applied),
        ct.CART_PROMOTIONS_UNAVAILABLE: None,
    }

    # The one-code command fields of the accelerator's storefronts are consumed once read, so a
    # rejected code is not sent again on every later update.
    if coupons.command_pending:
        wanted[ct.CART_COUPON_ACTION] = None
        wanted[ct.CART_COUPON_ACTION_VALUE] = None

    if promotions.rejected_referral is not None and cart.fields.get(ct.CART_REFERRAL_CODE):
        wanted[ct.CART_REFERRAL_CODE] = ""

    return wanted


def _kept_coupons(coupons: RequestedCoupons, promotions: Promotions) -> list[str]:
    """Codes to keep on the cart: accepted ones as Talon.One spells them, and undecided ones."""
    accepted = {code.casefold(): code for code in promotions.accepted_coupons}
    rejected = {rejection.code.casefold() for rejection in promotions.rejected_coupons}
    kept = []
    for code in coupons.codes:
        folded = code.casefold()
        if folded in accepted:
            kept.append(accepted[folded])
        elif folded not in rejected:
            kept.append(code)
    return kept


def field_text(values: list[Any]) -> str:
    """JSON text for a cart field: compact and stable, so unchanged values compare equal.

    The values are texts and whole numbers; for those this is the same text as Python's
    ``json.dumps(values, ensure_ascii=False, separators=(",", ":"))``, several times faster.
    """
    return to_json(values).decode()


def _json(values: list[Any]) -> str | None:
    return field_text(values) if values else None


def _priced_record(priced: list[str], pending: list[str], settings: Settings) -> str | None:
    if settings.discount_mode == "custom_line_items":
        # Written even when empty: its presence tells later updates the record is complete.
        return field_text([*priced, *pending])
    return field_text(pending) if pending else None


def _is_price_reset(action: dict[str, Any]) -> bool:
    return action["action"] == "setLineItemTotalPrice" and "externalTotalPrice" not in action
