"""Customer actions applied by a real commercetools API (the commercetools-mock server).

Each test creates a customer on the mock, hands it to the handler as commercetools would, applies
the returned actions through the customer update endpoint, checks the stored fields, and asks the
handler again: a customer that already shows everything gets no action. Every request sent to
Talon.One is checked against Talon.One's OpenAPI document.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from handler import custom_types as ct
from handler.app import handle
from handler.settings import CustomerProfileMapping, Settings
from handler.talon import TalonError
from tests.customers.helpers import (
    FakeTalon,
    customer_settings,
    effect,
    fixture,
    profile_answer,
    program,
    runtime_with,
)
from tools.ctmock import Project, extension_input, seed_custom_types

CODES = ct.CUSTOMER_REFERRAL_CODES
POINTS = ct.CUSTOMER_LOYALTY_POINTS


@pytest.fixture
def shop(ct_project: Project) -> Project:
    seed_custom_types(ct_project)
    return ct_project


def settings_for(shop: Project, *apps: tuple[str, str | None], **overrides: Any) -> Settings:
    customer_type = shop.get_by_key("types", ct.CUSTOMER_TYPE_KEY)
    return customer_settings(*apps, customer_type_id=customer_type["id"], **overrides)


def new_customer(shop: Project, **draft: Any) -> dict[str, Any]:
    body = {"email": "jane@example.com", "password": "secret", **draft}
    created: dict[str, Any] = shop.create("customers", body)["customer"]
    return created


def run(talon: FakeTalon, settings: Settings, customer: dict[str, Any]) -> list[dict[str, Any]]:
    accepted, response = handle(
        extension_input(customer, "Update", "customer"), runtime_with(settings, talon)
    )
    assert accepted, response
    actions: list[dict[str, Any]] = response["actions"]
    return actions


def test_a_new_customer_gets_the_type_with_codes_and_balances(shop: Project) -> None:
    talon = FakeTalon(
        {
            "eu": profile_answer(
                effect("referralCreated", value="JANE-1"),
                programs=[program(11, 250, name="club", title="Club points")],
            )
        }
    )
    settings = settings_for(
        shop, customer_profile=CustomerProfileMapping(mappings={"email": "Email"})
    )
    customer = new_customer(shop, firstName="Jane", lastName="Roe")

    actions = run(talon, settings, customer)
    customer = shop.apply_actions("customers", customer, actions)

    fields = customer["custom"]["fields"]
    assert fields[CODES] == ["EUR__JANE-1"]
    assert json.loads(fields[POINTS]) == [
        {"id": 11, "name": "club", "title": "Club points", "balance": 250, "currency": "EUR"}
    ]
    assert talon.received[0].body["attributes"] == {"Email": "jane@example.com"}
    assert run(talon, settings, customer) == []


def test_accelerator_codes_from_two_apps_are_stored_once(shop: Project) -> None:
    talon = FakeTalon(
        {
            "eur": fixture("talonone", "eur-referrals-response"),
            "usd": fixture("talonone", "usd-referrals-response"),
        },
        check_answers=False,
    )
    settings = settings_for(shop, ("EUR", None), ("USD", None))
    customer = new_customer(
        shop,
        custom={
            "type": {"typeId": "type", "key": ct.CUSTOMER_TYPE_KEY},
            "fields": {CODES: ["123", "234"]},
        },
    )

    actions = run(talon, settings, customer)
    customer = shop.apply_actions("customers", customer, actions)

    assert actions == [
        {
            "action": "setCustomField",
            "name": CODES,
            "value": ["123", "234", "EUR__658-253__USD__123-253", "USD__562-253"],
        }
    ]
    assert customer["custom"]["fields"][CODES] == [
        "123",
        "234",
        "EUR__658-253__USD__123-253",
        "USD__562-253",
    ]
    # Talon.One creating the same codes again adds nothing.
    assert run(talon, settings, customer) == []


def test_balances_follow_the_answers_and_other_apps_keep_theirs(shop: Project) -> None:
    talon = FakeTalon(
        {
            "eu": profile_answer(programs=[program(1, 10)]),
            "us": profile_answer(programs=[program(2, 20)]),
        }
    )
    settings = settings_for(shop, ("eu", "EUR"), ("us", "USD"))
    customer = new_customer(shop)
    customer = shop.apply_actions("customers", customer, run(talon, settings, customer))

    talon.answers = {
        "eu": profile_answer(programs=[program(1, 15)]),
        "us": TalonError("connection", "ConnectionError"),
    }
    customer = shop.apply_actions("customers", customer, run(talon, settings, customer))

    assert json.loads(customer["custom"]["fields"][POINTS]) == [
        {"id": 1, "name": "points", "title": "Points", "balance": 15, "currency": "EUR"},
        {"id": 2, "name": "points", "title": "Points", "balance": 20, "currency": "USD"},
    ]


def test_a_customer_on_the_shops_own_type_keeps_it(shop: Project) -> None:
    shop.create(
        "types",
        {
            "key": "shop-customer",
            "name": {"en": "Shop customer"},
            "resourceTypeIds": ["customer"],
            "fieldDefinitions": [
                {
                    "name": name,
                    "label": {"en": name},
                    "required": False,
                    "type": field_type,
                }
                for name, field_type in (
                    ("newsletter", {"name": "Boolean"}),
                    (CODES, {"name": "Set", "elementType": {"name": "String"}}),
                )
            ],
        },
    )
    talon = FakeTalon(
        {"eu": profile_answer(effect("referralCreated", value="R-1"), programs=[program(1, 3)])}
    )
    settings = settings_for(shop)
    customer = new_customer(
        shop,
        custom={
            "type": {"typeId": "type", "key": "shop-customer"},
            "fields": {"newsletter": True, CODES: ["OLD"]},
        },
    )

    customer = shop.apply_actions("customers", customer, run(talon, settings, customer))

    # The shop's type has no loyalty field: only the codes are written, and the type stays.
    assert customer["custom"]["fields"] == {"newsletter": True, CODES: ["OLD", "EUR__R-1"]}
    assert shop.get("types", customer["custom"]["type"]["id"])["key"] == "shop-customer"
    assert run(talon, settings, customer) == []
