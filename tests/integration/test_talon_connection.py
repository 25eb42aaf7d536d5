"""The handler's real HTTP client against a local Talon.One stand-in on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handler.app import Runtime, handle
from handler.session import Mappings
from handler.settings import App, Settings
from handler.talon import HttpTransport, TalonClient
from tests.support.contract import validate_talon_request, validate_talon_response
from tools.talon_standin import DEMO_RULES, Fault, TalonStandIn

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "reference-accelerator"
API_KEY = "a" * 40


def cart_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads(
        (FIXTURES / "commercetools" / "update-cart-event.json").read_text()
    )
    return event


@pytest.fixture
def talon() -> Any:
    with TalonStandIn(DEMO_RULES, API_KEY) as stand_in:
        yield stand_in


def make_runtime(base_url: str, timeout_ms: int = 2000) -> Runtime:
    settings = Settings(
        apps={"eu": App(base_url=base_url, api_key=API_KEY)}, extension_timeout_ms=timeout_ms
    )
    return Runtime(settings, Mappings.from_settings(settings), TalonClient(HttpTransport()))


def test_each_cart_event_makes_one_call_and_warm_calls_reuse_the_connection(talon: Any) -> None:
    runtime = make_runtime(talon.base_url)

    for _ in range(5):
        accepted, response = handle(cart_event(), runtime)
        assert accepted
        assert response["actions"]

    assert len(talon.requests) == 5
    assert talon.connections == 1


def test_requests_and_answers_follow_the_talon_one_contract(talon: Any) -> None:
    runtime = make_runtime(talon.base_url)

    handle(cart_event(), runtime)

    (request,) = talon.requests
    assert request.method == "PUT"
    assert request.headers["authorization"] == f"ApiKey-v1 {API_KEY}"
    url = f"{talon.base_url}{request.path}"
    validate_talon_request("PUT", url, request.headers, request.body)


def test_the_stand_in_answer_itself_is_valid(talon: Any) -> None:
    import requests

    body: dict[str, Any] = {
        "customerSession": {"cartItems": [{"sku": "A", "quantity": 3, "price": 50}]}
    }
    url = f"{talon.base_url}/v2/customer_sessions/c1"
    response = requests.put(
        url, json=body, headers={"Authorization": f"ApiKey-v1 {API_KEY}"}, timeout=5
    )

    validate_talon_response("PUT", url, response.status_code, response.content)


def test_a_connection_closed_by_talon_is_retried_once_on_a_fresh_one(talon: Any) -> None:
    runtime = make_runtime(talon.base_url)
    talon.set_fault(Fault.reset(times=1))

    accepted, response = handle(cart_event(), runtime)

    assert accepted
    assert any(a["action"] == "setDirectDiscounts" for a in response["actions"])
    assert talon.connections == 2


def test_a_stalled_talon_one_leaves_the_cart_as_it_is(
    talon: Any, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = make_runtime(talon.base_url, timeout_ms=600)
    talon.set_fault(Fault.stall(3, times=1))
    event = cart_event()

    with caplog.at_level("INFO", logger="handler"):
        accepted, response = handle(event, runtime)

    # Only the storefront's "promotions unavailable" flag may change; the foreign cart type of
    # this fixture does not have that field, so nothing changes at all.
    assert accepted
    assert response["actions"] == []
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "handler"]
    assert line["outcome"] == "talon_unavailable"
    assert line["talon_error"] == "timeout"
