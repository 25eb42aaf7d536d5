"""Loyalty balances from profile answers, in the customer's loyalty field."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from handler import custom_types as ct
from handler.app import handle
from handler.loyalty import Program, customer_loyalty, programs_of
from tests.customers.helpers import (
    FakeTalon,
    customer,
    customer_request,
    customer_settings,
    fields_after,
    loyalty_entries,
    profile_answer,
    program,
    runtime_with,
)

POINTS = ct.CUSTOMER_LOYALTY_POINTS


def stored(*entries: dict[str, Any]) -> str:
    return json.dumps(list(entries))


def entry(program_id: int, balance: Any, currency: str, name: str = "points") -> dict[str, Any]:
    return {
        "id": program_id,
        "name": name,
        "title": "Points",
        "balance": balance,
        "currency": currency,
    }


def test_profile_update_asks_for_the_loyalty_block_and_stores_it() -> None:
    talon = FakeTalon({"eu": profile_answer(programs=[program(7, 120.5), program(3, 40)])})
    raw = customer(fields={})

    _, response = handle(customer_request(raw), runtime_with(customer_settings(), talon))

    (sent,) = talon.received
    assert sent.body["responseContent"] == ["loyalty"]
    assert sent.query == {"runRuleEngine": ["true"]}
    fields = fields_after(raw, response["actions"])
    assert loyalty_entries(fields[POINTS]) == [
        entry(3, 40, "EUR"),
        entry(7, Decimal("120.5"), "EUR"),
    ]


def test_each_app_replaces_only_its_own_entries() -> None:
    talon = FakeTalon({"eu": profile_answer(programs=[program(1, 10)])})
    raw = customer(fields={POINTS: stored(entry(1, 5, "EUR"), entry(2, 99, "USD"))})

    _, response = handle(customer_request(raw), runtime_with(customer_settings(), talon))

    fields = fields_after(raw, response["actions"])
    assert loyalty_entries(fields[POINTS]) == [entry(1, 10, "EUR"), entry(2, 99, "USD")]


def test_apps_without_a_currency_are_labelled_by_name() -> None:
    talon = FakeTalon(
        {"eu": profile_answer(programs=[program(1, 10)]), "us": profile_answer(programs=[])}
    )
    raw = customer(fields={POINTS: stored(entry(4, 1, "us"))})
    settings = customer_settings(("eu", "EUR"), ("us", None))

    _, response = handle(customer_request(raw), runtime_with(settings, talon))

    # "us" answered with no programs: its old entry goes.
    assert loyalty_entries(fields_after(raw, response["actions"])[POINTS]) == [entry(1, 10, "EUR")]


def test_unchanged_balances_give_no_action_even_in_the_accelerator_layout() -> None:
    talon = FakeTalon({"eu": profile_answer(programs=[program(1, 10)])})
    # Written by the accelerator: spaces, another key order, a float balance.
    text = '[ {"currency": "EUR", "balance": 10.0, "title": "Points", "name": "points", "id": 1} ]'
    raw = customer(fields={POINTS: text})

    _, response = handle(customer_request(raw), runtime_with(customer_settings(), talon))

    assert response["actions"] == []


def test_a_second_run_writes_nothing() -> None:
    talon = FakeTalon({"eu": profile_answer(programs=[program(1, 10), program(2, 0.25)])})
    runtime = runtime_with(customer_settings(), talon)
    raw = customer(fields={})
    _, first = handle(customer_request(raw), runtime)
    raw["custom"]["fields"] = fields_after(raw, first["actions"])

    _, second = handle(customer_request(raw), runtime)

    assert first["actions"]
    assert second["actions"] == []


def test_an_answer_without_a_loyalty_block_leaves_the_balances_alone() -> None:
    talon = FakeTalon({"eu": profile_answer()})
    raw = customer(fields={POINTS: stored(entry(1, 5, "EUR"))})

    _, response = handle(customer_request(raw), runtime_with(customer_settings(), talon))

    assert response["actions"] == []


def test_the_last_program_leaving_removes_the_field() -> None:
    talon = FakeTalon({"eu": profile_answer(programs=[])})
    raw = customer(fields={POINTS: stored(entry(1, 5, "EUR")), "shop": 1})

    _, response = handle(customer_request(raw), runtime_with(customer_settings(), talon))

    assert response["actions"] == [{"action": "setCustomField", "name": POINTS}]


def test_an_unreadable_stored_value_is_replaced() -> None:
    assert customer_loyalty("not json", {"EUR": (Program(1, "p", "P", Decimal(2)),)}) == (
        '[{"id":1,"name":"p","title":"P","balance":2,"currency":"EUR"}]'
    )


def test_nothing_answered_keeps_the_stored_value_as_it_is() -> None:
    assert customer_loyalty("anything", {}) == "anything"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (None, None),
        ("text", None),
        ({"cards": []}, None),
        ({"programs": {}}, ()),
        (
            {"programs": {"1": {"id": 1, "name": "n", "title": "t"}, "2": {"title": "no id"}}},
            (Program(1, "n", "t", Decimal(0)),),
        ),
        (
            {"programs": {"5": {"id": 5, "ledger": {"currentBalance": "NaN"}}}},
            (),
        ),
    ],
)
def test_loyalty_blocks_are_read_tolerantly(block: Any, expected: Any) -> None:
    assert programs_of(block) == expected
