"""What Talon.One's effects ask of a cart, in commercetools terms (pure; no I/O).

The effects of one answer are the complete set that applies now, so this is the desired state of
everything the connector owns on the cart. Amounts are rounded once, here, into the currency's
minor units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from handler.effects import (
    AddFreeItem,
    CodeAccepted,
    CodeRejected,
    Effect,
    LoyaltyPoints,
    ParsedEffects,
    SetDiscount,
    SetDiscountPerAdditionalCost,
    SetDiscountPerItem,
    ShowNotification,
)
from handler.money import ZERO, AmountOutOfRange, decimal_to_minor
from handler.tally import count

NOTIFICATION_TYPES = ("Info", "Offer", "Error", "Misc")


# Value types made once per effect on every cart update: named tuples are immutable and the
# quickest to build.
class Discount(NamedTuple):
    """A discount in minor units: on the whole cart, one line item, or an additional cost."""

    name: str
    amount: int
    coupon_code: str | None = None
    line_item_id: str | None = None
    additional_cost: str | None = None


class Rejection(NamedTuple):
    code: str
    reason: str


@dataclass
class Promotions:
    cart_discounts: list[Discount] = field(default_factory=list)
    item_discounts: list[Discount] = field(default_factory=list)
    cost_discounts: list[Discount] = field(default_factory=list)
    free_items: dict[str, int] = field(default_factory=dict)
    accepted_coupons: list[str] = field(default_factory=list)
    rejected_coupons: list[Rejection] = field(default_factory=list)
    accepted_referral: str | None = None
    rejected_referral: Rejection | None = None
    notifications: list[dict[str, str]] = field(default_factory=list)
    # Loyalty points this cart earns and spends, by program id.
    points_added: dict[int, Decimal] = field(default_factory=dict)
    points_deducted: dict[int, Decimal] = field(default_factory=dict)
    # What could not be applied, counted by reason.
    skipped: dict[str, int] = field(default_factory=dict)


def evaluate(
    parsed: ParsedEffects, positions: tuple[str, ...], digits: int, rounding: str
) -> Promotions:
    """Turn the effects of one session answer into the promotions the cart should show."""
    promotions = Promotions()
    coupon_by_id = _coupon_codes_by_id(parsed.effects)
    per_line: dict[str, tuple[str, Decimal, str | None]] = {}

    # Exact type checks: props models are never subclassed, and isinstance on a pydantic model
    # goes through ABCMeta, several times slower per effect.
    for effect in parsed.effects:
        props = effect.props
        coupon = (
            coupon_by_id.get(effect.triggered_by_coupon) if effect.triggered_by_coupon else None
        )

        if type(props) is SetDiscount:
            amount = _minor(props.value, digits, rounding, promotions)
            if amount > 0:
                promotions.cart_discounts.append(Discount(props.name, amount, coupon))
        elif type(props) is SetDiscountPerItem:
            _add_item_discount(per_line, props, coupon, positions, promotions)
        elif type(props) is SetDiscountPerAdditionalCost:
            amount = _minor(props.value, digits, rounding, promotions)
            if amount > 0:
                promotions.cost_discounts.append(
                    Discount(
                        props.name,
                        amount,
                        coupon,
                        additional_cost=props.additional_cost,
                    )
                )
        elif type(props) is AddFreeItem:
            promotions.free_items[props.sku] = promotions.free_items.get(props.sku, 0) + 1
        elif type(props) is LoyaltyPoints:
            _add_points(effect.type, props, promotions)
        else:
            _add_message(effect, promotions)

    # Talon.One may discount each unit of a line separately (flattened items): a line's discount
    # is the sum over its units, rounded once.
    for line_item_id, (name, value, line_coupon) in per_line.items():
        amount = _minor(value, digits, rounding, promotions)
        if amount > 0:
            discount = Discount(name, amount, line_coupon, line_item_id=line_item_id)
            promotions.item_discounts.append(discount)

    return promotions


def _minor(value: Decimal, digits: int, rounding: str, promotions: Promotions) -> int:
    """The amount in minor units; an amount no cart can hold is skipped, not applied."""
    try:
        return decimal_to_minor(value, digits, rounding)
    except AmountOutOfRange:
        count(promotions.skipped, "amount out of range")
        return 0


def _coupon_codes_by_id(effects: list[Effect]) -> dict[int, str]:
    return {
        effect.triggered_by_coupon: effect.props.value
        for effect in effects
        if effect.type == "acceptCoupon"
        and effect.triggered_by_coupon is not None
        and type(effect.props) is CodeAccepted
    }


def _add_item_discount(
    per_line: dict[str, tuple[str, Decimal, str | None]],
    props: SetDiscountPerItem,
    coupon: str | None,
    positions: tuple[str, ...],
    promotions: Promotions,
) -> None:
    position = int(props.position) if props.position == props.position.to_integral_value() else -1
    if not 0 <= position < len(positions):
        count(promotions.skipped, "setDiscountPerItem at unknown position")
        return

    # Per-item names end in "#<position>"; the line's discount keeps the name without it.
    name = props.name.rsplit("#", 1)[0] if "#" in props.name else props.name
    line_item_id = positions[position]
    _, total, line_coupon = per_line.get(line_item_id, (name, ZERO, coupon))
    per_line[line_item_id] = (name, total + props.value, line_coupon or coupon)


def _add_points(effect_type: str, props: LoyaltyPoints, promotions: Promotions) -> None:
    # A program may earn or spend in several rules (and per item): the cart shows the sums.
    points = (
        promotions.points_added if effect_type == "addLoyaltyPoints" else promotions.points_deducted
    )
    points[props.program_id] = points.get(props.program_id, ZERO) + props.value


def _add_message(effect: Effect, promotions: Promotions) -> None:
    props = effect.props

    if type(props) is ShowNotification:
        if props.notification_type not in NOTIFICATION_TYPES:
            count(promotions.skipped, "showNotification of unknown type")
            return
        promotions.notifications.append(
            _notification(props.notification_type, props.body, effect.type, title=props.title)
        )
    elif type(props) is CodeRejected:
        rejection = Rejection(props.value, props.rejection_reason)
        if effect.type == "rejectCoupon":
            promotions.rejected_coupons.append(rejection)
        else:
            promotions.rejected_referral = rejection
        promotions.notifications.append(
            _notification("Error", props.value, effect.type, code=props.rejection_reason)
        )
    elif type(props) is CodeAccepted:
        if effect.type == "acceptCoupon":
            promotions.accepted_coupons.append(props.value)
        else:
            promotions.accepted_referral = props.value
        promotions.notifications.append(_notification("Info", props.value, effect.type))


def _notification(
    kind: str, body: str, effect: str, *, title: str = "", code: str = ""
) -> dict[str, str]:
    # The shape storefronts of the JavaScript accelerator read from the notifications field.
    return {"type": kind, "title": title, "body": body, "effect": effect, "code": code}
