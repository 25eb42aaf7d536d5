"""The Talon.One contract checks (tests/support/contract.py) catch mistakes and pass good calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.contract import validate_talon_request, validate_talon_response

TENANT = "https://acme.europe-west1.talon.one"
SESSION_URL = f"{TENANT}/v2/customer_sessions/cart-8e44a7c8"
HEADERS = {"Authorization": "ApiKey-v1 0123456789abcdef", "Content-Type": "application/json"}
FIXTURES = Path(__file__).resolve().parent.parent / "data" / "reference-accelerator"


def session_update() -> dict[str, Any]:
    return {
        "customerSession": {
            "profileId": "customer-0e221bb9",
            "state": "open",
            "couponCodes": ["SUMMER10"],
            "referralCode": "",
            "cartItems": [
                {"sku": "SHIRT-M", "name": "Shirt", "quantity": 2, "price": 49.9},
                {"sku": "SOCKS", "quantity": 1, "price": 5, "attributes": {"color": "red"}},
            ],
            "additionalCosts": {"shipping": {"price": 4.95}},
            "attributes": {"ShippingCountry": "DE"},
        },
        "responseContent": ["customerSession", "coupons"],
    }


def effect(effect_type: str, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "campaignId": 7,
        "rulesetId": 12,
        "ruleIndex": 0,
        "ruleName": "Summer sale",
        "effectType": effect_type,
        "props": props,
    }


def session_state() -> dict[str, Any]:
    return {
        "effects": [
            effect("acceptCoupon", {"value": "SUMMER10"}),
            effect("setDiscount", {"name": "5 off", "value": 5}),
            effect("setDiscountPerItem", {"name": "10% off#0", "value": 4.99, "position": 0}),
            effect("addFreeItem", {"sku": "SOCKS", "name": "Free socks"}),
            effect("showNotification", {"notificationType": "Info", "title": "Hi", "body": "!"}),
        ],
        "createdCoupons": [],
        "createdReferrals": [],
        "customerSession": {
            "id": 4711,
            "created": "2026-12-01T10:00:00Z",
            "integrationId": "cart-8e44a7c8",
            "applicationId": 3,
            "profileId": "customer-0e221bb9",
            "state": "open",
            "cartItems": [{"sku": "SHIRT-M", "quantity": 2, "price": 49.9, "position": 0}],
            "attributes": {},
            "firstSession": False,
            "updateCount": 2,
            "total": 99.8,
            "cartItemTotal": 99.8,
            "additionalCostTotal": 0,
            "cartItemAdditionalCostTotal": 0,
            "updated": "2026-12-01T10:05:00Z",
        },
    }


def request_problems(
    body: Any, url: str = SESSION_URL, headers: dict[str, str] = HEADERS, method: str = "PUT"
) -> str:
    with pytest.raises(AssertionError) as caught:
        validate_talon_request(method, url, headers, body)
    return str(caught.value)


def response_problems(body: Any, status: int = 200) -> str:
    with pytest.raises(AssertionError) as caught:
        validate_talon_response("PUT", SESSION_URL, status, body)
    return str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        SESSION_URL,
        "http://127.0.0.1:8123/v2/customer_sessions/cart-1?dry=true",
        "http://localhost:5000/v2/customer_sessions/cart%2F1",
    ],
)
def test_a_good_session_update_passes_on_any_host(url: str) -> None:
    validate_talon_request("PUT", url, HEADERS, session_update())


def test_a_request_given_as_the_bytes_sent_passes() -> None:
    headers = {"authorization": "ApiKey-v1 k", "content-type": "application/json; charset=utf-8"}

    validate_talon_request("PUT", SESSION_URL, headers, json.dumps(session_update()).encode())


def test_quantity_zero_is_reported_with_its_path() -> None:
    body = session_update()
    body["customerSession"]["cartItems"][0]["quantity"] = 0

    problems = request_problems(body)

    assert "$.customerSession.cartItems[0].quantity: 0 is less than the minimum of 1" in problems


def test_a_cart_item_without_sku_is_reported() -> None:
    body = session_update()
    del body["customerSession"]["cartItems"][1]["sku"]

    assert "$.customerSession.cartItems[1]: 'sku' is a required property" in request_problems(body)


def test_an_unknown_session_state_is_reported() -> None:
    body = session_update()
    body["customerSession"]["state"] = "done"

    assert "$.customerSession.state: 'done' is not one of" in request_problems(body)


def test_every_mistake_in_one_request_is_listed() -> None:
    body = session_update()
    body["customerSession"]["cartItems"][0]["price"] = "49.90"
    body["customerSession"]["loyaltyCards"] = ["card-1", "card-2"]
    body["responseContent"] = ["everything"]

    problems = request_problems(body)

    assert "$.customerSession.cartItems[0].price: '49.90' is not of type 'number'" in problems
    assert "$.customerSession.loyaltyCards: " in problems
    assert "$.responseContent[0]: 'everything' is not one of" in problems


def test_a_missing_api_key_is_reported_along_with_body_mistakes() -> None:
    body = session_update()
    body["customerSession"]["cartItems"][0]["quantity"] = 0

    problems = request_problems(body, headers={"Content-Type": "application/json"})

    assert "Security not found" in problems
    assert "$.customerSession.cartItems[0].quantity" in problems


def test_an_api_key_in_another_form_is_reported() -> None:
    headers = {**HEADERS, "Authorization": "Bearer 0123456789abcdef"}

    assert "Authorization: expected 'ApiKey-v1 <key>'" in request_problems(
        session_update(), headers=headers
    )


def test_a_bad_query_parameter_is_reported() -> None:
    problems = request_problems(session_update(), url=f"{SESSION_URL}?dry=perhaps")

    assert "Query parameter error: dry" in problems


def test_a_path_the_api_does_not_have_is_reported() -> None:
    url = f"{TENANT}/v2/customer_session/cart-1"

    assert "Path not found" in request_problems(session_update(), url=url)


def test_a_missing_body_is_reported() -> None:
    assert "Missing required request body" in request_problems(None)


def test_a_good_session_state_passes() -> None:
    validate_talon_response("PUT", SESSION_URL, 200, session_state())


def test_a_session_without_the_undefined_required_names_passes() -> None:
    # The spec requires customerSession.coupon and .referral but never defines them.
    state = session_state()

    assert "coupon" not in state["customerSession"]
    validate_talon_response("PUT", SESSION_URL, 200, state)


def test_extend_expiry_date_effect_passes_without_the_undefined_previous_date() -> None:
    state = session_state()
    props = {"programId": 1, "subLedgerId": "", "extensionDuration": "30D"}
    state["effects"].append(effect("extendLoyaltyPointsExpiryDate", props))

    validate_talon_response("PUT", SESSION_URL, 200, state)


def test_an_effect_type_the_spec_does_not_know_is_tolerated() -> None:
    state = session_state()
    state["effects"].append(effect("awardSomethingNew", {"anything": ["goes"]}))

    validate_talon_response("PUT", SESSION_URL, 200, state)


def test_missing_created_coupons_is_reported() -> None:
    state = session_state()
    del state["createdCoupons"]

    assert "$: 'createdCoupons' is a required property" in response_problems(state)


def test_set_discount_per_item_without_position_is_reported() -> None:
    state = session_state()
    del state["effects"][2]["props"]["position"]

    assert "$.effects[2].props: 'position' is a required property" in response_problems(state)


def test_effect_props_are_checked_against_their_own_effect_type() -> None:
    # {"value": "X"} is a fine acceptCoupon but not a setDiscount, which needs a name and a number.
    state = session_state()
    state["effects"][1]["props"] = {"value": "SUMMER10"}

    problems = response_problems(state)

    assert "$.effects[1].props: 'name' is a required property" in problems
    assert "$.effects[1].props.value: 'SUMMER10' is not of type 'number'" in problems


def test_an_effect_without_its_envelope_fields_is_reported() -> None:
    state = session_state()
    del state["effects"][0]["ruleName"]

    assert "$.effects[0]: 'ruleName' is a required property" in response_problems(state)


def test_the_documented_conflict_answer_passes() -> None:
    conflict = {
        "message": "Too many requests are updating this session at the same time",
        "errors": [],
        "StatusCode": 409,
    }

    validate_talon_response("PUT", SESSION_URL, 409, conflict)


def test_a_status_the_spec_does_not_list_is_reported() -> None:
    assert "Unknown response http status: 500" in response_problems({"message": "boom"}, status=500)


def test_accelerator_session_answers_lack_fields_the_current_spec_requires() -> None:
    answer = json.loads(
        (FIXTURES / "talonone" / "update-customer-session-response.json").read_text()
    )

    problems = response_problems(answer)

    assert "$.customerSession: 'id' is a required property" in problems
    assert "$.customerSession: 'updateCount' is a required property" in problems
