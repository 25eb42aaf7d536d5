"""Talon.One effects, parsed into the few shapes the cart and customer flows act on.

Talon.One answers every session update with the complete list of effects that apply now. Each
effect type the connector understands gets a small model of its ``props``; effects of other types
are counted and ignored, and an effect whose props do not fit its model is counted as invalid
instead of failing the cart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Literal, NamedTuple, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from handler.tally import count


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
    return create_model(
        f"{effect_type}Effect",
        __base__=Effect,
        type=(effect_literal, Field(alias="effectType")),
        props=(props_model, ...),
    )


# An entry is one of the typed effects, picked by its effectType; anything else that is an object
# (another type, or a known type whose props do not fit) is read as _Other. Tried in that order,
# so a well-formed effect is validated once.
_TYPED: Any = Annotated[
    Union[tuple(_typed_effect(name, model) for name, model in PROPS_MODELS.items())],  # noqa: UP007 - members built above
    Field(discriminator="type"),
]
_Entry: Any = Annotated[Union[_TYPED, _Other], Field(union_mode="left_to_right")]  # noqa: UP007
_ENTRY = TypeAdapter(_Entry)
_ENTRIES = TypeAdapter(list[_Entry])


class _SessionAnswer(BaseModel):
    """The parts of a session answer the cart flow reads; the rest of the JSON is skipped."""

    model_config = ConfigDict(extra="ignore")

    effects: list[_Entry]
    loyalty: Any = None


_SESSION_ANSWER = TypeAdapter(_SessionAnswer)


@dataclass
class ParsedEffects:
    effects: list[Effect] = field(default_factory=list)
    # Effects not acted on, and effects whose props did not fit, counted by effect type.
    unknown: dict[str, int] = field(default_factory=dict)
    invalid: dict[str, int] = field(default_factory=dict)


class SessionAnswer(NamedTuple):
    effects: ParsedEffects
    # The answer's loyalty block as Talon.One sent it (read by handler.loyalty), or None.
    loyalty: Any


def parse_effects(raw_effects: Any) -> ParsedEffects:
    """Keep the effects the connector acts on, in Talon.One's order; count the rest."""
    if not isinstance(raw_effects, list):
        return ParsedEffects()

    # One validation for the whole list is the fast path; a list with an entry that is not even
    # an object is read entry by entry, so that entry costs only itself.
    try:
        return _collected(_ENTRIES.validate_python(raw_effects))
    except ValidationError:
        return _collected([_one(raw) for raw in raw_effects])


def read_session_answer(content: bytes) -> SessionAnswer | None:
    """The effects and loyalty block of a session answer, read straight from its JSON bytes, or
    None for an answer this cannot take (decode it and use ``parse_effects``).

    Decoding the whole answer into Python objects first costs more than the effects themselves.
    """
    try:
        answer = _SESSION_ANSWER.validate_json(content)
    except ValidationError:
        return None
    return SessionAnswer(_collected(answer.effects), answer.loyalty)


def _collected(items: list[Any]) -> ParsedEffects:
    parsed = ParsedEffects()

    # Exact type check rather than isinstance on pydantic models (ABCMeta, slower per effect).
    for item in items:
        if item is None:
            count(parsed.invalid, "<not an object>")
        elif type(item) is not _Other:
            parsed.effects.append(item)
        elif isinstance(item.effect_type, str) and item.effect_type in PROPS_MODELS:
            count(parsed.invalid, item.effect_type)
        else:
            count(parsed.unknown, str(item.effect_type))
    return parsed


def _one(raw: Any) -> Effect | _Other | None:
    try:
        item: Effect | _Other = _ENTRY.validate_python(raw)
    except ValidationError:
        return None
    return item
