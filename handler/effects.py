"""Talon.One effects, parsed into the few shapes the cart flow acts on.

Talon.One answers every session update with the complete list of effects that apply now. Each
effect type the connector understands gets a small model of its ``props``; effects of other types
are counted and ignored, and an effect whose props do not fit its model is counted as invalid
instead of failing the cart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Props(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SetDiscount(_Props):
    name: str
    value: Decimal


class SetDiscountPerItem(_Props):
    name: str
    value: Decimal
    position: Decimal
    sub_position: Decimal | None = Field(default=None, alias="subPosition")


class SetDiscountPerAdditionalCost(_Props):
    name: str
    value: Decimal
    additional_cost: str = Field(alias="additionalCost")


class AddFreeItem(_Props):
    sku: str = Field(min_length=1)
    name: str = ""
    desired_quantity: int | None = Field(default=None, alias="desiredQuantity", ge=1)


class CodeAccepted(_Props):
    value: str


class CodeRejected(_Props):
    value: str
    rejection_reason: str = Field(default="", alias="rejectionReason")


class ShowNotification(_Props):
    notification_type: str = Field(alias="notificationType")
    title: str = ""
    body: str = ""


PROPS_MODELS: dict[str, type[_Props]] = {
    "setDiscount": SetDiscount,
    "setDiscountPerItem": SetDiscountPerItem,
    "setDiscountPerAdditionalCost": SetDiscountPerAdditionalCost,
    "addFreeItem": AddFreeItem,
    "acceptCoupon": CodeAccepted,
    "rejectCoupon": CodeRejected,
    "acceptReferral": CodeAccepted,
    "rejectReferral": CodeRejected,
    "showNotification": ShowNotification,
}


@dataclass(frozen=True)
class Effect:
    type: str
    props: _Props
    campaign_id: int | None = None
    rule_name: str = ""
    triggered_by_coupon: int | None = None


@dataclass
class ParsedEffects:
    effects: list[Effect] = field(default_factory=list)
    unknown: Counter[str] = field(default_factory=Counter)
    invalid: Counter[str] = field(default_factory=Counter)


def parse_effects(raw_effects: Any) -> ParsedEffects:
    """Keep the effects the cart flow acts on, in Talon.One's order; count the rest."""
    parsed = ParsedEffects()
    if not isinstance(raw_effects, list):
        return parsed

    for raw in raw_effects:
        if not isinstance(raw, dict):
            parsed.invalid["<not an object>"] += 1
            continue

        effect_type = raw.get("effectType")
        model = PROPS_MODELS.get(effect_type) if isinstance(effect_type, str) else None
        if model is None:
            parsed.unknown[str(effect_type)] += 1
            continue

        try:
            props = model.model_validate(raw.get("props"))
        except ValidationError:
            parsed.invalid[effect_type] += 1
            continue

        parsed.effects.append(
            Effect(
                type=effect_type,
                props=props,
                campaign_id=_int_or_none(raw.get("campaignId")),
                rule_name=raw.get("ruleName") if isinstance(raw.get("ruleName"), str) else "",
                triggered_by_coupon=_int_or_none(raw.get("triggeredByCoupon")),
            )
        )

    return parsed


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return None
