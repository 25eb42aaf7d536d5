"""Update actions that bring the connector's cart custom fields to the values wanted.

The connector writes only its own fields and never replaces a cart's custom type that belongs to
someone else: on a foreign type it can write only the fields that type is known to have (those
present on the cart); the others are reported back so the caller can log them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handler.cart import Cart
from handler.settings import Settings


@dataclass(frozen=True)
class FieldPlan:
    actions: list[dict[str, Any]]
    unwritable: tuple[str, ...] = ()


def field_actions(cart: Cart, wanted: dict[str, Any], settings: Settings) -> FieldPlan:
    """Actions setting each field in ``wanted`` (None means absent), only where it differs."""
    current = cart.fields
    changes = {
        name: value
        for name, value in wanted.items()
        if current.get(name) != value and not (value is None and name not in current)
    }
    if not changes:
        return FieldPlan([])

    if cart.custom is None or cart.custom.type is None:
        fields = {name: value for name, value in changes.items() if value is not None}
        if not fields:
            return FieldPlan([])
        type_ref = {"typeId": "type", "key": settings.cart_type_key}
        return FieldPlan([{"action": "setCustomType", "type": type_ref, "fields": fields}])

    if is_connector_type(cart, settings):
        return FieldPlan([_set_field(name, value) for name, value in changes.items()])

    writable = {name: value for name, value in changes.items() if name in current}
    unwritable = tuple(name for name in changes if name not in current)
    return FieldPlan([_set_field(name, value) for name, value in writable.items()], unwritable)


def is_connector_type(cart: Cart, settings: Settings) -> bool:
    type_ref = cart.custom.type if cart.custom else None
    if type_ref is None:
        return False
    if settings.cart_type_id and type_ref.id == settings.cart_type_id:
        return True
    return type_ref.resolved_key == settings.cart_type_key


def _set_field(name: str, value: Any) -> dict[str, Any]:
    # Without a value, setCustomField removes the field.
    if value is None:
        return {"action": "setCustomField", "name": name}
    return {"action": "setCustomField", "name": name, "value": value}
