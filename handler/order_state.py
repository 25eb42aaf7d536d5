"""A commercetools order as the connector reads it, and the record of what reached Talon.One.

An order carries everything a cart does (commercetools copies the cart into it, custom type and
fields included), so ``Order`` extends the tolerant ``Cart`` model with the order's own parts.

The record lives in three custom fields of the order, written through the update actions the
handler returns, so it is saved in the same write as the order change that caused it:

- ``talon_one_order_session_state``: the last session state Talon.One confirmed (``closed``,
  ``partially_returned`` or ``cancelled``); absent while the session is still open;
- ``talon_one_order_returned_items``: ids of the return items Talon.One has taken back;
- ``talon_one_order_pending_changes``: JSON list of the changes that have not reached Talon.One
  yet, each with what is needed to send it again and why it did not go.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from handler import custom_types as ct
from handler.cart import Cart, Reference

# Session states the record may hold, in the order a session moves through them.
SESSION_STATES = ("closed", "partially_returned", "cancelled")

_PENDING_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class ReturnItem(_Model):
    id: str = ""
    quantity: int = 0
    # Set for returned line items; a returned custom line item names customLineItemId instead.
    line_item_id: str | None = Field(default=None, alias="lineItemId")


class ReturnInfo(_Model):
    items: tuple[ReturnItem, ...] = ()


class Order(Cart):
    """The parts of a commercetools order the connector reads; every field is optional."""

    cart: Reference | None = None
    order_state: str | None = Field(default=None, alias="orderState")
    payment_state: str | None = Field(default=None, alias="paymentState")
    return_info: tuple[ReturnInfo, ...] = Field(default=(), alias="returnInfo")

    @property
    def session_id(self) -> str | None:
        """The Talon.One session of this order: the id of the cart it was made from."""
        return self.cart.id if self.cart is not None and self.cart.id else None


@dataclass(frozen=True)
class OrderRecord:
    """What Talon.One has confirmed for an order's session."""

    session_state: str | None = None
    returned: frozenset[str] = frozenset()


def read_record(order: Order) -> OrderRecord:
    """The record as the order holds it; values the connector would not write are ignored."""
    fields = order.fields

    state = fields.get(ct.ORDER_SESSION_STATE)
    returned = fields.get(ct.ORDER_RETURNED_ITEMS)
    if not isinstance(returned, list):
        returned = []

    return OrderRecord(
        session_state=state if state in SESSION_STATES else None,
        returned=frozenset(item for item in returned if isinstance(item, str) and item),
    )


def record_fields(
    order: Order, record: OrderRecord, pending: list[dict[str, Any]]
) -> dict[str, Any]:
    """The values the record fields should hold (None: absent), for ``cart_fields``."""
    current = order.fields.get(ct.ORDER_RETURNED_ITEMS)
    returned: list[str] | None = sorted(record.returned) or None
    # A set field comes back in any order; the same ids need no write.
    if isinstance(current, list) and returned is not None and set(current) == record.returned:
        returned = current

    return {
        ct.ORDER_SESSION_STATE: record.session_state,
        ct.ORDER_RETURNED_ITEMS: returned,
        ct.ORDER_PENDING_CHANGES: _PENDING_JSON.encode(pending) if pending else None,
    }
