"""The process-wide runtime: settings, mappings and secrets read once per cold start."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from handler.runtime import RuntimeUnavailable, build_runtime, with_replay_app
from handler.settings import REPLAY_APP, Settings
from handler.talon import HttpTransport
from tests.unit.builders import ScriptedTransport, app, ok

SECRET_KEY = "k-" + "9" * 20
APPS = json.dumps({"eu": {"base_url": "https://eu.talon.test", "api_key": SECRET_KEY}})


def test_runtime_is_built_from_the_environment() -> None:
    runtime = build_runtime({"T1CT_APPS": APPS, "T1CT_EXTENSION_TIMEOUT_MS": "1000"})

    assert runtime.settings.apps["eu"].api_key == SECRET_KEY
    assert isinstance(runtime.talon.transport, HttpTransport)
    assert runtime.talon_budget_s == pytest.approx(0.7)


def test_given_transport_is_used() -> None:
    transport = ScriptedTransport(ok())

    assert build_runtime({}, transport=transport).talon.transport is transport


def test_talon_budget_never_drops_below_a_tenth_of_a_second() -> None:
    runtime = build_runtime({"T1CT_EXTENSION_TIMEOUT_MS": "200"}, ScriptedTransport(ok()))

    assert runtime.talon_budget_s == pytest.approx(0.1)


def test_mappings_are_parsed_once_at_start() -> None:
    runtime = build_runtime({"T1CT_CART_ATTRIBUTE_MAPPING": "country:country"}, ScriptedTransport())

    assert runtime.mappings.cart.apply({"country": "DE"}) == {"country": "DE"}


def test_bad_settings_make_the_runtime_unavailable_naming_the_variable() -> None:
    with pytest.raises(RuntimeUnavailable, match=r"^T1CT_ROUNDING"):
        build_runtime({"T1CT_ROUNDING": "sometimes"})


def test_malformed_mapping_makes_the_runtime_unavailable() -> None:
    with pytest.raises(RuntimeUnavailable):
        build_runtime({"T1CT_CART_ITEM_ATTRIBUTE_MAPPING": "color.key:colorKey;"})


def test_replay_app_stands_in_when_no_app_is_set_up() -> None:
    settings = with_replay_app(Settings())

    assert list(settings.apps) == [REPLAY_APP]
    assert settings.apps[REPLAY_APP].base_url.startswith("https://")


def test_replay_app_leaves_configured_apps_alone() -> None:
    settings = Settings(apps={"eu": app("eu")})

    assert with_replay_app(settings) is settings


# Secrets in AWS Secrets Manager


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-central-1")


def stored_secret(client: object, text: str) -> str:
    created = client.create_secret(Name="t1ct", SecretString=text)  # type: ignore[attr-defined]
    return str(created["ARN"])


def test_apps_and_tokens_come_from_the_named_secret(secrets: object) -> None:
    arn = stored_secret(secrets, json.dumps({"T1CT_APPS": APPS, "T1CT_AUTH_TOKENS": "a,b"}))

    runtime = build_runtime({"T1CT_SECRET_ARN": arn}, ScriptedTransport())

    assert runtime.settings.apps["eu"].api_key == SECRET_KEY
    assert runtime.settings.auth_tokens == ("a", "b")


def test_secret_with_other_keys_is_refused(secrets: object) -> None:
    arn = stored_secret(secrets, json.dumps({"T1CT_APPS": APPS, "T1CT_LANGUAGE": "de"}))

    with pytest.raises(RuntimeUnavailable, match=r"unknown keys \[.T1CT_LANGUAGE.\]"):
        build_runtime({"T1CT_SECRET_ARN": arn})


@pytest.mark.parametrize("text", ["not json " + SECRET_KEY, json.dumps([SECRET_KEY])])
def test_secret_that_is_not_a_json_object_is_refused_without_echo(
    secrets: object, text: str
) -> None:
    arn = stored_secret(secrets, text)

    with pytest.raises(RuntimeUnavailable) as raised:
        build_runtime({"T1CT_SECRET_ARN": arn})

    assert str(raised.value).startswith("T1CT_SECRET_ARN")
    assert SECRET_KEY not in str(raised.value)


def test_secret_with_non_text_values_is_refused(secrets: object) -> None:
    arn = stored_secret(secrets, json.dumps({"T1CT_AUTH_TOKENS": ["a"]}))

    with pytest.raises(RuntimeUnavailable, match="map setting names to strings"):
        build_runtime({"T1CT_SECRET_ARN": arn})


def test_missing_secret_is_reported(secrets: object) -> None:
    arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:missing-AbCdEf"

    with pytest.raises(RuntimeUnavailable, match=r"^T1CT_SECRET_ARN: the secret could not be read"):
        build_runtime({"T1CT_SECRET_ARN": arn})
