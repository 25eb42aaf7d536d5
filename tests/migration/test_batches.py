"""Cutting pages of customers into batches, their request bodies, and the progress line."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from handler.migration.batches import (
    NO_ATTRIBUTES,
    UNVERIFIED,
    Batch,
    InvalidBatch,
    Plan,
    batches,
    request_bodies,
)
from handler.migration.checkpoint import Ledger
from handler.migration.progress import Progress
from handler.settings import App, CustomerProfileMapping, Routing, Settings

APPS = ("eu", "us")


def settings(*, only_verified: bool = False) -> Settings:
    mapping = CustomerProfileMapping(
        only_verified_profiles=only_verified, mappings={"firstName": "FirstName"}
    )
    app = App(base_url="https://t1.example", api_key="k")
    return Settings(
        apps={"eu": app, "us": app}, routing=Routing(fallback="eu"), customer_profile=mapping
    )


def plan(
    batch_size: int, ledgers: dict[str, Ledger] | None = None, *, only_verified: bool = False
) -> Plan:
    ledgers = ledgers or {app: Ledger() for app in APPS}
    return Plan(settings(only_verified=only_verified), APPS, ledgers, batch_size)


def customer(number: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"id-{number:03d}", "firstName": f"F{number}", **fields}


def pages(count: int, per_page: int) -> list[list[dict[str, Any]]]:
    everyone = [customer(n) for n in range(count)]
    return [everyone[i : i + per_page] for i in range(0, count, per_page)]


def test_batches_hold_at_most_the_batch_size_and_tile_the_ids() -> None:
    cut = list(batches(pages(25, per_page=7), plan(batch_size=10)))

    assert [len(b.profiles) for b in cut] == [10, 10, 5]
    assert [(b.after, b.through) for b in cut] == [
        (None, "id-009"),
        ("id-009", "id-019"),
        ("id-019", "id-024"),
    ]
    assert [b.customers for b in cut] == [10, 10, 5]


def test_skipped_customers_are_counted_with_their_reason_and_stay_in_the_range() -> None:
    page = [
        customer(1),
        {"id": "id-002", "isEmailVerified": True},
        customer(3, isEmailVerified=False),
        customer(4, isEmailVerified=True),
    ]

    (batch,) = batches([page], plan(batch_size=10, only_verified=True))

    assert [p["integrationId"] for p, _ in batch.profiles] == ["id-004"]
    assert batch.skipped == {UNVERIFIED: 2, NO_ATTRIBUTES: 1}
    assert (batch.after, batch.through, batch.customers) == (None, "id-004", 4)


def test_a_resumed_run_reads_from_the_slowest_app_and_sends_each_app_what_it_lacks() -> None:
    ledgers = {"eu": Ledger([(None, "id-005")]), "us": Ledger([(None, "id-002")])}
    resumed = plan(batch_size=10, ledgers=ledgers)
    unread = [[customer(n) for n in range(3, 9)]]

    (batch,) = batches(unread, resumed)

    assert resumed.resume_after == "id-002"
    waiting = {p["integrationId"]: sorted(apps) for p, apps in batch.profiles}
    assert waiting["id-003"] == ["us"]
    assert waiting["id-006"] == ["eu", "us"]
    bodies = request_bodies(batch, APPS)
    assert bodies["eu"][1] == 3
    assert bodies["us"][1] == 6


def test_customers_every_app_has_are_counted_as_done() -> None:
    ledgers = {"eu": Ledger([("id-000", "id-004")]), "us": Ledger([("id-000", "id-004")])}

    (batch,) = batches(pages(6, per_page=6), plan(batch_size=10, ledgers=ledgers))

    assert batch.already_sent == 4
    assert [p["integrationId"] for p, _ in batch.profiles] == ["id-000", "id-005"]


def test_apps_waiting_for_the_same_profiles_share_one_body() -> None:
    (batch,) = batches(pages(3, per_page=3), plan(batch_size=10))

    bodies = request_bodies(batch, APPS)

    assert bodies["eu"][0] is bodies["us"][0]
    assert json.loads(bodies["eu"][0]) == {
        "customerProfiles": [
            {"integrationId": f"id-00{n}", "attributes": {"FirstName": f"F{n}"}} for n in range(3)
        ]
    }


def test_an_app_with_nothing_to_receive_gets_no_body() -> None:
    (batch,) = batches([[{"id": "id-001"}]], plan(batch_size=10))

    assert request_bodies(batch, APPS) == {}


@pytest.mark.parametrize(
    ("profile", "problem"),
    [
        ({"integrationId": "", "attributes": {}}, "integrationId"),
        ({"integrationId": "x" * 1001, "attributes": {}}, "integrationId"),
        ({"integrationId": "id", "attributes": []}, "not an object"),
        ({"integrationId": "id", "attributes": {"n": float("nan")}}, "not JSON"),
        ({"integrationId": "id", "attributes": {"when": object()}}, "not JSON"),
    ],
)
def test_a_profile_talon_would_refuse_makes_the_batch_invalid(
    profile: dict[str, Any], problem: str
) -> None:
    batch = Batch(1, None, "id", 1, profiles=[(profile, frozenset(APPS))])

    with pytest.raises(InvalidBatch, match=problem):
        request_bodies(batch, APPS)


def test_more_than_talons_limit_in_one_batch_is_invalid() -> None:
    everyone = frozenset(APPS)
    profiles = [({"integrationId": f"id-{n}", "attributes": {}}, everyone) for n in range(1001)]

    with pytest.raises(InvalidBatch, match="1001 profiles"):
        request_bodies(Batch(1, None, "id-1000", 1001, profiles=profiles), APPS)


def test_progress_shows_a_bar_the_count_the_rate_and_the_time_left() -> None:
    stream = io.StringIO()
    progress = Progress(total=200, stream=stream)

    progress.advance(50)
    progress.finish()

    line = stream.getvalue().splitlines()[-1]
    assert line.startswith("[######..................] 50/200 customers")
    assert "/s" in line
    assert "ETA " in line


def test_progress_without_a_total_shows_the_count_and_rate() -> None:
    stream = io.StringIO()
    progress = Progress(total=None, stream=stream)

    progress.advance(7)
    progress.finish()

    assert stream.getvalue().startswith("7 customers")
