"""Talon.One effects, parsed into the few shapes the cart and customer flows act on.

Talon.One answers every session update with the complete list of effects that apply now. Each
effect type the connector understands gets a small model of its ``props``; effects of other types
are counted and ignored, and an effect whose props do not fit its model is counted as invalid
instead of failing the cart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    create_model,
)


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


class CodeCreated(_Props):
    """A referral code a rule created for the customer (``referralCreated``)."""

    value: str


class LoyaltyPoints(_Props):
    """Points a rule adds to or deducts from a loyalty program, in that program's units."""

    program_id: int = Field(alias="programId")
    value: Decimal = Field(allow_inf_nan=False)


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
    "referralCreated": CodeCreated,
    "addLoyaltyPoints": LoyaltyPoints,
    "deductLoyaltyPoints": LoyaltyPoints,
}


class Effect(BaseModel):
    """One effect: its type, its props, and which campaign and coupon caused it."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    type: str = Field(alias="effectType")
    props: _Props
    campaign_id: int | None = Field(default=None, alias="campaignId")
    rule_name: str = Field(default="", alias="ruleName")
    triggered_by_coupon: int | None = Field(default=None, alias="triggeredByCoupon")


class _Other(BaseModel):
    """An effect of a type the connector does not act on."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    effect_type: Any = Field(default=None, alias="effectType")


def _typed_effect(effect_type: str, props_model: type[_Props]) -> Any:
    effect_literal: Any = Literal[effect_type]
    model = create_model(
        f"{effect_type}Effect",
        __base__=Effect,
        type=(effect_literal, Field(alias="effectType")),
        props=(props_model, ...),
    )
    return Annotated[model, Tag(effect_type)]


def _tag(raw: Any) -> str:
    effect_type = raw.get("effectType") if isinstance(raw, dict) else None
    return effect_type if effect_type in PROPS_MODELS else "other"


_MEMBERS = (
    *(_typed_effect(name, model) for name, model in PROPS_MODELS.items()),
    Annotated[_Other, Tag("other")],
)
_AnyEffect: Any = Annotated[Union[_MEMBERS], Discriminator(_tag)]  # noqa: UP007 - members built above
_ONE = TypeAdapter(_AnyEffect)
_ALL = TypeAdapter(list[_AnyEffect])


@dataclass
class ParsedEffects:
    effects: list[Effect] = field(default_factory=list)
    unknown: Counter[str] = field(default_factory=Counter)
    invalid: Counter[str] = field(default_factory=Counter)


def parse_effects(raw_effects: Any) -> ParsedEffects:
    """Keep the effects the connector acts on, in Talon.One's order; count the rest."""
    parsed = ParsedEffects()
    if not isinstance(raw_effects, list):
        return parsed

    # One validation for the whole list is the fast path; a list with a bad entry is read entry
    # by entry so that one malformed effect costs only itself.
    items: list[Any]
    try:
        items = _ALL.validate_python(raw_effects)
    except ValidationError:
        items = [_one(raw, parsed) for raw in raw_effects]

    # Exact type check rather than isinstance on pydantic models (ABCMeta, slower per effect).
    for item in items:
        if type(item) is _Other:
            parsed.unknown[str(item.effect_type)] += 1
        elif item is not None:
            parsed.effects.append(item)
    return parsed


def _one(raw: Any, parsed: ParsedEffects) -> Effect | _Other | None:
    try:
        item: Effect | _Other = _ONE.validate_python(raw)
    except ValidationError:
        parsed.invalid[_tag(raw) if isinstance(raw, dict) else "<not an object>"] += 1
        return None
    return item
