"""A failing Talon.One never blocks a cart, never strips its promotions, never overruns the budget.

A local Talon.One stand-in injects each fault; the handler uses its real HTTP client. A cart that
already shows promotions (a Direct Discount, a free item, notifications) must come out with the
same promotions and the "promotions unavailable" flag, or, with the fail-closed policy, with a
clear refusal. Every timeout the client hands to the network fits in the budget.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from handler import custom_types as ct
from handler.app import SAFETY_MARGIN_S, Runtime, handle
from handler.session import Mappings
from handler.settings import App, CartFailurePolicy, Settings
from handler.talon import Answer, HttpTransport, TalonClient
from tools.talon_standin import DEMO_RULES, Fault, TalonStandIn

API_KEY = "f" * 40
CART_TYPE_ID = "cart-type-id"
TIMEOUT_MS = 800

FAULTS = {
    "stall": lambda: Fault.stall(5),
    "reset": lambda: Fault.reset(),
    "500": lambda: Fault.error(500),
    "503": lambda: Fault.error(503),
    "429": lambda: Fault.error(429),
    "409": lambda: Fault.error(409),
    "401": lambda: Fault.error(401),
    "invalid json": lambda: Fault.invalid_json(),
    "wrong content type": lambda: Fault.wrong_content_type(),
    "huge body": lambda: Fault.huge_body(),
}


class BudgetRecorder:
    """The real HTTP transport, noting when each attempt starts and the deadline it is given."""

    def __init__(self) -> None:
        self.inner = HttpTransport()
        self.attempts: list[tuple[float, float]] = []

    def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, deadline: float
    ) -> Answer:
        self.attempts.append((time.monotonic(), deadline))
        return self.inner.send(method, url, headers, body, deadline)


@pytest.fixture(scope="module")
def talon() -> Iterator[TalonStandIn]:
    with TalonStandIn(DEMO_RULES, API_KEY) as stand_in:
        yield stand_in


def make_runtime(
    base_url: str, policy: CartFailurePolicy = "open"
) -> tuple[Runtime, BudgetRecorder]:
    settings = Settings(
        apps={"eu": App(base_url=base_url, api_key=API_KEY)},
        cart_type_id=CART_TYPE_ID,
        extension_timeout_ms=TIMEOUT_MS,
        cart_failure_policy=policy,
    )
    transport = BudgetRecorder()
    return Runtime(settings, Mappings.from_settings(settings), TalonClient(transport)), transport


def discounted_cart() -> dict[str, Any]:
    """A cart showing a 10 € Direct Discount, a free item and a notification."""
    money = {"type": "centPrecision", "currencyCode": "EUR", "fractionDigits": 2}
    return {
        "id": "cart-1",
        "version": 4,
        "totalPrice": {**money, "centAmount": 15000},
        "lineItems": [
            {
                "id": "shirt",
                "productId": "p1",
                "variant": {"id": 1, "sku": "SHIRT"},
                "quantity": 3,
                "price": {"value": {**money, "centAmount": 5000}},
            },
            {
                "id": "socks",
                "productId": "p2",
                "variant": {"id": 1, "sku": "FREE-SOCKS"},
                "quantity": 1,
                "price": {"value": {**money, "centAmount": 0}},
                "custom": {"type": {"id": "li"}, "fields": {ct.LINE_ITEM_EFFECT: "addFreeItem"}},
            },
        ],
        "directDiscounts": [
            {
                "id": "dd1",
                "value": {"type": "absolute", "money": [{**money, "centAmount": 1000}]},
                "target": {"type": "totalPrice"},
            }
        ],
        "custom": {
            "type": {"typeId": "type", "id": CART_TYPE_ID},
            "fields": {ct.CART_NOTIFICATIONS: '[{"type":"Offer","body":"Free socks"}]'},
        },
    }


def request(resource: dict[str, Any], type_id: str = "cart") -> dict[str, Any]:
    return {
        "action": "Update",
        "resource": {"typeId": type_id, "id": resource["id"], "obj": resource},
    }


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_cart_keeps_its_promotions_when_talon_one_fails(talon: TalonStandIn, fault: str) -> None:
    runtime, transport = make_runtime(talon.base_url)
    talon.set_fault(FAULTS[fault]())
    try:
        accepted, response = handle(request(discounted_cart()), runtime)
    finally:
        talon.set_fault(None)

    assert accepted
    assert response["actions"] == [
        {"action": "setCustomField", "name": ct.CART_PROMOTIONS_UNAVAILABLE, "value": True}
    ]
    # Every attempt, the retry included, must end by one deadline set before the first one.
    budget = TIMEOUT_MS / 1000 - SAFETY_MARGIN_S
    first_start, deadline = transport.attempts[0]
    assert deadline - first_start <= budget
    assert all(attempt_deadline == deadline for _, attempt_deadline in transport.attempts)
    assert len(transport.attempts) <= 2


@pytest.mark.parametrize("fault", ["stall", "500", "invalid json"])
def test_fail_closed_policy_refuses_the_cart_update_with_a_message(
    talon: TalonStandIn, fault: str
) -> None:
    runtime, _ = make_runtime(talon.base_url, policy="closed")
    talon.set_fault(FAULTS[fault]())
    try:
        accepted, response = handle(request(discounted_cart()), runtime)
    finally:
        talon.set_fault(None)

    assert not accepted
    assert response["responseType"] == "FailedValidation"
    assert response["errors"][0]["code"] == "InvalidInput"
    assert "promotions could not be evaluated" in response["errors"][0]["message"]


def test_one_quick_failure_is_retried_and_the_cart_evaluated(talon: TalonStandIn) -> None:
    runtime, transport = make_runtime(talon.base_url)
    talon.set_fault(Fault.error(409, times=1))

    accepted, response = handle(request(discounted_cart()), runtime)

    assert accepted
    assert len(transport.attempts) == 2
    assert {
        "action": "setCustomField",
        "name": ct.CART_PROMOTIONS_UNAVAILABLE,
        "value": True,
    } not in response["actions"]


def test_the_flag_is_cleared_once_talon_one_answers_again(talon: TalonStandIn) -> None:
    runtime, _ = make_runtime(talon.base_url)
    cart = discounted_cart()
    cart["custom"]["fields"][ct.CART_PROMOTIONS_UNAVAILABLE] = True

    accepted, response = handle(request(cart), runtime)

    assert accepted
    assert {"action": "setCustomField", "name": ct.CART_PROMOTIONS_UNAVAILABLE} in response[
        "actions"
    ]


@pytest.mark.parametrize("type_id", ["customer", "order"])
@pytest.mark.parametrize("fault", ["stall", "reset", "500"])
def test_customer_and_order_writes_are_never_blocked(
    talon: TalonStandIn, type_id: str, fault: str
) -> None:
    runtime, transport = make_runtime(talon.base_url, policy="closed")
    talon.set_fault(FAULTS[fault]())
    try:
        accepted, response = handle(request({"id": "r1", "version": 1}, type_id), runtime)
    finally:
        talon.set_fault(None)

    assert accepted
    assert response == {"responseType": "UpdateRequest", "actions": []}
    assert json.dumps(response)
    if type_id == "customer":
        # The profile update was tried and failed; the customer is written all the same.
        assert transport.attempts
    else:
        # An order without a cart reference has no session to move: nothing is sent.
        assert transport.attempts == []
