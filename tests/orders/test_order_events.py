"""Order events move the Talon.One session exactly once, and never lose a change.

Each test hands orders to the handler the way commercetools does, against the local Talon.One
stand-in, and checks the exact calls the stand-in receives (each one validated against Talon.One's
OpenAPI document), the record actions on the order, and the session state Talon.One ends in. The
record actions are applied before the next event, as commercetools would.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handler import custom_types as ct
from tests.orders.order_support import (
    API_KEY,
    CANCEL,
    CLOSE,
    LOOK,
    OrderDesk,
    idempotency_keys,
    order,
    removed,
    return_call,
    returned,
    set_field,
    state_set,
)
from tests.unit.builders import FOREIGN_TYPE_ID
from tools.talon_standin import DEMO_RULES, Fault, TalonStandIn

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "reference-accelerator" / "commercetools"


@pytest.fixture
def talon() -> Iterator[TalonStandIn]:
    with TalonStandIn(DEMO_RULES, API_KEY) as stand_in:
        yield stand_in


@pytest.fixture
def desk(talon: TalonStandIn) -> OrderDesk:
    return OrderDesk(talon)


@pytest.fixture
def paid_desk(talon: TalonStandIn) -> OrderDesk:
    return OrderDesk(talon, close_on="paid")


def order_logs(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    lines = [json.loads(record.getMessage()) for record in caplog.records]
    return [line for line in lines if line.get("resource") == "order"]


# Closing ----------------------------------------------------------------------------------------


def test_a_created_order_closes_its_session_and_records_it(desk: OrderDesk) -> None:
    placed = order()
    desk.open_session(placed)

    event = desk.event(placed, "Create")

    assert event.calls == [CLOSE]
    assert event.actions == [state_set("closed")]
    assert desk.session_state() == "closed"


def test_a_repeated_create_sends_nothing(desk: OrderDesk) -> None:
    placed = order()
    desk.open_session(placed)
    first = desk.event(placed, "Create")

    again = desk.event(first.order, "Create")

    assert again.calls == []
    assert again.actions == []


def test_updates_after_the_close_send_nothing(desk: OrderDesk) -> None:
    placed = order()
    desk.open_session(placed)
    closed = desk.event(placed, "Create").order

    for state, payment in [("Confirmed", "Pending"), ("Complete", "Paid")]:
        later = desk.event({**closed, "orderState": state, "paymentState": payment})
        assert later.calls == []
        assert later.actions == []
    assert desk.session_state() == "closed"


def test_a_repeat_without_its_record_finds_the_session_closed_and_records_it(
    desk: OrderDesk,
) -> None:
    placed = order()
    desk.open_session(placed)
    desk.event(placed, "Create")

    # The same event again, as if the first answer had never been applied to the order.
    repeat = desk.event(placed, "Create")

    # Talon.One refuses to close a closed session; reading it shows the close is done.
    assert repeat.calls == [CLOSE, LOOK]
    assert repeat.actions == [state_set("closed")]
    assert desk.session_state() == "closed"


def test_close_on_paid_waits_for_the_payment(paid_desk: OrderDesk) -> None:
    placed = order(payment="Pending")
    paid_desk.open_session(placed)

    created = paid_desk.event(placed, "Create")
    paid = paid_desk.event({**created.order, "paymentState": "Paid"})

    assert created.calls == []
    assert created.actions == []
    assert paid.calls == [CLOSE]
    assert paid.actions == [state_set("closed")]


def test_an_order_without_a_custom_type_gets_the_connector_type(desk: OrderDesk) -> None:
    placed = order(type_id=None)
    desk.open_session(placed)

    event = desk.event(placed, "Create")

    assert event.calls == [CLOSE]
    assert event.actions == [
        {
            "action": "setCustomType",
            "type": {"typeId": "type", "key": ct.CART_TYPE_KEY},
            "fields": {ct.ORDER_SESSION_STATE: "closed"},
        }
    ]


# Cancelling -------------------------------------------------------------------------------------


def test_a_cancelled_order_cancels_its_closed_session_once(desk: OrderDesk) -> None:
    placed = order()
    desk.open_session(placed)
    closed = desk.event(placed, "Create").order

    cancelled = desk.event({**closed, "orderState": "Cancelled"})
    again = desk.event(cancelled.order)

    assert cancelled.calls == [CANCEL]
    assert cancelled.actions == [state_set("cancelled")]
    assert again.calls == []
    assert again.actions == []
    assert desk.session_state() == "cancelled"


def test_a_cancel_before_the_close_cancels_the_open_session(paid_desk: OrderDesk) -> None:
    placed = order(payment="Pending")
    paid_desk.open_session(placed)
    created = paid_desk.event(placed, "Create").order

    cancelled = paid_desk.event({**created, "orderState": "Cancelled"})
    # The payment arrives after the cancel: a cancelled session stays cancelled.
    paid = paid_desk.event({**cancelled.order, "paymentState": "Paid"})

    assert cancelled.calls == [CANCEL]
    assert cancelled.actions == [state_set("cancelled")]
    assert paid.calls == []
    assert paid.actions == []
    assert paid_desk.session_state() == "cancelled"


def test_a_cancel_drops_a_close_that_never_went(desk: OrderDesk, talon: TalonStandIn) -> None:
    placed = order()
    desk.open_session(placed)
    talon.set_fault(Fault.error(503))
    failed = desk.event(placed, "Create")
    talon.set_fault(None)

    cancelled = desk.event({**failed.order, "orderState": "Cancelled"})

    assert cancelled.calls == [CANCEL]
    assert cancelled.actions == [
        state_set("cancelled"),
        removed(ct.ORDER_PENDING_CHANGES),
    ]
    assert desk.session_state() == "cancelled"


def test_a_cancel_after_a_partial_return_cancels_the_rest(desk: OrderDesk) -> None:
    placed = order()
    desk.open_session(placed)
    closed = desk.event(placed, "Create").order
    partly = desk.event({**closed, "returnInfo": [returned(("ri-1", "shirt", 1))]}).order

    cancelled = desk.event({**partly, "orderState": "Cancelled"})

    assert cancelled.calls == [CANCEL]
    assert cancelled.actions == [state_set("cancelled")]
    assert desk.session_state() == "cancelled"


# Returns ----------------------------------------------------------------------------------------


def test_a_partial_then_a_full_return_each_go_once(desk: OrderDesk, talon: TalonStandIn) -> None:
    placed = order()
    desk.open_session(placed)
    closed = desk.event(placed, "Create").order
    first_return = returned(("ri-1", "shirt", 1))
    second_return = returned(("ri-2", "shirt", 2), ("ri-3", "mug", 1))

    partial = desk.event({**closed, "returnInfo": [first_return]})
    full = desk.event({**partial.order, "returnInfo": [first_return, second_return]})
    again = desk.event(full.order)

    assert partial.calls == [return_call((0, 1))]
    assert partial.actions == [
        state_set("partially_returned"),
        set_field(ct.ORDER_RETURNED_ITEMS, ["ri-1"]),
    ]
    assert full.calls == [return_call((0, 2), (1, 1))]
    assert full.actions == [set_field(ct.ORDER_RETURNED_ITEMS, ["ri-1", "ri-2", "ri-3"])]
    assert again.calls == []
    assert again.actions == []
    assert idempotency_keys(talon) == [
        "commercetools-return-ri-1",
        "commercetools-return-ri-2,ri-3",
    ]
    assert desk.session_state() == "partially_returned"


def test_returned_lines_are_addressed_by_their_session_position(
    desk: OrderDesk, caplog: pytest.LogCaptureFixture
) -> None:
    placed = order()
    desk.open_session(placed)
    closed = desk.event(placed, "Create").order
    caplog.set_level(logging.INFO, logger="handler")

    # The mug is the session's second item: the connector's free socks were never sent.
    event = desk.event(
        {**closed, "returnInfo": [returned(("ri-1", "mug", 1), ("ri-2", "socks", 1))]}
    )

    assert event.calls == [return_call((1, 1))]
    assert event.actions[1] == set_field(ct.ORDER_RETURNED_ITEMS, ["ri-1"])
    assert order_logs(caplog)[-1]["returns_outside_session"] == 1


def test_returns_before_the_close_wait_for_it(
    paid_desk: OrderDesk, caplog: pytest.LogCaptureFixture
) -> None:
    placed = order(payment="Pending", returns=[returned(("ri-1", "shirt", 3))])
    paid_desk.open_session(placed)
    caplog.set_level(logging.INFO, logger="handler")

    waiting = paid_desk.event(placed, "Create")
    paid = paid_desk.event({**waiting.order, "paymentState": "Paid"})

    assert waiting.calls == []
    assert waiting.actions == []
    assert order_logs(caplog)[0]["returns_waiting"] == 1
    assert paid.calls == [CLOSE, return_call((0, 3))]
    assert paid.actions == [
        state_set("partially_returned"),
        set_field(ct.ORDER_RETURNED_ITEMS, ["ri-1"]),
    ]


# Failures and pending changes -------------------------------------------------------------------


def test_a_quick_conflict_is_retried_within_the_event(desk: OrderDesk, talon: TalonStandIn) -> None:
    placed = order()
    desk.open_session(placed)
    talon.set_fault(Fault.error(409, times=1))

    event = desk.event(placed, "Create")

    assert event.calls == [CLOSE, CLOSE]
    assert event.actions == [state_set("closed")]


def test_a_server_error_is_retried_within_the_event(desk: OrderDesk, talon: TalonStandIn) -> None:
    placed = order()
    desk.open_session(placed)
    talon.set_fault(Fault.error(500, times=1))

    event = desk.event(placed, "Create")

    assert event.calls == [CLOSE, CLOSE]
    assert event.actions == [state_set("closed")]


def test_a_change_talon_one_does_not_take_is_recorded_as_pending(
    desk: OrderDesk, talon: TalonStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    placed = order(returns=[returned(("ri-1", "shirt", 1))])
    desk.open_session(placed)
    talon.set_fault(Fault.error(503))
    caplog.set_level(logging.INFO, logger="handler")

    event = desk.event(placed, "Create")

    # Two attempts, each retried once by the client; the return waits behind the close.
    assert event.calls == [CLOSE] * 4
    assert [action["name"] for action in event.actions] == [ct.ORDER_PENDING_CHANGES]
    assert json.loads(event.actions[0]["value"]) == [
        {
            "change": "close",
            "app": "eu",
            "session_id": "cart-1",
            "reason": "Talon.One answered HTTP 503",
        },
        {
            "change": "return",
            "app": "eu",
            "session_id": "cart-1",
            "idempotency_key": "commercetools-return-ri-1",
            "items": [{"return_item_id": "ri-1", "position": 0, "quantity": 1}],
            "reason": "waits for the session to close",
        },
    ]
    log = order_logs(caplog)[-1]
    assert log["outcome"] == "pending"
    assert log["pending"] == ["close", "return"]
    assert desk.session_state() == "open"


@pytest.mark.parametrize("fault", [Fault.invalid_json, Fault.wrong_content_type])
def test_an_unreadable_answer_leaves_the_close_pending(
    desk: OrderDesk, talon: TalonStandIn, fault: Any
) -> None:
    placed = order()
    desk.open_session(placed)
    talon.set_fault(fault())

    event = desk.event(placed, "Create")

    # A page from a proxy or a wrong URL proves nothing: the close is not taken for done.
    names = [action["name"] for action in event.actions]
    assert ct.ORDER_PENDING_CHANGES in names
    assert ct.ORDER_SESSION_STATE not in names
    pending = json.loads(event.actions[names.index(ct.ORDER_PENDING_CHANGES)]["value"])
    assert [change["change"] for change in pending] == ["close"]


def test_a_pending_change_goes_with_the_next_event(desk: OrderDesk, talon: TalonStandIn) -> None:
    placed = order(returns=[returned(("ri-1", "shirt", 1))])
    desk.open_session(placed)
    talon.set_fault(Fault.error(503))
    failed = desk.event(placed, "Create")
    talon.set_fault(None)

    retried = desk.event({**failed.order, "orderState": "Confirmed"})
    again = desk.event(retried.order)

    assert retried.calls == [CLOSE, return_call((0, 1))]
    assert retried.actions == [
        state_set("partially_returned"),
        set_field(ct.ORDER_RETURNED_ITEMS, ["ri-1"]),
        removed(ct.ORDER_PENDING_CHANGES),
    ]
    assert again.calls == []
    assert again.actions == []


def test_a_failed_return_is_sent_again_with_the_same_key(
    desk: OrderDesk, talon: TalonStandIn
) -> None:
    placed = order()
    desk.open_session(placed)
    closed = desk.event(placed, "Create").order
    with_return = {**closed, "returnInfo": [returned(("ri-2", "mug", 1), ("ri-1", "shirt", 2))]}
    talon.set_fault(Fault.error(500))
    failed = desk.event(with_return)
    talon.set_fault(None)

    retried = desk.event(failed.order)

    assert failed.calls == [return_call((0, 2), (1, 1))] * 2
    assert json.loads(failed.actions[0]["value"])[0]["reason"] == "Talon.One answered HTTP 500"
    assert retried.calls == [return_call((0, 2), (1, 1))]
    assert set(idempotency_keys(talon)) == {"commercetools-return-ri-1,ri-2"}
    assert desk.session_state() == "partially_returned"


def test_an_unreachable_talon_one_never_blocks_the_order(
    desk: OrderDesk, talon: TalonStandIn
) -> None:
    placed = order()
    talon.set_fault(Fault.reset())

    event = desk.event(placed, "Create")

    # The client tries again at once; a connection refused twice is not tried a third time.
    assert event.calls == [CLOSE] * 2
    pending = json.loads(event.actions[0]["value"])
    assert pending[0]["reason"] == "Talon.One could not be reached"


# Orders the connector cannot record on, or has nothing to do with ---------------------------------


def test_an_order_without_a_cart_gets_no_actions_and_is_logged(
    desk: OrderDesk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="handler")

    event = desk.event(order(cart_id=None), "Create")

    assert event.calls == []
    assert event.actions == []
    assert order_logs(caplog)[-1]["outcome"] == "no_cart"


def test_a_foreign_type_without_the_record_fields_is_logged_as_unprotected(
    desk: OrderDesk, caplog: pytest.LogCaptureFixture
) -> None:
    placed = order(type_id=FOREIGN_TYPE_ID, fields={"erp_reference": "X-1"})
    desk.open_session(placed)
    caplog.set_level(logging.INFO, logger="handler")

    event = desk.event(placed, "Create")

    assert event.calls == [CLOSE]
    assert event.actions == []
    log = order_logs(caplog)[-1]
    assert log["outcome"] == "synced"
    assert log["record_unwritable"] == [ct.ORDER_SESSION_STATE]


def test_a_foreign_type_with_the_record_fields_keeps_the_record(desk: OrderDesk) -> None:
    fields = {ct.ORDER_SESSION_STATE: ""}
    placed = order(type_id=FOREIGN_TYPE_ID, fields=fields)
    desk.open_session(placed)

    event = desk.event(placed, "Create")
    again = desk.event(event.order)

    assert event.calls == [CLOSE]
    assert event.actions == [state_set("closed")]
    assert again.calls == []


# The accelerator's recorded order events --------------------------------------------------------


def fixture_order(name: str) -> dict[str, Any]:
    event = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    obj: dict[str, Any] = event["resource"]["obj"]
    return obj


def test_the_accelerators_order_events_close_the_session_once(desk: OrderDesk) -> None:
    session_path = "/v2/customer_sessions/e24e8400-ad24-4e28-be6a-124cfa557b47"

    created = desk.event(fixture_order("create-order-event"), "Create")
    # The order update commercetools sends next carries the record the create wrote.
    update = {**fixture_order("update-order-event"), "custom": created.order["custom"]}
    completed = desk.event(update)

    assert created.calls == [("PUT", session_path, {"customerSession": {"state": "closed"}})]
    assert created.actions == [
        {
            "action": "setCustomType",
            "type": {"typeId": "type", "key": ct.CART_TYPE_KEY},
            "fields": {ct.ORDER_SESSION_STATE: "closed"},
        }
    ]
    assert completed.calls == []
    assert completed.actions == []
