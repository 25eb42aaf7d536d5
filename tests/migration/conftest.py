"""Fixtures for the customer migration tests: one seeded project, fresh stand-ins per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from handler.migration import main
from tests.migration.migration_support import Migrate, ProfileTalon, Run, Seeded, seed
from tools.ctmock import CommercetoolsMock


@pytest.fixture(autouse=True)
def _no_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets every CTP_* and T1CT_* variable it needs, and no other."""
    for name in list(os.environ):
        if name.startswith(("T1CT_", "CTP_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def seeded(ct_mock: CommercetoolsMock) -> Seeded:
    """Customers only ever read by these tests, so one project serves them all."""
    return seed(ct_mock)


@pytest.fixture
def eu() -> Iterator[ProfileTalon]:
    with ProfileTalon() as talon:
        yield talon


@pytest.fixture
def us() -> Iterator[ProfileTalon]:
    with ProfileTalon() as talon:
        yield talon


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    return tmp_path / "checkpoint.json"


@pytest.fixture
def migrate(capsys: pytest.CaptureFixture[str], checkpoint: Path) -> Migrate:
    """Runs the command in this process with the environment the test set up."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(["--checkpoint", str(checkpoint), "--retry-delay", "0.001", *args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
