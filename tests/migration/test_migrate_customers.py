"""`migrate-customers` end to end: customers on the commercetools mock, Talon.One stand-ins.

Every request the stand-ins receive is checked against the Talon.One specification.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.migration.migration_support import (
    API_KEY,
    Migrate,
    ProfileTalon,
    Seeded,
    environment,
    expected_attributes,
    use,
    validate_requests,
)


def test_every_mapped_customer_reaches_every_app_once(
    monkeypatch: pytest.MonkeyPatch,
    migrate: Migrate,
    seeded: Seeded,
    eu: ProfileTalon,
    us: ProfileTalon,
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu, "us": us}))

    run = migrate("--batch-size", "40", "--page-size", "30", "--concurrency", "3")

    assert run.code == 0, run.err
    for talon in (eu, us):
        assert set(talon.accepted) == seeded.ids()
        assert talon.duplicates() == {}
        assert validate_requests(talon) == talon.accepted_requests
        assert all(len(r.body["customerProfiles"]) <= 40 for r in talon.requests)
    some_id = min(seeded.ids())
    assert eu.attributes(some_id) == expected_attributes(seeded.numbers[some_id])


def test_the_summary_counts_what_was_sent_and_skipped(
    monkeypatch: pytest.MonkeyPatch, migrate: Migrate, seeded: Seeded, eu: ProfileTalon
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu}))

    run = migrate("--batch-size", "100")

    assert run.code == 0
    assert "customers read: 300" in run.out
    assert "profiles sent: eu 270" in run.out
    assert "skipped: 30" in run.out
    assert "no mapped field has a value: 30" in run.out
    assert "failed: 0" in run.out
    # The progress line counts customers against the total from one count query.
    assert "300/300 customers" in run.err


def test_only_verified_customers_are_read_when_the_mapping_asks(
    monkeypatch: pytest.MonkeyPatch, migrate: Migrate, seeded: Seeded, eu: ProfileTalon
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu}, only_verified=True))

    run = migrate("--batch-size", "50")

    assert run.code == 0, run.err
    assert set(eu.accepted) == seeded.ids(verified_only=True)
    unverified = sum(1 for number in seeded.numbers.values() if number % 7 == 0)
    assert f"customers read: {300 - unverified}" in run.out
    assert f"e-mail not verified (left out by the query): {unverified}" in run.out


def test_customer_apps_limit_where_profiles_go(
    monkeypatch: pytest.MonkeyPatch,
    migrate: Migrate,
    seeded: Seeded,
    eu: ProfileTalon,
    us: ProfileTalon,
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu, "us": us}, customer_apps="us"))

    run = migrate()

    assert run.code == 0
    assert eu.requests == []
    assert set(us.accepted) == seeded.ids()


def test_dry_run_reads_and_checks_but_sends_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch,
    migrate: Migrate,
    seeded: Seeded,
    eu: ProfileTalon,
    us: ProfileTalon,
    checkpoint: Path,
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu, "us": us}))

    run = migrate("--dry-run", "--batch-size", "64")

    assert run.code == 0
    assert eu.requests == []
    assert us.requests == []
    assert not checkpoint.exists()
    assert "(dry run)" in run.out
    assert "profiles to send: eu 270, us 270" in run.out
    assert "FirstName: 270" in run.out
    assert "City: 270" in run.out


def test_a_finished_run_leaves_nothing_for_the_next_one(
    monkeypatch: pytest.MonkeyPatch, migrate: Migrate, seeded: Seeded, eu: ProfileTalon
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu}))
    assert migrate().code == 0
    sent = len(eu.accepted)

    again = migrate()

    assert again.code == 0
    assert len(eu.accepted) == sent
    assert "customers read: 0" in again.out


def test_fresh_sends_everyone_again(
    monkeypatch: pytest.MonkeyPatch, migrate: Migrate, seeded: Seeded, eu: ProfileTalon
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu}))
    assert migrate().code == 0

    again = migrate("--fresh")

    assert again.code == 0
    assert sorted(eu.accepted) == sorted([*seeded.ids(), *seeded.ids()])


def test_the_checkpoint_names_the_last_customer_every_app_confirmed(
    monkeypatch: pytest.MonkeyPatch,
    migrate: Migrate,
    seeded: Seeded,
    eu: ProfileTalon,
    checkpoint: Path,
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu}))

    migrate()

    data = json.loads(checkpoint.read_text(encoding="utf-8"))
    assert data["project"] == seeded.project.key
    assert data["apps"] == {"eu": [[None, max(seeded.numbers)]]}
    assert list(checkpoint.parent.iterdir()) == [checkpoint]  # no temporary file left behind


def test_a_checkpoint_of_another_project_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    migrate: Migrate,
    seeded: Seeded,
    eu: ProfileTalon,
    checkpoint: Path,
) -> None:
    checkpoint.write_text(json.dumps({"project": "elsewhere", "mapping": "", "apps": {}}))
    use(monkeypatch, environment(seeded.project, {"eu": eu}))

    run = migrate()

    assert run.code == 2
    assert "belongs to project 'elsewhere'" in run.err
    assert eu.requests == []


def test_a_changed_mapping_needs_fresh(
    monkeypatch: pytest.MonkeyPatch, migrate: Migrate, seeded: Seeded, eu: ProfileTalon
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu}, mapping={"email": "Email"}))
    assert migrate("--max-pages", "1").code == 0
    use(monkeypatch, environment(seeded.project, {"eu": eu}))

    run = migrate()

    assert run.code == 2
    assert "--fresh" in run.err


def test_an_unreadable_checkpoint_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    migrate: Migrate,
    seeded: Seeded,
    eu: ProfileTalon,
    checkpoint: Path,
) -> None:
    checkpoint.write_text("{not json")
    use(monkeypatch, environment(seeded.project, {"eu": eu}))

    run = migrate()

    assert run.code == 2
    assert "is not a migration checkpoint" in run.err


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("T1CT_CUSTOMER_PROFILE", '{"mappings": {}}', "maps no customer field"),
        ("T1CT_CUSTOMER_PROFILE", "{", "T1CT_CUSTOMER_PROFILE must be JSON"),
        ("CTP_CLIENT_SECRET", "", "CTP_CLIENT_SECRET"),
    ],
)
def test_unusable_settings_stop_before_anything_is_read(
    monkeypatch: pytest.MonkeyPatch,
    migrate: Migrate,
    seeded: Seeded,
    eu: ProfileTalon,
    variable: str,
    value: str,
    message: str,
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu}))
    monkeypatch.setenv(variable, value)

    run = migrate()

    assert run.code == 2
    assert message in run.err
    assert eu.requests == []


def test_no_secret_is_printed(
    monkeypatch: pytest.MonkeyPatch, migrate: Migrate, seeded: Seeded, eu: ProfileTalon
) -> None:
    variables = environment(seeded.project, {"eu": eu})
    use(monkeypatch, variables)

    run = migrate("--batch-size", "25")

    printed = run.out + run.err
    assert API_KEY not in printed
    assert variables["CTP_CLIENT_SECRET"] not in printed
    assert "@example.com" not in printed


def test_an_unreachable_commercetools_is_reported(
    monkeypatch: pytest.MonkeyPatch, migrate: Migrate, seeded: Seeded, eu: ProfileTalon
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"
    use(monkeypatch, environment(seeded.project, {"eu": eu}))
    monkeypatch.setenv("CTP_AUTH_URL", nowhere)
    monkeypatch.setenv("CTP_API_URL", nowhere)

    run = migrate()

    assert run.code == 1
    assert "commercetools could not be reached: ConnectionError" in run.err
    assert eu.requests == []
