"""What an order's session still needs, and how the record reads and writes (no network)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handler import custom_types as ct
from handler.order_plan import (
    MAX_KEY_LENGTH,
    Change,
    ReturnedLine,
    plan_order,
    session_positions,
)
from handler.order_state import Order, OrderRecord, read_record, record_fields
from tests.orders.order_support import order, returned
from tests.unit.builders import free_line, line_item

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "reference-accelerator" / "commercetools"


def parsed(raw: dict[str, Any]) -> Order:
    return Order.model_validate(raw)


def kinds(raw: dict[str, Any], record: OrderRecord, close_on: str = "created") -> list[str]:
    return [change.kind for change in plan_order(parsed(raw), record, close_on).changes]


def test_positions_count_only_the_lines_sent_to_talon_one() -> None:
    raw = order()
    raw["lineItems"] = [
        line_item("a"),
        free_line("free", "FREE"),
        line_item("gift", mode="GiftLineItem"),
        line_item("empty", quantity=0),
        line_item("b"),
    ]

    assert session_positions(parsed(raw)) == {"a": 0, "b": 1}


@pytest.mark.parametrize(
    ("state", "record", "close_on", "expected"),
    [
        ("Open", OrderRecord(), "created", ["close"]),
        ("Open", OrderRecord(), "paid", []),
        ("Open", OrderRecord("closed"), "created", []),
        ("Complete", OrderRecord("partially_returned"), "created", []),
        ("Cancelled", OrderRecord(), "paid", ["cancel"]),
        ("Cancelled", OrderRecord("closed"), "created", ["cancel"]),
        ("Cancelled", OrderRecord("cancelled"), "created", []),
        ("Open", OrderRecord("cancelled"), "created", []),
    ],
)
def test_state_changes_follow_the_order_and_the_record(
    state: str, record: OrderRecord, close_on: str, expected: list[str]
) -> None:
    assert kinds(order(state=state), record, close_on) == expected


def test_a_cancel_makes_returns_moot() -> None:
    raw = order(state="Cancelled", returns=[returned(("ri-1", "shirt", 1))])

    assert kinds(raw, OrderRecord("closed")) == ["cancel"]


def test_each_return_info_is_one_return_of_its_items_not_yet_taken_back() -> None:
    raw = order(
        returns=[
            returned(("ri-1", "shirt", 1)),
            returned(("ri-3", "mug", 1), ("ri-2", "shirt", 1)),
        ]
    )

    plan = plan_order(parsed(raw), OrderRecord("closed", frozenset({"ri-1"})), "created")

    assert plan.changes == (
        Change("return", (ReturnedLine("ri-3", 1, 1), ReturnedLine("ri-2", 0, 1))),
    )
    assert plan.changes[0].idempotency_key == "commercetools-return-ri-2,ri-3"


def test_returns_of_lines_talon_one_never_saw_are_only_counted() -> None:
    raw = order(returns=[returned(("ri-1", "socks", 1), ("ri-2", "gone", 1), ("", "mug", 1))])
    raw["returnInfo"].append(
        {"items": [{"id": "ri-4", "type": "CustomLineItemReturnItem", "quantity": 1}]}
    )

    plan = plan_order(parsed(raw), OrderRecord("closed"), "created")

    assert plan.changes == ()
    assert plan.returns_outside_session == 4


def test_returns_wait_while_the_session_is_open() -> None:
    raw = order(payment="Pending", returns=[returned(("ri-1", "shirt", 1), ("ri-2", "mug", 1))])

    plan = plan_order(parsed(raw), OrderRecord(), "paid")

    assert plan.changes == ()
    assert plan.returns_waiting == 2


def test_units_of_one_position_are_added_up() -> None:
    change = Change(
        "return",
        (ReturnedLine("a", 2, 1), ReturnedLine("b", 0, 1), ReturnedLine("c", 2, 3)),
    )

    assert change.returned_cart_items() == [
        {"position": 0, "quantity": 1},
        {"position": 2, "quantity": 4},
    ]


def test_a_key_too_long_for_talon_one_is_a_stable_hash() -> None:
    lines = tuple(ReturnedLine(f"{n:08d}-0000-4000-8000-000000000000", 0, 1) for n in range(8))
    shuffled = Change("return", tuple(reversed(lines)))

    key = Change("return", lines).idempotency_key

    assert len(key) <= MAX_KEY_LENGTH
    assert key.startswith("commercetools-return-sha256-")
    assert key == shuffled.idempotency_key
    assert key != Change("return", lines[:-1]).idempotency_key


def test_the_record_ignores_values_the_connector_never_writes() -> None:
    raw = order(fields={ct.ORDER_SESSION_STATE: "open", ct.ORDER_RETURNED_ITEMS: ["a", 7, ""]})

    assert read_record(parsed(raw)) == OrderRecord(None, frozenset({"a"}))


def test_returned_ids_in_another_order_need_no_write() -> None:
    raw = order(fields={ct.ORDER_RETURNED_ITEMS: ["b", "a"]})
    record = OrderRecord("partially_returned", frozenset({"a", "b"}))

    wanted = record_fields(parsed(raw), record, [])

    assert wanted == {
        ct.ORDER_SESSION_STATE: "partially_returned",
        ct.ORDER_RETURNED_ITEMS: ["b", "a"],
        ct.ORDER_PENDING_CHANGES: None,
    }


def test_the_reference_order_fixtures_read_as_orders_of_their_cart() -> None:
    for name, state in [("create-order-event", "Open"), ("update-order-event", "Complete")]:
        event = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        placed = parsed(event["resource"]["obj"])

        assert placed.session_id == "e24e8400-ad24-4e28-be6a-124cfa557b47"
        assert placed.order_state == state
        assert session_positions(placed) == {"719204b1-7673-4aa7-a540-9a3b9ef020b7": 0}
