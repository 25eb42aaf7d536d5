"""The customer event flow: who is sent where, within what time, and what never blocks a write."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from handler import custom_types as ct
from handler.app import handle
from handler.settings import App, CustomerProfileMapping
from handler.talon import HttpTransport, TalonError
from tests.customers.helpers import (
    FakeTalon,
    customer,
    customer_request,
    customer_settings,
    effect,
    fields_after,
    profile_answer,
    runtime_with,
)
from tools.talon_standin import Fault, TalonStandIn

CODES = ct.CUSTOMER_REFERRAL_CODES
EMAIL_MAPPING = CustomerProfileMapping(mappings={"email": "Email", "name": "Name"})


def logged(caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    (record,) = [r for r in caplog.records if r.name == "handler"]
    line: dict[str, Any] = json.loads(record.getMessage())
    return line


def referral(code: str) -> dict[str, Any]:
    return profile_answer(effect("referralCreated", value=code))


def test_the_profile_is_sent_with_the_mapped_attributes_and_the_rule_engine_on() -> None:
    talon = FakeTalon()
    settings = customer_settings(customer_profile=EMAIL_MAPPING)
    raw = customer("customer/1", firstName="Jane", lastName="Roe")

    accepted, response = handle(customer_request(raw, "Create"), runtime_with(settings, talon))

    assert accepted
    assert response == {"responseType": "UpdateRequest", "actions": []}
    (sent,) = talon.received
    assert sent.method == "PUT"
    assert sent.url.startswith("https://eu.talon.test/v2/customer_profiles/customer%2F1?")
    assert sent.query == {"runRuleEngine": ["true"]}
    assert sent.body == {
        "attributes": {"Email": "jane@example.com", "Name": "Jane Roe"},
        "responseContent": ["loyalty"],
    }


def test_unverified_customers_are_skipped_when_only_verified_ones_sync(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="handler")
    talon = FakeTalon({"eu": referral("CODE")})
    mapping = CustomerProfileMapping(only_verified_profiles=True, mappings={"email": "Email"})
    raw = customer(isEmailVerified=False)

    accepted, response = handle(
        customer_request(raw), runtime_with(customer_settings(customer_profile=mapping), talon)
    )

    assert accepted
    assert response["actions"] == []
    assert talon.received == []
    assert logged(caplog)["outcome"] == "unverified_skipped"


@pytest.mark.parametrize(("only_verified", "verified"), [(True, True), (False, False)])
def test_other_customers_are_sent(only_verified: bool, verified: bool) -> None:
    talon = FakeTalon({"eu": referral("CODE")})
    mapping = CustomerProfileMapping(only_verified_profiles=only_verified)
    raw = customer(isEmailVerified=verified)

    _, response = handle(
        customer_request(raw), runtime_with(customer_settings(customer_profile=mapping), talon)
    )

    assert len(talon.received) == 1
    assert fields_after(raw, response["actions"])[CODES] == ["EUR__CODE"]


def test_every_app_receives_the_customer_by_default_in_settings_order() -> None:
    talon = FakeTalon()
    settings = customer_settings(("eu", "EUR"), ("us", "USD"), ("uk", "GBP"))

    handle(customer_request(customer()), runtime_with(settings, talon))

    assert talon.hosts == ["eu", "us", "uk"]


def test_customer_apps_choose_the_apps_and_their_order() -> None:
    talon = FakeTalon()
    settings = customer_settings(
        ("eu", "EUR"), ("us", "USD"), ("uk", "GBP"), customer_apps="uk, eu"
    )

    handle(customer_request(customer()), runtime_with(settings, talon))

    assert talon.hosts == ["uk", "eu"]


def test_an_app_that_fails_is_logged_and_the_others_still_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="handler")
    talon = FakeTalon(
        {"eu": TalonError("timeout", "no answer within 1.00s"), "us": referral("US-CODE")}
    )
    settings = customer_settings(("eu", "EUR"), ("us", "USD"))
    raw = customer(fields={})

    accepted, response = handle(customer_request(raw), runtime_with(settings, talon))

    assert accepted
    assert fields_after(raw, response["actions"])[CODES] == ["USD__US-CODE"]
    line = logged(caplog)
    assert line["outcome"] == "partly_synced"
    assert line["apps"]["eu"] == {"error": "timeout", "status": None}
    assert line["apps"]["us"]["status"] == 200
    assert line["referral_codes_added"] == 1


@pytest.mark.parametrize(
    "failure",
    [
        TalonError("timeout", "no answer within 1.00s"),
        TalonError("status", "Talon.One answered HTTP 500", 500),
        TalonError("connection", "ConnectionError"),
    ],
)
def test_a_write_goes_through_when_no_app_answers(
    failure: TalonError, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="handler")
    talon = FakeTalon({"eu": failure})

    accepted, response = handle(
        customer_request(customer()), runtime_with(customer_settings(), talon)
    )

    assert accepted
    assert response["actions"] == []
    assert logged(caplog)["outcome"] == "talon_unavailable"


def test_a_defect_never_blocks_the_write(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="handler")
    talon = FakeTalon({"eu": RuntimeError("a bug")})

    accepted, response = handle(
        customer_request(customer()), runtime_with(customer_settings(), talon)
    )

    assert accepted
    assert response["actions"] == []
    line = logged(caplog)
    assert line["outcome"] == "internal_error"
    assert line["error"] == "RuntimeError"


@pytest.mark.parametrize(
    "change",
    [{"isEmailVerified": "perhaps"}, {"custom": "text"}, {"custom": {"type": 3}}],
)
def test_an_unreadable_customer_is_approved_unchanged(
    change: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="handler")
    talon = FakeTalon()
    raw = {**customer(), **change}

    accepted, response = handle(customer_request(raw), runtime_with(customer_settings(), talon))

    assert accepted
    assert response["actions"] == []
    assert talon.received == []
    assert logged(caplog)["outcome"] == "unreadable_customer"


def test_without_apps_nothing_is_sent(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="handler")
    talon = FakeTalon()

    accepted, _ = handle(
        customer_request(customer()), runtime_with(customer_settings(apps={}), talon)
    )

    assert accepted
    assert talon.received == []
    assert logged(caplog)["outcome"] == "no_app"


def test_the_log_line_holds_no_personal_data_codes_or_keys(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="handler")
    talon = FakeTalon({"eu": referral("SECRET-CODE")})
    settings = customer_settings(customer_profile=EMAIL_MAPPING)
    raw = customer(firstName="Janet", lastName="Roebuck", fields={})

    handle(customer_request(raw), runtime_with(settings, talon))

    text = caplog.records[-1].getMessage()
    line = json.loads(text)
    assert line["outcome"] == "synced"
    assert line["attributes"] == 2
    for secret in ("jane@example.com", "Janet", "Roebuck", "SECRET-CODE", "k" * 40):
        assert secret not in text


def test_a_slow_app_does_not_use_up_the_time_of_the_next_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="handler")
    with TalonStandIn(api_key="slow-key") as slow, TalonStandIn(api_key="fast-key") as fast:
        slow.set_fault(Fault.stall(5))
        fast.set_response("/v2/customer_profiles/customer-1", referral("FAST-CODE"))
        apps = {
            "slow": App(base_url=slow.base_url, api_key="slow-key", currency="EUR"),
            "fast": App(base_url=fast.base_url, api_key="fast-key", currency="USD"),
        }
        # 1.7 s for both: the slow app may use its half, and the fast one still has the rest.
        settings = customer_settings(apps=apps, extension_timeout_ms=2000)
        raw = customer(fields={})

        accepted, response = handle(customer_request(raw), runtime_with(settings, HttpTransport()))

    assert accepted
    assert fields_after(raw, response["actions"])[CODES] == ["USD__FAST-CODE"]
    assert logged(caplog)["apps"]["slow"]["error"] == "timeout"
    assert len(fast.requests) == 1
