"""Update actions that bring the connector's custom fields to the values wanted.

The connector writes only its own fields and never replaces a custom type that belongs to someone
else: on a foreign type it can write only the fields that type is known to have (those present on
the resource); the others are reported back so the caller can log them. Carts and customers follow
the same rule, each with its own connector type.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from handler.cart import Cart, CustomFields
from handler.settings import Settings


class FieldPlan(NamedTuple):
    actions: list[dict[str, Any]]
    unwritable: tuple[str, ...] = ()


class ConnectorType(NamedTuple):
    """The custom type the connector puts on a resource: its key, and its id when known."""

    key: str
    id: str | None = None

    def owns(self, custom: CustomFields | None) -> bool:
        type_ref = custom.type if custom else None
        if type_ref is None:
            return False
        if self.id and type_ref.id == self.id:
            return True
        return type_ref.resolved_key == self.key


def field_actions(cart: Cart, wanted: dict[str, Any], settings: Settings) -> FieldPlan:
    """Actions setting each cart field in ``wanted`` (None means absent), only where it differs."""
    return custom_field_actions(cart.custom, wanted, cart_type(settings))


def custom_field_actions(
    custom: CustomFields | None, wanted: dict[str, Any], connector: ConnectorType
) -> FieldPlan:
    """Actions setting each field in ``wanted`` (None means absent), only where it differs."""
    current = custom.fields if custom else {}
    changes = {
        name: value
        for name, value in wanted.items()
        if current.get(name) != value and not (value is None and name not in current)
    }
    if not changes:
        return FieldPlan([])

    if custom is None or custom.type is None:
        fields = {name: value for name, value in changes.items() if value is not None}
        if not fields:
            return FieldPlan([])
        type_ref = {"typeId": "type", "key": connector.key}
        return FieldPlan([{"action": "setCustomType", "type": type_ref, "fields": fields}])

    if connector.owns(custom):
        return FieldPlan([_set_field(name, value) for name, value in changes.items()])

    writable = {name: value for name, value in changes.items() if name in current}
    unwritable = tuple(name for name in changes if name not in current)
    return FieldPlan([_set_field(name, value) for name, value in writable.items()], unwritable)


def cart_type(settings: Settings) -> ConnectorType:
    return ConnectorType(settings.cart_type_key, settings.cart_type_id)


def customer_type(settings: Settings) -> ConnectorType:
    return ConnectorType(settings.customer_type_key, settings.customer_type_id)


def is_connector_type(cart: Cart, settings: Settings) -> bool:
    return cart_type(settings).owns(cart.custom)


def _set_field(name: str, value: Any) -> dict[str, Any]:
    # Without a value, setCustomField removes the field.
    if value is None:
        return {"action": "setCustomField", "name": name}
    return {"action": "setCustomField", "name": name, "value": value}
