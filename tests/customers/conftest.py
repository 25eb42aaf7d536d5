"""Fixtures for the customer tests."""

from __future__ import annotations

import pytest

from tests.support.contract import validate_talon_request


@pytest.fixture(scope="session", autouse=True)
def _contract_loaded() -> None:
    """Load the Talon.One spec before any test: the first check takes seconds, and inside a fake
    Talon.One those seconds would count against the handler's time for its calls."""
    validate_talon_request(
        "PUT",
        "https://warm-up.talon.test/v2/customer_profiles/c?runRuleEngine=true",
        {"Authorization": "ApiKey-v1 " + "k" * 40, "Content-Type": "application/json"},
        {"attributes": {}},
    )
