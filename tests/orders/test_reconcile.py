"""``python -m handler reconcile`` end to end: the commercetools mock holds a real order whose
changes could not reach Talon.One; the tool finds it, sends them to the Talon.One stand-in (each
request checked against the OpenAPI document) and saves the outcome on the order.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from handler import custom_types as ct
from handler.app import Runtime, handle
from handler.reconcile import main
from handler.session import Mappings
from handler.settings import App, Settings
from handler.talon import HttpTransport, TalonClient
from tests.orders.order_support import API_KEY, calls_of, check_against_spec
from tools.ctmock import (
    CommercetoolsMock,
    Project,
    create_cart,
    create_product,
    extension_input,
    seed_custom_types,
)
from tools.talon_standin import DEMO_RULES, Fault, TalonStandIn


@dataclass
class Run:
    code: int
    out: str
    err: str
    calls: list[tuple[str, str, Any]]


@dataclass
class Shop:
    """A project with one order whose close and return are still waiting for Talon.One."""

    project: Project
    talon: TalonStandIn
    order: dict[str, Any]

    @property
    def session_path(self) -> str:
        return f"/v2/customer_sessions/{self.order['cart']['id']}"

    def current_order(self) -> dict[str, Any]:
        return self.project.get("orders", self.order["id"])

    def record(self) -> dict[str, Any]:
        fields: dict[str, Any] = self.current_order()["custom"]["fields"]
        return {name: fields.get(name) for name in ORDER_FIELDS}


ORDER_FIELDS = (ct.ORDER_SESSION_STATE, ct.ORDER_RETURNED_ITEMS, ct.ORDER_PENDING_CHANGES)


@pytest.fixture
def talon() -> Iterator[TalonStandIn]:
    with TalonStandIn(DEMO_RULES, API_KEY) as stand_in:
        yield stand_in


@pytest.fixture
def shop(ct_project: Project, talon: TalonStandIn, monkeypatch: pytest.MonkeyPatch) -> Shop:
    types = seed_custom_types(ct_project)
    cart_type_id = next(t["id"] for t in types if t["key"] == ct.CART_TYPE_KEY)
    settings = Settings(
        apps={"eu": App(base_url=talon.base_url, api_key=API_KEY)}, cart_type_id=cart_type_id
    )
    runtime = Runtime(settings, Mappings.from_settings(settings), TalonClient(HttpTransport()))

    # The shopper's cart reaches Talon.One, and becomes an order.
    create_product(ct_project, "SHIRT", {"EUR": 2000})
    create_product(ct_project, "MUG", {"EUR": 900})
    cart = create_cart(
        ct_project,
        {
            "currency": "EUR",
            "lineItems": [{"sku": "SHIRT", "quantity": 1}, {"sku": "MUG", "quantity": 2}],
            "custom": {"type": {"typeId": "type", "key": ct.CART_TYPE_KEY}, "fields": {}},
        },
    )
    assert handle(extension_input(cart), runtime)[0]
    order = ct_project.create("orders", order_draft(cart))

    # A mug comes back while Talon.One is down: the order event records both changes as pending.
    mug = next(line for line in order["lineItems"] if line["variant"]["sku"] == "MUG")
    order = ct_project.apply_actions(
        "orders",
        order,
        [{"action": "addReturnInfo", "items": [{"lineItemId": mug["id"], "quantity": 1}]}],
    )
    talon.set_fault(Fault.error(503))
    accepted, response = handle(extension_input(order, "Update", "order"), runtime)
    talon.set_fault(None)
    assert accepted
    order = ct_project.apply_actions("orders", order, response["actions"])
    assert ct.ORDER_PENDING_CHANGES in order["custom"]["fields"]

    environment(monkeypatch, ct_project, talon, cart_type_id)
    return Shop(ct_project, talon, order)


def order_draft(cart: dict[str, Any]) -> dict[str, Any]:
    """An order from a cart: POST /orders with the cart's id and version."""
    return {"cart": {"typeId": "cart", "id": cart["id"]}, "version": cart["version"]}


def environment(
    monkeypatch: pytest.MonkeyPatch, project: Project, talon: TalonStandIn, cart_type_id: str
) -> None:
    """The variables an operator sets: commercetools credentials and the handler's settings."""
    for name in list(os.environ):
        if name.startswith(("T1CT_", "CTP_")):
            monkeypatch.delenv(name)
    apps = {"eu": {"base_url": talon.base_url, "api_key": API_KEY}}
    monkeypatch.setenv("T1CT_APPS", json.dumps(apps))
    monkeypatch.setenv("T1CT_CART_TYPE_ID", cart_type_id)
    monkeypatch.setenv("CTP_PROJECT_KEY", project.key)
    monkeypatch.setenv("CTP_CLIENT_ID", "reconcile-test")
    monkeypatch.setenv("CTP_CLIENT_SECRET", "not-checked-by-the-mock")
    monkeypatch.setenv("CTP_AUTH_URL", project.base_url)
    monkeypatch.setenv("CTP_API_URL", project.base_url)


@pytest.fixture
def reconcile(capsys: pytest.CaptureFixture[str], talon: TalonStandIn) -> Iterator[Any]:
    """Runs the command in this process; gives its exit code, output and the Talon.One calls."""
    root = logging.getLogger()
    level = root.level

    def run(*args: str) -> Run:
        capsys.readouterr()
        before = len(talon.requests)
        code = main(list(args))
        captured = capsys.readouterr()
        received = talon.requests[before:]
        for recorded in received:
            check_against_spec(talon.base_url, recorded)
        return Run(code, captured.out, captured.err, calls_of(received))

    yield run
    root.setLevel(level)


def test_pending_changes_are_sent_through_a_first_failure_and_cleared(
    shop: Shop, reconcile: Any
) -> None:
    shop.talon.set_fault(Fault.error(503, times=1))
    mug_return = shop.current_order()["returnInfo"][0]["items"][0]

    run = reconcile()

    close = ("PUT", shop.session_path, {"customerSession": {"state": "closed"}})
    returns = {"return": {"returnedCartItems": [{"position": 1, "quantity": 1}]}}
    assert run.calls == [close, close, ("POST", f"{shop.session_path}/returns", returns)]
    assert run.code == 0
    assert shop.record() == {
        ct.ORDER_SESSION_STATE: "partially_returned",
        ct.ORDER_RETURNED_ITEMS: [mug_return["id"]],
        ct.ORDER_PENDING_CHANGES: None,
    }
    assert f"order {shop.order['id']}: sent close, return" in run.out
    assert "Orders with pending changes: 1; changes sent: 2; still pending: 0." in run.out
    assert shop.talon.book.sessions[shop.order["cart"]["id"]].state == "partially_returned"


def test_a_second_run_finds_nothing_to_send(shop: Shop, reconcile: Any) -> None:
    reconcile()

    run = reconcile()

    assert run.code == 0
    assert run.calls == []
    assert "Orders with pending changes: 0; changes sent: 0; still pending: 0." in run.out


def test_changes_talon_one_still_refuses_stay_pending_with_their_reason(
    shop: Shop, reconcile: Any
) -> None:
    shop.talon.set_fault(Fault.error(502))

    run = reconcile("--budget", "2")

    assert run.code == 1
    close = ("PUT", shop.session_path, {"customerSession": {"state": "closed"}})
    assert run.calls == [close] * 4
    pending = json.loads(shop.record()[ct.ORDER_PENDING_CHANGES])
    assert [(entry["change"], entry["reason"]) for entry in pending] == [
        ("close", "Talon.One answered HTTP 502"),
        ("return", "waits for the session to close"),
    ]
    order_id = shop.order["id"]
    assert f"order {order_id}: close still pending: Talon.One answered HTTP 502" in run.out
    assert f"order {order_id}: return still pending: waits for the session to close" in run.out
    assert "changes sent: 0; still pending: 2." in run.out


def test_orders_without_pending_changes_are_left_alone(
    ct_mock: CommercetoolsMock,
    talon: TalonStandIn,
    reconcile: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = ct_mock.project()
    types = seed_custom_types(project)
    cart_type_id = next(t["id"] for t in types if t["key"] == ct.CART_TYPE_KEY)
    create_product(project, "SHIRT", {"EUR": 2000})
    cart = create_cart(project, {"currency": "EUR", "lineItems": [{"sku": "SHIRT"}]})
    project.create("orders", order_draft(cart))
    environment(monkeypatch, project, talon, cart_type_id)

    run = reconcile()

    assert run.code == 0
    assert run.calls == []


def test_missing_credentials_are_named_and_nothing_is_sent(
    shop: Shop, reconcile: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CTP_CLIENT_SECRET")

    run = reconcile()

    assert run.code == 2
    assert "CTP_CLIENT_SECRET" in run.err
    assert run.calls == []


def test_an_unreachable_commercetools_ends_the_run_with_status_2(
    shop: Shop, reconcile: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("CTP_API_URL", f"http://127.0.0.1:{closed_port}")

    run = reconcile()

    assert run.code == 2
    assert "commercetools could not be read: ConnectionError" in run.err
    assert run.calls == []
