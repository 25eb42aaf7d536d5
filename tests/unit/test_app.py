"""One extension request end to end: parse, route, ask Talon.One (a test double), answer."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from handler import custom_types as ct
from handler.app import handle
from handler.settings import Routing, Settings
from handler.talon import Answer, ReplayTransport, TalonError
from tests.unit.builders import (
    CART_TYPE_ID,
    ScriptedTransport,
    accept_coupon,
    cart,
    custom_line,
    extension_request,
    free_item,
    free_line,
    item_discount,
    line_item,
    line_item_settings,
    money,
    ok,
    runtime_for,
    set_discount,
    settings,
    talon_answer,
)

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "reference-accelerator"
UNAVAILABLE_FLAG = {
    "action": "setCustomField",
    "name": ct.CART_PROMOTIONS_UNAVAILABLE,
    "value": True,
}


def fixture(kind: str, name: str) -> Any:
    return json.loads((FIXTURES / kind / f"{name}.json").read_text(encoding="utf-8"))


def discounted_cart() -> dict[str, Any]:
    """A cart carrying promotions of an earlier update in both modes' shapes."""
    stored = {
        "id": "dd-1",
        "value": {"type": "absolute", "money": [money(500)]},
        "target": {"type": "totalPrice"},
    }
    return cart(
        line_item("a", price=5000, price_mode="ExternalTotal", total=4500),
        free_line("f", "GIFT"),
        fields={ct.CART_PRICED_LINE_ITEMS: '["a"]', ct.CART_COUPON_CODES: ["SUMMER"]},
        custom_lines=(custom_line("d", "d-0", -100),),
        direct_discounts=(stored,),
    )


# Evaluated carts


def test_cart_is_sent_to_its_app_and_the_effects_become_actions() -> None:
    transport = ReplayTransport(talon_answer(set_discount("10% off", "5"), free_item("GIFT")))
    runtime = runtime_for(settings(), transport)

    accepted, response = handle(extension_request(cart(line_item(), fields={})), runtime)

    assert accepted
    assert response["responseType"] == "UpdateRequest"
    kinds = [action["action"] for action in response["actions"]]
    assert kinds == ["setCustomField", "addLineItem", "setDirectDiscounts"]
    (sent,) = runtime.talon.sent or []
    assert sent.method == "PUT"
    assert sent.url == "https://eu.talon.test/v2/customer_sessions/cart-1"
    assert sent.body["customerSession"]["cartItems"][0]["sku"] == "SKU-1"


def test_session_id_is_escaped_in_the_url() -> None:
    runtime = runtime_for(settings(), ReplayTransport(talon_answer()))

    handle(extension_request(cart(line_item(), cart_id="a/b c")), runtime)

    assert (runtime.talon.sent or [])[0].url.endswith("/v2/customer_sessions/a%2Fb%20c")


def test_request_carries_the_app_key_as_api_key_authorization() -> None:
    transport = ScriptedTransport(ok())
    runtime = runtime_for(settings(), transport)

    before = time.monotonic()
    handle(extension_request(cart(line_item())), runtime)
    after = time.monotonic()

    assert transport.sent[0].headers["Authorization"] == "ApiKey-v1 key-eu"
    # The call gets the extension's budget less the margin kept for everything around it.
    assert before + 1.7 <= transport.sent[0].deadline <= after + 1.7


def test_create_and_update_are_both_evaluated() -> None:
    for action in ("Create", "Update"):
        runtime = runtime_for(settings(), ReplayTransport(talon_answer()))

        accepted, _ = handle(extension_request(cart(line_item()), action=action), runtime)

        assert accepted
        assert len(runtime.talon.sent or []) == 1


def test_accelerator_coupon_cart_gets_its_coupon_and_item_discount() -> None:
    config = settings(cart_type_id="6f983e05-d7b9-47bc-91f3-036aedd762ef")
    answer = FIXTURES / "talonone" / "update-customer-session-with-coupon-response.json"
    runtime = runtime_for(config, ReplayTransport(answer.read_bytes()))

    accepted, response = handle(fixture("commercetools", "update-cart-with-coupon-event"), runtime)

    assert accepted
    actions = response["actions"]
    fields = {a["name"]: a.get("value") for a in actions if a["action"] == "setCustomField"}
    assert fields[ct.CART_COUPON_CODES] == ["TEST-1"]
    assert fields[ct.CART_COUPON_ACTION] is None
    assert fields[ct.CART_COUPON_ACTION_VALUE] is None
    assert json.loads(fields[ct.CART_NOTIFICATIONS]) == [
        {"type": "Info", "title": "", "body": "TEST-1", "effect": "acceptCoupon", "code": ""}
    ]
    (direct,) = [a for a in actions if a["action"] == "setDirectDiscounts"]
    # 9.999 off the sneakers, rounded half-even to 10.00.
    assert direct["discounts"][0]["value"]["money"] == [money(1000)]
    assert direct["discounts"][0]["target"]["predicate"] == 'sku = "M0E20000000DVUK"'
    assert (runtime.talon.sent or [])[0].body["customerSession"]["couponCodes"] == ["test-1"]


def test_effects_the_flow_does_not_know_are_ignored() -> None:
    answer = talon_answer({"effectType": "addToAudience", "props": {"value": 3}}, {"x": 1})
    runtime = runtime_for(settings(), ReplayTransport(answer))

    accepted, response = handle(extension_request(cart(line_item())), runtime)

    assert accepted
    assert response["actions"] == []


# Talon.One unavailable: fail-open keeps every promotion and sets only the flag


@pytest.mark.parametrize(
    "failure",
    [
        Answer(500, "application/json", b'{"message": "boom"}'),
        Answer(401, "application/json", b"{}"),
        Answer(200, "text/html", b"<html>"),
        Answer(200, "application/json", b"not json"),
        Answer(200, "application/json", b"[]"),
        Answer(200, "application/json", b'{"effects": "\xff"}'),
        TalonError("timeout", "no answer within 1.70s"),
        TalonError("transport", "SSLError"),
    ],
    ids=["500", "401", "html", "garbled", "array", "not-utf8", "timeout", "tls"],
)
@pytest.mark.parametrize("config", [settings(), line_item_settings()], ids=["direct", "lines"])
def test_talon_failure_keeps_the_discounts_and_sets_only_the_flag(
    failure: Answer | TalonError, config: Settings
) -> None:
    runtime = runtime_for(config, ScriptedTransport(failure))

    accepted, response = handle(extension_request(discounted_cart()), runtime)

    assert accepted
    assert response["actions"] == [UNAVAILABLE_FLAG]


def test_talon_failure_under_the_fail_closed_policy_rejects_the_update() -> None:
    config = settings(cart_failure_policy="closed")
    runtime = runtime_for(config, ScriptedTransport(TalonError("timeout", "slow")))

    accepted, response = handle(extension_request(cart(line_item())), runtime)

    assert not accepted
    assert response == {
        "responseType": "FailedValidation",
        "errors": [
            {"code": "InvalidInput", "message": "promotions could not be evaluated, try again"}
        ],
    }


def test_cart_too_large_is_not_sent_and_keeps_its_promotions() -> None:
    transport = ScriptedTransport(ok())
    raw = discounted_cart()
    raw["lineItems"][0]["quantity"] = 20_000

    accepted, response = handle(extension_request(raw), runtime_for(settings(), transport))

    assert accepted
    assert response["actions"] == [UNAVAILABLE_FLAG]
    assert transport.sent == []


def test_cart_too_large_under_the_fail_closed_policy_is_refused_with_the_reason() -> None:
    raw = cart(line_item(quantity=20_000))
    runtime = runtime_for(settings(cart_failure_policy="closed"), ScriptedTransport(ok()))

    accepted, response = handle(extension_request(raw), runtime)

    assert not accepted
    assert "too large" in response["errors"][0]["message"]


def test_flag_is_cleared_once_talon_answers_again() -> None:
    raw = cart(line_item(), fields={ct.CART_PROMOTIONS_UNAVAILABLE: True})

    _, response = handle(extension_request(raw), runtime_for(settings(), ScriptedTransport(ok())))

    assert response["actions"] == [
        {"action": "setCustomField", "name": ct.CART_PROMOTIONS_UNAVAILABLE}
    ]


def test_quick_connection_failure_is_retried_once() -> None:
    transport = ScriptedTransport(TalonError("connection", "reset"), ok(accept_coupon("X")))

    accepted, _ = handle(extension_request(cart(line_item())), runtime_for(settings(), transport))

    assert accepted
    assert len(transport.sent) == 2


# Carts and resources left alone


def test_cart_without_an_app_gets_no_actions_and_no_call() -> None:
    config = settings(routing=Routing(by="currency", apps={"EUR": "eu"}))
    transport = ScriptedTransport(ok(set_discount("d", "1")))
    raw = cart(line_item(currency="USD"), currency="USD")

    accepted, response = handle(extension_request(raw), runtime_for(config, transport))

    assert accepted
    assert response == {"responseType": "UpdateRequest", "actions": []}
    assert transport.sent == []


def test_no_apps_configured_gets_no_actions() -> None:
    transport = ScriptedTransport(ok(set_discount("d", "1")))

    _, response = handle(extension_request(cart(line_item())), runtime_for(Settings(), transport))

    assert response["actions"] == []
    assert transport.sent == []


# Customer and order events have their own tests (tests/customers, tests/orders).


def test_unreadable_cart_is_approved_unchanged() -> None:
    raw = cart(line_item())
    raw["lineItems"] = [{"id": "a", "quantity": "many"}]
    transport = ScriptedTransport(ok(set_discount("d", "1")))

    accepted, response = handle(extension_request(raw), runtime_for(settings(), transport))

    assert accepted
    assert response["actions"] == []
    assert transport.sent == []


@pytest.mark.parametrize("payload", [{}, [], {"resource": {"typeId": "payment", "obj": {}}}])
def test_invalid_envelope_is_refused_with_the_problem(payload: Any) -> None:
    accepted, response = handle(payload, runtime_for(settings(), ScriptedTransport(ok())))

    assert not accepted
    assert response["responseType"] == "FailedValidation"
    assert response["errors"][0]["message"]


# Logs


def test_one_log_line_per_request_names_the_outcome_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="handler")
    raw = cart(line_item(), fields={ct.CART_COUPON_CODES: ["SECRET-COUPON"]})
    runtime = runtime_for(settings(), ScriptedTransport(TalonError("timeout", "slow")))

    handle(extension_request(raw), runtime)

    (record,) = [r for r in caplog.records if r.name == "handler"]
    logged = json.loads(record.getMessage())
    assert logged["event"] == "extension_request"
    assert logged["outcome"] == "talon_unavailable"
    assert logged["talon_error"] == "timeout"
    assert "key-eu" not in record.getMessage()
    assert "SECRET-COUPON" not in record.getMessage()


def test_log_counts_unknown_and_invalid_effects(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="handler")
    answer = ok(
        {"effectType": "addToAudience", "props": {}},
        {"effectType": "setDiscount", "props": {"name": "d"}},
        item_discount("d#0", "1", 0),
    )

    handle(extension_request(cart(line_item())), runtime_for(settings(), ScriptedTransport(answer)))

    logged = json.loads(caplog.records[-1].getMessage())
    assert logged["outcome"] == "evaluated"
    assert logged["effects"] == 1
    assert logged["unknown_effects"] == {"addToAudience": 1}
    assert logged["invalid_effects"] == {"setDiscount": 1}


def test_cart_on_the_configured_type_gets_every_connector_field() -> None:
    raw = cart(line_item(), fields={}, type_id=CART_TYPE_ID)
    runtime = runtime_for(settings(), ReplayTransport(talon_answer(set_discount("d", "1"))))

    _, response = handle(extension_request(raw), runtime)

    written = {a["name"] for a in response["actions"] if a["action"] == "setCustomField"}
    assert written == {ct.CART_APPLIED_DISCOUNTS}
