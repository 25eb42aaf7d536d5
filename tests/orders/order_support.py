"""Orders, a handler wired to the local Talon.One stand-in, and a record of what it was sent.

``OrderDesk`` runs extension requests through ``handler.app.handle`` with the real HTTP client
against a ``TalonStandIn``. Every request the stand-in receives is checked against Talon.One's
OpenAPI document, and each event reports the calls it caused as ``(method, path, body)``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from handler import custom_types as ct
from handler.app import Runtime, handle
from handler.session import Mappings
from handler.settings import App, OrderCloseOn, Settings
from handler.talon import HttpTransport, TalonClient
from tests.support.contract import validate_talon_request
from tests.unit.builders import CART_TYPE_ID, free_line, line_item, money
from tools.talon_standin import RecordedRequest, TalonStandIn

API_KEY = "e" * 40
CART_ID = "cart-1"
ORDER_ID = "order-1"
SESSION_PATH = f"/v2/customer_sessions/{CART_ID}"
RETURNS_PATH = f"{SESSION_PATH}/returns"

CLOSE = ("PUT", SESSION_PATH, {"customerSession": {"state": "closed"}})
CANCEL = ("PUT", SESSION_PATH, {"customerSession": {"state": "cancelled"}})
LOOK = ("GET", SESSION_PATH, None)

Call = tuple[str, str, Any]


def order_lines() -> list[dict[str, Any]]:
    """Three shirts, the connector's free socks, and a mug: Talon.One knows shirt 0 and mug 1."""
    return [
        line_item("shirt", sku="SHIRT", price=2000, quantity=3),
        free_line("socks", "FREE-SOCKS"),
        line_item("mug", sku="MUG", price=900, product_id="product-2"),
    ]


def order(
    *,
    state: str = "Open",
    payment: str | None = None,
    returns: list[dict[str, Any]] | None = None,
    fields: dict[str, Any] | None = None,
    type_id: str | None = CART_TYPE_ID,
    cart_id: str | None = CART_ID,
) -> dict[str, Any]:
    """An order as commercetools hands it to the extension, on the connector's type by default."""
    raw: dict[str, Any] = {
        "id": ORDER_ID,
        "version": 1,
        "orderState": state,
        "totalPrice": money(6900),
        "lineItems": order_lines(),
        "customLineItems": [],
        "returnInfo": returns or [],
    }
    if cart_id is not None:
        raw["cart"] = {"typeId": "cart", "id": cart_id}
    if payment is not None:
        raw["paymentState"] = payment
    if type_id is not None:
        raw["custom"] = {"type": {"typeId": "type", "id": type_id}, "fields": dict(fields or {})}
    return raw


def returned(*items: tuple[str, str, int]) -> dict[str, Any]:
    """One return info: ``(return item id, line item id, quantity)`` per item."""
    return {
        "items": [
            {
                "id": item_id,
                "type": "LineItemReturnItem",
                "lineItemId": line_id,
                "quantity": quantity,
                "shipmentState": "Returned",
                "paymentState": "Initial",
            }
            for item_id, line_id, quantity in items
        ]
    }


def cart_of(raw_order: dict[str, Any]) -> dict[str, Any]:
    """The cart the order was made from, as the cart extension last saw it."""
    return {
        "id": CART_ID,
        "version": 3,
        "totalPrice": raw_order["totalPrice"],
        "lineItems": copy.deepcopy(raw_order["lineItems"]),
        "custom": {"type": {"typeId": "type", "id": CART_TYPE_ID}, "fields": {}},
    }


def record_applied(raw: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    """The order after commercetools applied the record actions (custom fields only)."""
    updated = copy.deepcopy(raw)
    for action in actions:
        if action["action"] == "setCustomType":
            updated["custom"] = {"type": action["type"], "fields": dict(action["fields"])}
        elif action["action"] == "setCustomField":
            fields = updated["custom"]["fields"]
            if "value" in action:
                fields[action["name"]] = action["value"]
            else:
                fields.pop(action["name"], None)
        else:
            raise AssertionError(f"an order event returned {action['action']}")
    updated["version"] += 1
    return updated


def set_field(name: str, value: Any) -> dict[str, Any]:
    return {"action": "setCustomField", "name": name, "value": value}


def removed(name: str) -> dict[str, Any]:
    return {"action": "setCustomField", "name": name}


def state_set(state: str) -> dict[str, Any]:
    return set_field(ct.ORDER_SESSION_STATE, state)


@dataclass
class Event:
    actions: list[dict[str, Any]]
    calls: list[Call]
    order: dict[str, Any]


@dataclass
class OrderDesk:
    """The handler as commercetools calls it, talking to a Talon.One stand-in."""

    talon: TalonStandIn
    settings: Settings = field(init=False)
    runtime: Runtime = field(init=False)
    close_on: OrderCloseOn = "created"

    def __post_init__(self) -> None:
        self.settings = Settings(
            apps={"eu": App(base_url=self.talon.base_url, api_key=API_KEY)},
            cart_type_id=CART_TYPE_ID,
            order_close_on=self.close_on,
        )
        client = TalonClient(HttpTransport())
        self.runtime = Runtime(self.settings, Mappings.from_settings(self.settings), client)

    def open_session(self, raw_order: dict[str, Any]) -> None:
        """The shopper's cart reaches Talon.One through the cart path, as it would before."""
        request: dict[str, Any] = {
            "action": "Update",
            "resource": {"typeId": "cart", "id": CART_ID},
        }
        request["resource"]["obj"] = cart_of(raw_order)
        accepted, _ = handle(request, self.runtime)
        assert accepted
        assert self.talon.book.sessions[CART_ID].state == "open"

    def event(self, raw_order: dict[str, Any], action: str = "Update") -> Event:
        """Hand the order to the handler; the record actions are applied to the order returned."""
        before = len(self.talon.requests)
        request = {
            "action": action,
            "resource": {"typeId": "order", "id": raw_order["id"], "obj": raw_order},
        }
        accepted, response = handle(request, self.runtime)

        assert accepted
        assert response["responseType"] == "UpdateRequest"
        received = self.talon.requests[before:]
        for recorded in received:
            check_against_spec(self.talon.base_url, recorded)
        actions = response["actions"]
        return Event(actions, calls_of(received), record_applied(raw_order, actions))

    def session_state(self) -> str:
        return self.talon.book.sessions[CART_ID].state


def check_against_spec(base_url: str, recorded: RecordedRequest) -> None:
    query = f"?{urlencode(recorded.query, doseq=True)}" if recorded.query else ""
    validate_talon_request(
        recorded.method, base_url + recorded.path + query, recorded.headers, recorded.body
    )


def calls_of(received: list[RecordedRequest]) -> list[Call]:
    return [(recorded.method, recorded.path, recorded.body) for recorded in received]


def return_call(*items: tuple[int, int]) -> Call:
    cart_items = [{"position": position, "quantity": quantity} for position, quantity in items]
    return ("POST", RETURNS_PATH, {"return": {"returnedCartItems": cart_items}})


def idempotency_keys(talon: TalonStandIn) -> list[str | None]:
    return [
        recorded.headers.get("idempotency-key")
        for recorded in talon.requests
        if recorded.path == RETURNS_PATH
    ]
