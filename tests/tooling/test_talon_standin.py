"""The local Talon.One stand-in: its demo rules, session memory, errors, faults and recordings.

Every request a test sends on purpose is checked against Talon.One's Integration API specification,
and so is every answer the stand-in gives, so the fake stays true to the real API.
"""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import pytest
import requests

from tests.support.contract import validate_talon_request, validate_talon_response
from tools.talon_standin import DEMO_RULES, SUMMER_COUPON, Fault, TalonStandIn

API_KEY = "test-key"
AUTH = {"Authorization": f"ApiKey-v1 {API_KEY}"}
# Generous, so a slow machine never turns a passing test into a failure.
TIMEOUT = 10.0
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def t1() -> Iterator[TalonStandIn]:
    with TalonStandIn(rules=DEMO_RULES, api_key=API_KEY) as stand_in:
        yield stand_in


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def session_url(t1: TalonStandIn, session_id: str, query: str = "") -> str:
    url = f"{t1.base_url}/v2/customer_sessions/{quote(session_id, safe='')}"
    return f"{url}?{query}" if query else url


def send(
    http: requests.Session,
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """Sends any request and checks the stand-in's answer against the specification."""
    response = http.request(
        method, url, json=body, headers=AUTH if headers is None else headers, timeout=TIMEOUT
    )

    # The specification gives its 204 answers a string body that Talon.One never sends.
    if response.status_code != 204:
        validate_talon_response(method, url, response.status_code, response.content)
    return response


def update(
    http: requests.Session,
    t1: TalonStandIn,
    session_id: str,
    customer_session: dict[str, Any],
    contents: tuple[str, ...] = ("customerSession",),
    query: str = "",
) -> dict[str, Any]:
    """Updates a customer session with a request the specification accepts; returns the answer."""
    url = session_url(t1, session_id, query)
    body = {"customerSession": customer_session, "responseContent": list(contents)}
    validate_talon_request("PUT", url, AUTH, body)

    response = send(http, "PUT", url, body)

    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def is_stored(http: requests.Session, t1: TalonStandIn, session_id: str) -> bool:
    return send(http, "GET", session_url(t1, session_id)).status_code == 200


def item(sku: str, quantity: int, price: float, **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "price": price, **extra}


def effects_of(state: dict[str, Any], effect_type: str) -> list[dict[str, Any]]:
    return [effect for effect in state["effects"] if effect["effectType"] == effect_type]


# --- The demo rules ----------------------------------------------------------------------------


def test_order_above_100_gets_ten_percent_of_the_item_total(http, t1):
    # given items worth 2 x 40.00 + 23.45 = 103.45
    cart = {"cartItems": [item("SHIRT", 2, 40.0), item("CAP", 1, 23.45)]}

    # when
    state = update(http, t1, "cart-1", cart)

    # then 10.345 rounds half up to 10.35
    assert effects_of(state, "setDiscount") == [
        {
            "campaignId": 101,
            "rulesetId": 201,
            "ruleIndex": 0,
            "ruleName": "10% off orders above 100",
            "effectType": "setDiscount",
            "props": {"name": "10% off orders above 100", "value": 10.35},
        }
    ]


def test_order_of_exactly_100_gets_no_order_discount(http, t1):
    state = update(http, t1, "cart-1", {"cartItems": [item("SHIRT", 1, 100.0)]})

    assert effects_of(state, "setDiscount") == []


def test_summer_coupon_in_any_letter_case_discounts_each_unit_of_the_first_item(http, t1):
    cart = {"couponCodes": ["summer10"], "cartItems": [item("MUG", 3, 19.99), item("TEA", 1, 5.0)]}

    state = update(http, t1, "cart-1", cart)

    accepted = effects_of(state, "acceptCoupon")
    assert [effect["props"] for effect in accepted] == [{"value": "SUMMER10"}]
    assert accepted[0]["triggeredByCoupon"] == SUMMER_COUPON.id
    per_unit = effects_of(state, "setDiscountPerItem")
    assert [effect["props"] for effect in per_unit] == [
        {"name": "Summer coupon#0", "value": 2.0, "position": 0, "subPosition": unit}
        for unit in range(3)
    ]
    assert {effect["triggeredByCoupon"] for effect in per_unit} == {SUMMER_COUPON.id}
    assert effects_of(state, "rejectCoupon") == []


def test_unknown_coupon_is_rejected_as_not_found(http, t1):
    cart = {"couponCodes": ["WINTER5"], "cartItems": [item("MUG", 1, 10.0)]}

    state = update(http, t1, "cart-1", cart)

    rejected = effects_of(state, "rejectCoupon")
    assert [effect["props"] for effect in rejected] == [
        {"value": "WINTER5", "rejectionReason": "CouponNotFound"}
    ]
    assert "triggeredByCoupon" not in rejected[0]
    assert effects_of(state, "acceptCoupon") == []


def test_summer_coupon_on_an_empty_cart_is_rejected_by_condition(http, t1):
    state = update(http, t1, "cart-1", {"couponCodes": ["SUMMER10"], "cartItems": []})

    assert [effect["props"] for effect in state["effects"]] == [
        {"value": "SUMMER10", "rejectionReason": "CouponRejectedByCondition"}
    ]


def test_two_of_an_item_add_free_socks_and_tell_the_shopper(http, t1):
    cart = {"cartItems": [item("MUG", 1, 10.0), item("SPOON", 2, 3.0)]}

    state = update(http, t1, "cart-1", cart)

    assert [effect["props"] for effect in effects_of(state, "addFreeItem")] == [
        {"sku": "FREE-SOCKS", "name": "Free socks"}
    ]
    notifications = effects_of(state, "showNotification")
    assert len(notifications) == 1
    assert notifications[0]["props"]["notificationType"] == "Offer"
    assert "socks" in notifications[0]["props"]["body"]


def test_single_units_get_no_free_socks(http, t1):
    cart = {"cartItems": [item("MUG", 1, 10.0), item("SPOON", 1, 3.0)]}

    state = update(http, t1, "cart-1", cart)

    assert effects_of(state, "addFreeItem") == []
    assert effects_of(state, "showNotification") == []


@pytest.mark.parametrize(("price", "discounted"), [(200.0, False), (200.01, True)])
def test_shipping_is_free_only_when_items_cost_more_than_200(http, t1, price, discounted):
    cart = {"cartItems": [item("COAT", 1, price)], "additionalCosts": {"shipping": {"price": 4.95}}}

    state = update(http, t1, "cart-1", cart)

    expected = {
        "name": "Free shipping over 200",
        "additionalCostId": 1,
        "additionalCost": "shipping",
        "value": 4.95,
    }
    shipping = [effect["props"] for effect in effects_of(state, "setDiscountPerAdditionalCost")]
    assert shipping == ([expected] if discounted else [])


# --- Session memory ----------------------------------------------------------------------------


def test_omitted_fields_keep_their_stored_values(http, t1):
    update(
        http,
        t1,
        "cart-1",
        {
            "profileId": "customer-7",
            "couponCodes": ["SUMMER10"],
            "referralCode": "FRIEND-1",
            "attributes": {"channel": "web"},
            "cartItems": [item("MUG", 1, 10.0)],
        },
    )

    state = update(http, t1, "cart-1", {"cartItems": [item("MUG", 2, 10.0)]})

    session = state["customerSession"]
    assert session["profileId"] == "customer-7"
    assert session["couponCodes"] == ["SUMMER10"]
    assert session["referralCode"] == "FRIEND-1"
    assert session["attributes"] == {"channel": "web"}
    assert len(effects_of(state, "setDiscountPerItem")) == 2


def test_an_empty_coupon_list_clears_the_coupons(http, t1):
    update(http, t1, "cart-1", {"couponCodes": ["SUMMER10"], "cartItems": [item("MUG", 1, 10.0)]})

    state = update(http, t1, "cart-1", {"couponCodes": []})

    assert state["customerSession"]["couponCodes"] == []
    assert effects_of(state, "acceptCoupon") == []
    assert effects_of(state, "setDiscountPerItem") == []


def test_an_empty_referral_code_clears_it(http, t1):
    update(http, t1, "cart-1", {"referralCode": "FRIEND-1"})

    state = update(http, t1, "cart-1", {"referralCode": ""})

    assert state["customerSession"]["referralCode"] == ""


def test_cart_items_are_replaced_as_a_whole_and_renumbered(http, t1):
    update(http, t1, "cart-1", {"cartItems": [item("MUG", 1, 10.0), item("TEA", 1, 4.0)]})

    state = update(http, t1, "cart-1", {"cartItems": [item("TEA", 1, 4.0, attributes={})]})

    assert state["customerSession"]["cartItems"] == [
        {"sku": "TEA", "quantity": 1, "price": 4.0, "attributes": {}, "position": 0}
    ]


def test_session_answer_carries_talon_fields_and_totals(http, t1):
    cart = {
        "profileId": "customer-7",
        "cartItems": [
            item("MUG", 2, 10.5),
            item("LAMP", 1, 30.0, additionalCosts={"packaging": {"price": 1.25}}),
        ],
        "additionalCosts": {"shipping": {"price": 4.95}},
    }

    first = update(http, t1, "cart/1", cart)["customerSession"]
    second = update(http, t1, "cart/1", {"attributes": {"channel": "app"}})["customerSession"]
    other = update(http, t1, "cart-2", {"profileId": "customer-7"})["customerSession"]

    assert first["integrationId"] == "cart/1"
    assert first["applicationId"] == 1
    assert first["state"] == "open"
    assert [line["position"] for line in first["cartItems"]] == [0, 1]
    assert first["cartItemTotal"] == 51.0
    assert first["additionalCostTotal"] == 4.95
    assert first["cartItemAdditionalCostTotal"] == 1.25
    assert first["total"] == 57.2
    assert (second["id"], second["created"]) == (first["id"], first["created"])
    assert (first["updateCount"], second["updateCount"]) == (1, 2)
    assert first["firstSession"] is True
    assert other["firstSession"] is False


def test_loyalty_and_session_appear_only_when_asked_for(http, t1):
    cart = {"cartItems": [item("MUG", 1, 10.0)]}

    plain = update(http, t1, "cart-1", cart, contents=())
    full = update(http, t1, "cart-1", cart, contents=("customerSession", "loyalty"))

    assert set(plain) == {"effects", "createdCoupons", "createdReferrals"}
    assert full["loyalty"] == {"programs": {}}
    assert full["customerSession"]["cartItems"][0]["sku"] == "MUG"


def test_a_dry_update_is_answered_but_not_stored(http, t1):
    update(http, t1, "cart-1", {"cartItems": [item("MUG", 1, 10.0)]})

    dry = update(http, t1, "cart-1", {"cartItems": [item("MUG", 2, 80.0)]}, query="dry=true")
    stored = send(http, "GET", session_url(t1, "cart-1")).json()

    assert effects_of(dry, "setDiscount") != []
    assert stored["customerSession"]["cartItems"][0]["quantity"] == 1
    assert stored["effects"] == []


# --- Session states ----------------------------------------------------------------------------


def test_a_closed_session_refuses_further_updates(http, t1):
    update(http, t1, "cart-1", {"state": "closed", "cartItems": [item("MUG", 1, 150.0)]})

    body = {"customerSession": {"cartItems": [item("MUG", 1, 10.0)]}}
    response = send(http, "PUT", session_url(t1, "cart-1"), body)
    stored = send(http, "GET", session_url(t1, "cart-1")).json()

    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"pointer": "/customerSession/state"}
    assert stored["customerSession"]["cartItems"][0]["price"] == 150.0
    assert effects_of(stored, "setDiscount") != []


def test_cancelling_a_closed_session_rolls_back_its_discounts_and_coupon(http, t1):
    cart = {"couponCodes": ["SUMMER10"], "cartItems": [item("MUG", 1, 150.0)]}
    update(http, t1, "cart-1", cart)
    update(http, t1, "cart-1", {"state": "closed"})

    state = update(http, t1, "cart-1", {"state": "cancelled"})

    assert [(effect["effectType"], effect["props"]) for effect in state["effects"]] == [
        ("rollbackDiscount", {"name": "10% off orders above 100", "value": 15.0}),
        ("rollbackCoupon", {"value": "SUMMER10"}),
        (
            "rollbackDiscount",
            {
                "name": "Summer coupon#0",
                "value": 15.0,
                "cartItemPosition": 0,
                "cartItemSubPosition": 0,
            },
        ),
    ]
    assert state["customerSession"]["state"] == "cancelled"


def test_cancelling_an_open_session_answers_no_effects(http, t1):
    update(http, t1, "cart-1", {"cartItems": [item("MUG", 2, 150.0)]})

    state = update(http, t1, "cart-1", {"state": "cancelled"})

    assert state["effects"] == []


def test_an_unknown_session_cannot_be_read(http, t1):
    response = send(http, "GET", session_url(t1, "never-stored"))

    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"parameter": "customerSessionId"}


# --- Refused requests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "ApiKey-v1 other-key"}, {"Authorization": f"Bearer {API_KEY}"}],
)
def test_a_missing_or_wrong_api_key_is_refused_with_401(http, t1, headers):
    body = {"customerSession": {"cartItems": [item("MUG", 1, 10.0)]}}

    response = send(http, "PUT", session_url(t1, "cart-1"), body, headers=headers)

    assert response.status_code == 401
    assert set(response.json()) == {"message", "errors", "StatusCode"}
    assert response.json()["StatusCode"] == 401
    assert not is_stored(http, t1, "cart-1")


@pytest.mark.parametrize(
    ("customer_session", "pointer"),
    [
        ({"cartItems": [{"sku": "MUG", "quantity": 0}]}, "/customerSession/cartItems/0/quantity"),
        ({"cartItems": [{"quantity": 1}]}, "/customerSession/cartItems/0/sku"),
        ({"cartItems": [{"sku": "", "quantity": 1}]}, "/customerSession/cartItems/0/sku"),
        ({"state": "done"}, "/customerSession/state"),
        ("not an object", "/customerSession"),
    ],
)
def test_an_invalid_session_body_is_refused_with_400(http, t1, customer_session, pointer):
    body = {"customerSession": customer_session}

    response = send(http, "PUT", session_url(t1, "cart-1"), body)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["source"]["pointer"] for error in errors] == [pointer]
    assert all(error["title"] and error["details"] for error in errors)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(b'{"customerSession": {}}', "text/plain"), (b'{"customerSession": ', "application/json")],
)
def test_a_body_that_is_not_json_is_refused_with_400(http, t1, data, content_type):
    headers = {**AUTH, "Content-Type": content_type}

    response = http.put(session_url(t1, "cart-1"), data=data, headers=headers, timeout=TIMEOUT)

    assert response.status_code == 400
    validate_talon_response("PUT", session_url(t1, "cart-1"), 400, response.content)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/unknown"),
        ("PUT", "/v2/customer_sessions/cart-1/extra"),
        ("DELETE", "/v2/customer_sessions/cart-1"),
        ("POST", "/v2/customer_sessions/cart-1"),
    ],
)
def test_an_unknown_endpoint_answers_404_in_talon_shape(http, t1, method, path):
    response = http.request(method, t1.base_url + path, json={}, headers=AUTH, timeout=TIMEOUT)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["StatusCode"] == 404
    assert isinstance(response.json()["message"], str)


# --- Connections -------------------------------------------------------------------------------


def test_one_http_session_reuses_one_connection(http, t1):
    update(http, t1, "cart-1", {"cartItems": [item("MUG", 1, 10.0)]})
    update(http, t1, "cart-1", {"cartItems": [item("MUG", 2, 10.0)]})

    assert t1.connections == 1


def test_separate_clients_open_separate_connections(t1):
    for quantity in (1, 2):
        body = {"customerSession": {"cartItems": [item("MUG", quantity, 10.0)]}}
        requests.put(session_url(t1, "cart-1"), json=body, headers=AUTH, timeout=TIMEOUT)

    assert t1.connections == 2


# --- Faults ------------------------------------------------------------------------------------

CART = {"customerSession": {"cartItems": [item("MUG", 2, 80.0)]}}


def test_a_stall_outlasts_a_client_timeout(http, t1):
    # The stall ends when the stand-in stops, so this test does not wait for it.
    t1.set_fault(Fault.stall(30.0, times=1))

    with pytest.raises(requests.exceptions.ReadTimeout):
        http.put(session_url(t1, "cart-1"), json=CART, headers=AUTH, timeout=(TIMEOUT, 0.2))
    after = send(http, "PUT", session_url(t1, "cart-1"), CART)

    assert after.status_code == 200


def test_a_short_stall_still_answers_normally(http, t1):
    t1.set_fault(Fault.stall(0.01))

    response = send(http, "PUT", session_url(t1, "cart-1"), CART)

    assert response.status_code == 200
    assert effects_of(response.json(), "setDiscount") != []


def test_a_reset_drops_the_connection_without_an_answer(http, t1):
    t1.set_fault(Fault.reset(times=1))

    with pytest.raises(requests.exceptions.ConnectionError):
        http.put(session_url(t1, "cart-1"), json=CART, headers=AUTH, timeout=TIMEOUT)

    assert not is_stored(http, t1, "cart-1")
    assert len(t1.requests) == 2


@pytest.mark.parametrize(
    ("fault", "status", "body"),
    [
        (
            Fault.error(409),
            409,
            {
                "message": "Too many requests are updating this session at the same time",
                "errors": [],
                "StatusCode": 409,
            },
        ),
        (Fault.error(503, {"message": "maintenance"}), 503, {"message": "maintenance"}),
        (Fault.error(429), 429, {"message": "Too many requests", "errors": [], "StatusCode": 429}),
    ],
)
def test_an_error_fault_answers_its_status_and_leaves_the_session_alone(
    http, t1, fault, status, body
):
    t1.set_fault(fault)

    response = http.put(session_url(t1, "cart-1"), json=CART, headers=AUTH, timeout=TIMEOUT)
    t1.set_fault(None)

    assert (response.status_code, response.json()) == (status, body)
    assert not is_stored(http, t1, "cart-1")


def test_an_invalid_json_fault_sends_a_cut_off_json_body(http, t1):
    t1.set_fault(Fault.invalid_json())

    response = http.put(session_url(t1, "cart-1"), json=CART, headers=AUTH, timeout=TIMEOUT)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_a_wrong_content_type_fault_sends_an_html_page(http, t1):
    t1.set_fault(Fault.wrong_content_type())

    response = http.put(session_url(t1, "cart-1"), json=CART, headers=AUTH, timeout=TIMEOUT)

    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<html>")


def test_a_huge_body_fault_pads_a_real_answer_to_five_megabytes(http, t1):
    t1.set_fault(Fault.huge_body())

    response = http.put(session_url(t1, "cart-1"), json=CART, headers=AUTH, timeout=TIMEOUT)

    assert len(response.content) >= 5_000_000
    assert effects_of(response.json(), "setDiscount") != []
    validate_talon_response("PUT", session_url(t1, "cart-1"), 200, response.content)


def test_a_fault_with_times_hits_only_that_many_requests(http, t1):
    t1.set_fault(Fault.error(409, times=2))

    statuses = [
        http.put(session_url(t1, "cart-1"), json=CART, headers=AUTH, timeout=TIMEOUT).status_code
        for _ in range(3)
    ]

    assert statuses == [409, 409, 200]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Fault.stall(31),
        lambda: Fault.stall(-1),
        lambda: Fault.huge_body(60_000_000),
        lambda: Fault.reset(times=0),
    ],
)
def test_a_fault_outside_its_bounds_is_refused(build):
    with pytest.raises(ValueError, match="not"):
        build()


# --- Recordings and pinned answers -------------------------------------------------------------


def test_requests_are_recorded_and_the_api_key_stays_out_of_repr(http, t1):
    update(http, t1, "cart/1", {"cartItems": [item("MUG", 1, 10.0)]}, query="dry=true")

    [recorded] = t1.requests
    assert recorded.method == "PUT"
    assert recorded.path == "/v2/customer_sessions/cart%2F1"
    assert recorded.query == {"dry": ["true"]}
    assert recorded.headers["authorization"] == f"ApiKey-v1 {API_KEY}"
    assert recorded.body["customerSession"]["cartItems"][0]["sku"] == "MUG"
    assert API_KEY not in repr(recorded)


def test_a_pinned_answer_replaces_evaluation_for_that_session_only(http, t1):
    pinned = {"effects": [], "createdCoupons": [], "createdReferrals": [], "marker": "pinned"}
    t1.set_response("cart-1", pinned)

    answer = send(http, "PUT", session_url(t1, "cart-1"), CART).json()
    other = send(http, "PUT", session_url(t1, "cart-2"), CART).json()
    refused = send(http, "PUT", session_url(t1, "cart-1"), CART, headers={})

    assert answer == pinned
    assert effects_of(other, "setDiscount") != []
    assert refused.status_code == 401


def test_a_pinned_answer_by_path_serves_any_method_on_that_path(http, t1):
    t1.set_response(
        "/v2/customer_profiles/customer-7",
        {"effects": [], "createdCoupons": [], "createdReferrals": []},
    )

    response = send(
        http, "PUT", f"{t1.base_url}/v2/customer_profiles/customer-7", {"attributes": {}}
    )
    t1.set_response("/v2/customer_profiles/customer-7", None)
    unpinned = send(
        http, "PUT", f"{t1.base_url}/v2/customer_profiles/customer-7", {"attributes": {}}
    )

    assert "customerProfile" not in response.json()
    assert unpinned.json()["customerProfile"]["integrationId"] == "customer-7"


# --- Profiles and returns ----------------------------------------------------------------------


def test_a_profile_update_is_recorded_and_answered_without_effects(http, t1):
    url = f"{t1.base_url}/v2/customer_profiles/customer-7?runRuleEngine=false"
    body = {"attributes": {"Name": "Ada"}}
    validate_talon_request("PUT", url, AUTH, body)

    answer = send(http, "PUT", url, body).json()

    assert answer["effects"] == []
    assert answer["customerProfile"]["attributes"] == {"Name": "Ada"}
    assert t1.requests[-1].body == body


def test_a_bulk_profile_update_is_silent_unless_asked(http, t1):
    url = f"{t1.base_url}/v2/customer_profiles"
    body = {"customerProfiles": [{"integrationId": "customer-7", "attributes": {"Tier": "gold"}}]}
    validate_talon_request("PUT", url, AUTH, body)

    silent = send(http, "PUT", url, body)
    loud = send(http, "PUT", f"{url}?silent=no", body)

    assert (silent.status_code, silent.content) == (204, b"")
    [state] = loud.json()["integrationStates"]
    assert state["customerProfile"]["attributes"] == {"Tier": "gold"}


def test_a_return_on_a_closed_session_is_answered_without_effects(http, t1):
    update(http, t1, "cart-1", {"state": "closed", "cartItems": [item("MUG", 2, 80.0)]})
    url = f"{session_url(t1, 'cart-1')}/returns"
    body = {
        "return": {"returnedCartItems": [{"position": 0, "quantity": 1}]},
        "responseContent": ["customerSession"],
    }
    validate_talon_request("POST", url, {**AUTH, "Idempotency-Key": "return-1"}, body)

    answer = send(http, "POST", url, body, headers={**AUTH, "Idempotency-Key": "return-1"}).json()

    assert answer["effects"] == []
    assert answer["return"]["returnedCartItems"] == [{"position": 0, "quantity": 1}]
    assert answer["customerSession"]["state"] == "partially_returned"
    assert t1.requests[-1].headers["idempotency-key"] == "return-1"


def test_a_return_on_an_open_session_is_refused(http, t1):
    update(http, t1, "cart-1", {"cartItems": [item("MUG", 2, 80.0)]})
    body = {"return": {"returnedCartItems": [{"position": 0, "quantity": 1}]}}

    response = send(http, "POST", f"{session_url(t1, 'cart-1')}/returns", body)

    assert response.status_code == 400


# --- Standalone use ----------------------------------------------------------------------------


def test_running_the_module_prints_its_url_and_rules_labelled_as_a_stand_in():
    command = [sys.executable, "-m", "tools.talon_standin", "--port", "0", "--api-key", "cli-key"]
    lines: queue.Queue[str] = queue.Queue()

    with subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        reader = threading.Thread(target=collect, args=(process.stdout, lines))
        reader.start()
        try:
            banner = read_until(lines, "Press Ctrl-C")
            found = re.search(r"http://127\.0\.0\.1:\d+", banner)
            assert found is not None, banner
            url = found.group()
            body = {"customerSession": {"cartItems": [item("MUG", 1, 10.0)]}}
            headers = {"Authorization": "ApiKey-v1 cli-key"}
            answer = requests.put(
                f"{url}/v2/customer_sessions/c", json=body, headers=headers, timeout=TIMEOUT
            )
        finally:
            process.terminate()
            process.wait(timeout=TIMEOUT)
            reader.join(TIMEOUT)

    rest = "".join(iter_queue(lines))
    assert "It is not Talon.One." in banner
    assert all(rule.name in banner for rule in DEMO_RULES)
    assert answer.status_code == 200
    assert "Stand-in stopped." in rest
    assert process.returncode == 0
    assert "cli-key" not in banner + rest


def collect(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def read_until(lines: queue.Queue[str], marker: str) -> str:
    seen: list[str] = []
    while not seen or marker not in seen[-1]:
        seen.append(lines.get(timeout=TIMEOUT))
    return "".join(seen)


def iter_queue(lines: queue.Queue[str]) -> Iterator[str]:
    while not lines.empty():
        yield lines.get_nowait()
