"""No secret and no personal data ever reaches the logs.

Every recorded commercetools request is run through every entry point, with and without a
working Talon.One, with right and wrong tokens and with broken settings; everything the handler
logs is captured and searched for the configured secrets and for every personal value the
fixtures hold (e-mail addresses, names, addresses, phone numbers).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handler.app import Runtime, handle
from handler.http import handle_http
from handler.runtime import RuntimeUnavailable, build_runtime
from handler.session import Mappings
from handler.settings import App, DiscountMode, Settings
from handler.talon import Answer, TalonClient, TalonError

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "reference-accelerator"
API_KEY = "d3adb33fd3adb33fd3adb33fd3adb33fd3adb33f"
TOKENS = ("Bearer current-7f1c9e", "Bearer previous-2b8a41")
PERSONAL_KEYS = {
    "email",
    "customerEmail",
    "firstName",
    "lastName",
    "middleName",
    "streetName",
    "streetNumber",
    "postalCode",
    "city",
    "phone",
    "mobile",
    "company",
    "companyName",
    "dateOfBirth",
    "vatId",
}


def personal_values(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PERSONAL_KEYS and isinstance(value, str) and len(value) > 2:
                yield value
            yield from personal_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from personal_values(value)


def events() -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((FIXTURES / "commercetools").glob("*-event.json"))
    ]


class ScriptedTransport:
    def __init__(self, answer: Answer | None) -> None:
        self.answer = answer

    def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, deadline: float
    ) -> Answer:
        if self.answer is None:
            raise TalonError("connection", "ConnectionError")
        return self.answer


ANSWERS = {
    "ok": Answer(
        200,
        "application/json",
        (FIXTURES / "talonone" / "update-customer-session-response.json").read_bytes(),
    ),
    "error": Answer(500, "application/json", b'{"message": "boom"}'),
    "html": Answer(502, "text/html", b"<html>bad gateway</html>"),
    "not json": Answer(200, "application/json", b"{not json"),
    "down": None,
}


def runtime(answer: Answer | None, mode: DiscountMode) -> Runtime:
    settings = Settings(
        apps={"eu": App(base_url="https://eu.talon.test", api_key=API_KEY)},
        auth_tokens=TOKENS,
        discount_mode=mode,
        discount_tax_category_id="tax",
    )
    return Runtime(
        settings, Mappings.from_settings(settings), TalonClient(ScriptedTransport(answer))
    )


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_clean(text: str, forbidden: set[str]) -> None:
    leaked = sorted(value for value in forbidden if value in text)
    assert not leaked, f"logged: {leaked}"


@pytest.mark.parametrize("answer", sorted(ANSWERS))
@pytest.mark.parametrize("mode", ["direct_discounts", "custom_line_items"])
def test_handling_every_fixture_logs_no_secret_or_personal_data(
    logs: pytest.LogCaptureFixture, answer: str, mode: DiscountMode
) -> None:
    fixtures = events()
    forbidden = {API_KEY, *TOKENS} | {
        value for event in fixtures for value in personal_values(event)
    }
    assert len(forbidden) > 10  # the fixtures do hold personal data to look for
    runtime_ = runtime(ANSWERS[answer], mode)

    for event in fixtures:
        handle(event, runtime_)
        body = json.dumps(event).encode()
        for token in (TOKENS[0], TOKENS[1], "Bearer wrong", None):
            headers = {"Authorization": token} if token else {}
            handle_http("POST", headers, body, runtime_)

    assert logs.records
    assert_clean(logs.text, forbidden)


def test_broken_settings_are_reported_without_their_values(
    logs: pytest.LogCaptureFixture,
) -> None:
    broken = {
        "T1CT_APPS": json.dumps({"eu": {"base_url": "not a url", "api_key": API_KEY}}),
        "T1CT_AUTH_TOKENS": TOKENS[0],
    }

    with pytest.raises(RuntimeUnavailable) as raised:
        build_runtime(broken)

    assert "T1CT_APPS" in str(raised.value)
    assert_clean(logs.text + str(raised.value), {API_KEY, TOKENS[0], "not a url"})


def test_malformed_secret_json_is_reported_without_its_text(
    logs: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(RuntimeUnavailable) as raised:
        build_runtime({"T1CT_APPS": '{"eu": {"api_key": "' + API_KEY + '", }'})

    assert "T1CT_APPS must be JSON" in str(raised.value)
    assert_clean(logs.text + str(raised.value), {API_KEY})
