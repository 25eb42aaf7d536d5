"""Property-based checks: whatever commercetools or Talon.One send, the answer is well-formed.

A few dozen examples run in `make test`; `make fuzz` runs tens of thousands.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handler.app import Runtime, handle
from handler.session import Mappings
from handler.settings import App, Settings
from handler.talon import ReplayTransport, TalonClient
from tests.properties.strategies import CONNECTOR_TYPE_ID, answers, broken_requests, carts

pytestmark = pytest.mark.fuzz


def runtime_answering(answer: dict[str, Any], mode: str = "direct_discounts") -> Runtime:
    content = json.dumps(answer, default=str).encode()
    options: dict[str, Any] = {
        "apps": {"only": App(base_url="https://t1.example", api_key="k")},
        "cart_type_id": CONNECTOR_TYPE_ID,
        "discount_mode": mode,
    }
    if mode == "custom_line_items":
        options["discount_tax_category_id"] = "tax"
    settings_ = Settings(**options)
    return Runtime(
        settings_, Mappings.from_settings(settings_), TalonClient(ReplayTransport(content))
    )


def assert_valid_extension_response(accepted: bool, response: dict[str, Any]) -> None:
    json.dumps(response)  # serialisable as the HTTP body or the Lambda result
    if not accepted:
        assert response["responseType"] == "FailedValidation"
        assert all(error["code"] and error["message"] for error in response["errors"])
        return
    assert response["responseType"] == "UpdateRequest"
    assert len(response["actions"]) <= 100
    for action in response["actions"]:
        assert isinstance(action["action"], str)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    cart=carts(),
    answer=answers,
    mode=st.sampled_from(["direct_discounts", "custom_line_items"]),
    action=st.sampled_from(["Create", "Update"]),
)
def test_any_cart_and_any_answer_give_a_valid_response(
    cart: dict[str, Any], answer: dict[str, Any], mode: str, action: str
) -> None:
    request = {"action": action, "resource": {"typeId": "cart", "id": cart["id"], "obj": cart}}

    accepted, response = handle(request, runtime_answering(answer, mode))

    assert accepted
    assert_valid_extension_response(accepted, response)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(request=broken_requests)
def test_broken_requests_get_commercetools_error_shape_or_no_actions(request: Any) -> None:
    accepted, response = handle(request, runtime_answering({"effects": []}))

    assert_valid_extension_response(accepted, response)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], max_examples=5)
@given(cart=carts(max_lines=0), answer=answers)
def test_a_thousand_line_cart_stays_within_one_hundred_actions(
    cart: dict[str, Any], answer: dict[str, Any]
) -> None:
    cart["lineItems"] = [
        {
            "id": f"line-{index}",
            "productId": f"p{index}",
            "quantity": 1,
            "variant": {"id": 1, "sku": f"S{index}"},
            "price": {"value": {"currencyCode": "EUR", "centAmount": 100 + index}},
        }
        for index in range(1000)
    ]
    cart["totalPrice"] = {"currencyCode": "EUR", "centAmount": 1}
    per_item = [
        {
            "campaignId": 1,
            "rulesetId": 1,
            "ruleIndex": 0,
            "ruleName": "r",
            "effectType": "setDiscountPerItem",
            "props": {"name": f"d#{index}", "value": 0.5, "position": index},
        }
        for index in range(1000)
    ]
    answer = {**answer, "effects": answer["effects"] + per_item}
    request = {"action": "Update", "resource": {"typeId": "cart", "id": cart["id"], "obj": cart}}

    accepted, response = handle(request, runtime_answering(answer, "custom_line_items"))

    assert_valid_extension_response(accepted, response)
    assert len(response["actions"]) == 100
