"""Referral codes Talon.One creates for a customer, stored in the accelerator's format."""

from __future__ import annotations

from typing import Any

import pytest

from handler import custom_types as ct
from handler.app import handle
from handler.cart import CustomFields
from handler.cart_fields import ConnectorType
from handler.effects import parse_effects
from handler.profile_effects import ProfileAnswer, new_referral_entries, plan_customer
from tests.customers.helpers import (
    CUSTOMER_TYPE_ID,
    FakeTalon,
    customer,
    customer_settings,
    effect,
    fields_after,
    fixture,
    profile_answer,
    runtime_with,
)

CODES = ct.CUSTOMER_REFERRAL_CODES
OURS = ConnectorType("talon_one_customer_metadata", CUSTOMER_TYPE_ID)


def answer(label: str, *effects: dict[str, Any]) -> ProfileAnswer:
    return ProfileAnswer(label, tuple(parse_effects(list(effects)).effects), None)


def custom(fields: dict[str, Any], type_id: str = CUSTOMER_TYPE_ID) -> CustomFields:
    return CustomFields.model_validate(
        {"type": {"typeId": "type", "id": type_id}, "fields": fields}
    )


def referral(code: str, rule: str = "referral") -> dict[str, Any]:
    return effect("referralCreated", rule, value=code)


@pytest.mark.parametrize(
    "apps",
    [
        # Named after their currencies, as in the accelerator's tests, with or without one set.
        (("EUR", None), ("USD", None)),
        (("EUR", "EUR"), ("USD", "USD")),
        # Any names: the app's currency labels its codes.
        (("eu", "EUR"), ("us", "USD")),
    ],
)
def test_accelerator_fixture_codes_are_merged_across_apps(apps: Any) -> None:
    (eur, _), (usd, _) = apps
    talon = FakeTalon(
        {
            eur.lower(): fixture("talonone", "eur-referrals-response"),
            usd.lower(): fixture("talonone", "usd-referrals-response"),
        },
        check_answers=False,
    )
    settings = customer_settings(*apps)
    event = fixture("commercetools", "create-customer-event")

    accepted, response = handle(event, runtime_with(settings, talon))

    assert accepted
    assert talon.hosts == [eur.lower(), usd.lower()]
    fields = fields_after(event["resource"]["obj"], response["actions"])
    assert fields[CODES] == ["123", "234", "EUR__658-253__USD__123-253", "USD__562-253"]
    # The customer's other fields are the shop's: they stay as they are.
    assert fields["external_field_1"] == "1"
    assert fields["external_field_2"] == [True, False, {"test": True}]


def test_accelerator_fixture_run_twice_adds_nothing_the_second_time() -> None:
    talon = FakeTalon(
        {
            "eur": fixture("talonone", "eur-referrals-response"),
            "usd": fixture("talonone", "usd-referrals-response"),
        },
        check_answers=False,
    )
    runtime = runtime_with(customer_settings(("EUR", None), ("USD", None)), talon)
    event = fixture("commercetools", "create-customer-event")
    _, first = handle(event, runtime)
    obj = event["resource"]["obj"]
    obj["custom"]["fields"] = fields_after(obj, first["actions"])

    accepted, second = handle(event, runtime)

    assert accepted
    assert second["actions"] == []


def test_the_fixture_customer_on_a_type_known_by_id_gets_one_field_update() -> None:
    # The fixture's type id is the connector's type when the settings say so.
    event = fixture("commercetools", "create-customer-event")
    type_id = event["resource"]["obj"]["custom"]["type"]["id"]
    talon = FakeTalon({"eur": fixture("talonone", "eur-referrals-response")}, check_answers=False)
    settings = customer_settings(("EUR", None), customer_type_id=type_id)

    _, response = handle(event, runtime_with(settings, talon))

    assert response["actions"] == [
        {"action": "setCustomField", "name": CODES, "value": ["123", "234", "EUR__658-253"]}
    ]


def test_codes_of_one_rule_in_one_app_form_one_entry() -> None:
    plan = plan_customer(
        custom({}), [answer("EUR", referral("A"), referral("B"), referral("C", "other"))], OURS
    )

    assert plan.actions == [
        {"action": "setCustomField", "name": CODES, "value": ["EUR__A__EUR__B", "EUR__C"]}
    ]
    assert plan.referral_codes_added == 2


def test_a_code_already_stored_is_not_added_again() -> None:
    stored = custom({CODES: ["EUR__A__USD__B"]})

    plan = plan_customer(stored, [answer("USD", referral("B")), answer("EUR", referral("A"))], OURS)

    assert plan.actions == []


def test_only_the_new_codes_of_a_group_are_added() -> None:
    stored = custom({CODES: ["EUR__A"]})

    plan = plan_customer(stored, [answer("EUR", referral("A")), answer("USD", referral("B"))], OURS)

    # EUR__A stays where it is; the USD code created by the same rule comes on its own.
    assert plan.actions == [
        {"action": "setCustomField", "name": CODES, "value": ["EUR__A", "USD__B"]}
    ]


def test_the_same_code_in_another_app_is_another_code() -> None:
    stored = custom({CODES: ["EUR__A", "B"]})

    plan = plan_customer(stored, [answer("USD", referral("A")), answer("EUR", referral("B"))], OURS)

    assert fields_after({"custom": {"fields": stored.fields}}, plan.actions)[CODES] == [
        "EUR__A",
        "B",
        "USD__A__EUR__B",
    ]


def test_existing_codes_are_never_dropped_whatever_their_form() -> None:
    stored = ["123", "EUR__X__USD", "", "EUR__Y"]

    assert new_referral_entries(stored, [[("EUR", "Y"), ("EUR", "Z")]]) == ["EUR__Z"]


def test_no_referral_effects_leave_the_codes_alone() -> None:
    stored = custom({CODES: ["EUR__A"]})

    plan = plan_customer(stored, [answer("EUR", effect("showNotification", body="hi"))], OURS)

    assert plan.actions == []


def test_a_customer_without_custom_type_gets_the_connector_type() -> None:
    talon = FakeTalon({"eu": profile_answer(referral("CODE-1"))})
    raw = customer()

    _, response = handle(
        {"action": "Create", "resource": {"typeId": "customer", "id": raw["id"], "obj": raw}},
        runtime_with(customer_settings(customer_type_key="shop_customer"), talon),
    )

    assert response["actions"] == [
        {
            "action": "setCustomType",
            "type": {"typeId": "type", "key": "shop_customer"},
            "fields": {CODES: ["EUR__CODE-1"]},
        }
    ]


def test_a_foreign_type_without_the_codes_field_gets_nothing() -> None:
    stored = custom({"shop_field": 1}, type_id="foreign")

    plan = plan_customer(stored, [answer("EUR", referral("A"))], OURS)

    assert plan.actions == []
    assert plan.unwritable == (CODES,)


def test_a_foreign_type_with_the_codes_field_gets_it_set() -> None:
    stored = custom({"shop_field": 1, CODES: []}, type_id="foreign")

    plan = plan_customer(stored, [answer("EUR", referral("A"))], OURS)

    assert plan.actions == [{"action": "setCustomField", "name": CODES, "value": ["EUR__A"]}]
