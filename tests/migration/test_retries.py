"""How the migration meets Talon.One's failures: retry back-pressure and hiccups, report refusals,
stop when nothing can work (wrong key)."""

from __future__ import annotations

import pytest

from tests.migration.migration_support import (
    BULK_PATH,
    Migrate,
    ProfileTalon,
    Seeded,
    environment,
    validate_requests,
)
from tools.talon_standin import Fault


@pytest.fixture
def one_app(monkeypatch: pytest.MonkeyPatch, seeded: Seeded, eu: ProfileTalon) -> ProfileTalon:
    for name, value in environment(seeded.project, {"eu": eu}).items():
        monkeypatch.setenv(name, value)
    return eu


@pytest.mark.parametrize(
    "fault",
    [Fault.error(429, times=2), Fault.error(503, times=2), Fault.error(409), Fault.reset(times=2)],
    ids=["429", "503", "409 once", "connection reset"],
)
def test_passing_trouble_is_retried_until_every_profile_is_in(
    migrate: Migrate, seeded: Seeded, one_app: ProfileTalon, fault: Fault
) -> None:
    failures = fault.times or 1
    one_app.fail_after(2, Fault(fault.kind, status=fault.status, times=failures))

    run = migrate("--batch-size", "50", "--concurrency", "1")

    assert run.code == 0, run.out
    assert set(one_app.accepted) == seeded.ids()
    assert one_app.duplicates() == {}
    # Every refused attempt was sent again, and only those.
    assert len(one_app.requests) == one_app.accepted_requests + failures
    validate_requests(one_app)


def test_a_refused_batch_is_reported_and_the_run_goes_on(
    migrate: Migrate, seeded: Seeded, one_app: ProfileTalon
) -> None:
    body = {"message": "x", "errors": [{"title": "Invalid attribute"}], "StatusCode": 400}
    one_app.fail_after(1, Fault.error(400, body, times=1))

    run = migrate("--batch-size", "50", "--concurrency", "1")

    assert run.code == 1
    assert "failed: 50" in run.out
    assert "eu: HTTP 400 (Invalid attribute): 50" in run.out
    assert len(one_app.accepted) == len(seeded.ids()) - 50
    assert len(one_app.requests) == one_app.accepted_requests + 1, "a refusal is not retried"


def test_a_wrong_api_key_stops_the_run_at_once(
    migrate: Migrate, one_app: ProfileTalon, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_app.set_fault(Fault.error(401))

    run = migrate("--batch-size", "50", "--concurrency", "1")

    assert run.code == 1
    assert "stopped early: eu: HTTP 401" in run.out
    assert len(one_app.requests) == 1
    assert one_app.requests[0].path == BULK_PATH


def test_retries_give_up_after_a_bounded_number_of_attempts(
    migrate: Migrate, one_app: ProfileTalon
) -> None:
    one_app.set_fault(Fault.error(502))

    run = migrate("--batch-size", "50", "--concurrency", "1")

    assert run.code == 1
    assert "HTTP 502, 6 attempts" in run.out
    assert len(one_app.requests) == 6
