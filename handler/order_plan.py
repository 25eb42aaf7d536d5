"""What an order's Talon.One session still needs, worked out from the order and its record (pure).

The order is the source of truth: every event works out again what Talon.One is owed, so a change
that did not go through last time is owed again now, and one the order no longer calls for (a
close that a later cancel made moot) is dropped. The rules:

- a session Talon.One has cancelled is final: nothing more is sent;
- a cancelled order cancels the session, whether it was closed or is still open;
- otherwise the session closes once the order is created, or once it is paid (``order_close_on``);
- return items not yet taken back are returned once the session is closed; before that they wait.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from handler.order_state import Order, OrderRecord, ReturnInfo
from handler.session import is_sent_to_talon

# Talon.One keeps idempotency keys of up to 255 characters.
MAX_KEY_LENGTH = 255
KEY_PREFIX = "commercetools-return-"

ChangeKind = Literal["close", "cancel", "return"]


@dataclass(frozen=True)
class ReturnedLine:
    """One commercetools return item, addressed by the session cart item it takes back."""

    return_item_id: str
    position: int
    quantity: int


@dataclass(frozen=True)
class Change:
    """One change to send to Talon.One: a state move, or a return of some items."""

    kind: ChangeKind
    lines: tuple[ReturnedLine, ...] = ()

    @property
    def return_item_ids(self) -> tuple[str, ...]:
        return tuple(sorted(line.return_item_id for line in self.lines))

    @property
    def idempotency_key(self) -> str:
        """The same return items give the same key, so Talon.One takes them back only once."""
        key = KEY_PREFIX + ",".join(self.return_item_ids)
        if len(key) <= MAX_KEY_LENGTH:
            return key
        digest = hashlib.sha256(",".join(self.return_item_ids).encode()).hexdigest()
        return f"{KEY_PREFIX}sha256-{digest}"

    def returned_cart_items(self) -> list[dict[str, int]]:
        """Talon.One's ``returnedCartItems``: one entry per position, quantities added up."""
        quantities: dict[int, int] = {}
        for line in self.lines:
            quantities[line.position] = quantities.get(line.position, 0) + line.quantity
        return [
            {"position": position, "quantity": quantity}
            for position, quantity in sorted(quantities.items())
        ]

    def describe(self) -> dict[str, Any]:
        """Everything needed to send the change again, for the pending-changes field."""
        if self.kind != "return":
            return {"change": self.kind}
        lines = [
            {
                "return_item_id": line.return_item_id,
                "position": line.position,
                "quantity": line.quantity,
            }
            for line in self.lines
        ]
        return {"change": "return", "idempotency_key": self.idempotency_key, "items": lines}


@dataclass(frozen=True)
class OrderPlan:
    changes: tuple[Change, ...] = ()
    # Return items that wait for the session to close, and those Talon.One never saw (custom line
    # items, the connector's free items, unknown lines): both are only counted, for the log.
    returns_waiting: int = 0
    returns_outside_session: int = 0


def plan_order(order: Order, record: OrderRecord, close_on: str) -> OrderPlan:
    """The changes this order needs now, in the order they must be sent."""
    if record.session_state == "cancelled":
        return OrderPlan()

    # Cancelling rolls back everything the session still holds, so a close or a return that has
    # not gone yet is moot.
    if order.order_state == "Cancelled":
        return OrderPlan((Change("cancel"),))

    changes: list[Change] = []
    closed = record.session_state in ("closed", "partially_returned")
    if not closed and _closes_now(order, close_on):
        changes.append(Change("close"))
        closed = True

    returns, outside = _new_returns(order, record)
    if not closed:
        waiting = sum(len(change.lines) for change in returns)
        return OrderPlan(tuple(changes), returns_waiting=waiting, returns_outside_session=outside)
    return OrderPlan((*changes, *returns), returns_outside_session=outside)


def session_positions(order: Order) -> dict[str, int]:
    """Line item id -> position of its cart item in the session, as the cart path built it."""
    sent = [line for line in order.line_items if is_sent_to_talon(line)]
    return {line.id: position for position, line in enumerate(sent) if line.id}


def _closes_now(order: Order, close_on: str) -> bool:
    # Any event means the order exists; "created" needs nothing more.
    if close_on == "paid":
        return order.payment_state == "Paid"
    return True


def _new_returns(order: Order, record: OrderRecord) -> tuple[list[Change], int]:
    """One return per commercetools return info, with the items Talon.One has not taken back.

    Items of one return info appear together and are sent together, so a return that failed
    is sent again with the same items, and therefore the same idempotency key.
    """
    positions = session_positions(order)
    changes: list[Change] = []
    outside = 0

    for info in order.return_info:
        lines, skipped = _returned_lines(info, record, positions)
        outside += skipped
        if lines:
            changes.append(Change("return", tuple(lines)))
    return changes, outside


def _returned_lines(
    info: ReturnInfo, record: OrderRecord, positions: dict[str, int]
) -> tuple[list[ReturnedLine], int]:
    lines: list[ReturnedLine] = []
    skipped = 0
    for item in info.items:
        if item.id in record.returned:
            continue
        position = positions.get(item.line_item_id or "")
        if not item.id or position is None or item.quantity < 1:
            skipped += 1
            continue
        lines.append(ReturnedLine(item.id, position, item.quantity))
    return lines, skipped
