"""Fixtures shared by every test, and the Hypothesis profiles chosen with HYPOTHESIS_PROFILE."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tools.ctmock import CommercetoolsMock, Project, start_mock

# No deadlines and no speed health check: on a shared two-core machine timing says nothing.
_untimed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", _untimed, max_examples=100)
settings.register_profile("ci", _untimed, max_examples=50, derandomize=True, database=None)
settings.register_profile("fuzz", _untimed, max_examples=10_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def ct_mock() -> Iterator[CommercetoolsMock]:
    """One commercetools mock server for the whole run; tests stay apart by project key."""
    with start_mock() as mock:
        yield mock


@pytest.fixture
def ct_project(ct_mock: CommercetoolsMock) -> Project:
    """A commercetools project that no other test has touched."""
    return ct_mock.project()
