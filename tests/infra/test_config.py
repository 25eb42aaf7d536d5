"""The stack config: defaults a shop expects, and one clean line for every mistake."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pulumi.runtime.config import set_all_config

from handler.settings import Settings
from infra.config import MANAGED_SETTINGS, PROJECT, HandlerConfig
from infra.loader import ConfigError, load_stack_config
from infra.reference import config_rows

from .stacks import (
    AUTH_TOKEN,
    CLIENT_SECRET,
    SECRET_VALUES,
    STACK,
    as_pulumi_config,
    base_config,
)


def test_a_minimal_stack_gets_the_documented_defaults(load) -> None:
    config = load(base_config())

    assert config.name == "t1ct-dev"
    assert config.extension_key == "t1ct-dev"
    assert config.extension.timeout_ms == 2000
    assert {resource: t.actions for resource, t in config.extension.triggers.items()} == {
        "cart": ("Create", "Update"),
        "customer": ("Create", "Update"),
        "order": ("Create", "Update"),
    }
    assert config.function.python_version == "3.13"
    assert config.aws.architecture == "arm64"
    assert config.aws.invocation == "lambda"
    assert config.commercetools.api_base == "https://api.europe-west1.gcp.commercetools.com"
    assert config.commercetools.token_url == (
        "https://auth.europe-west1.gcp.commercetools.com/oauth/token"
    )


def test_hosts_can_be_pointed_elsewhere(load) -> None:
    stack = base_config()
    stack["commercetools"] |= {
        "api_url": "http://127.0.0.1:8989/",
        "auth_url": "http://127.0.0.1:8989",
    }

    config = load(stack)

    assert config.commercetools.api_base == "http://127.0.0.1:8989"
    assert config.commercetools.token_url == "http://127.0.0.1:8989/oauth/token"


def test_current_and_previous_tokens_are_both_accepted_current_first(load) -> None:
    stack = base_config() | {"auth_token": AUTH_TOKEN, "previous_auth_token": AUTH_TOKEN + "x"}

    assert load(stack).auth_tokens == (AUTH_TOKEN, AUTH_TOKEN + "x")


def _with(**changes: Any) -> dict[str, Any]:
    stack = base_config()
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            stack[section] = {**stack.get(section, {}), field: value}
        elif value is None:
            stack.pop(section)
        else:
            stack[section] = value
    return stack


MISTAKES = [
    pytest.param(_with(cloud="azure"), "t1ct:cloud: Input should be 'aws' or 'gcp'", id="cloud"),
    pytest.param(
        _with(function__memory_mb=64),
        "t1ct:function.memory_mb: Input should be greater than or equal to 128",
        id="memory",
    ),
    pytest.param(
        _with(function__python_version=3.13),
        "t1ct:function.python_version: Input should be '3.12' or '3.13'",
        id="unquoted-python-version",
    ),
    pytest.param(_with(handlr={"language": "de"}), "t1ct:handlr: unknown key", id="unknown-key"),
    pytest.param(
        _with(function__memroy_mb=512), "t1ct:function.memroy_mb: unknown key", id="typo-in-section"
    ),
    pytest.param(
        _with(function="512"), "t1ct:function: expected a YAML map of keys", id="not-a-map"
    ),
    pytest.param(_with(commercetools=None), "t1ct:commercetools: required", id="missing-section"),
    pytest.param(
        _with(commercetools_client_secret=None),
        "t1ct:commercetools_client_secret: required; set it with pulumi config set --secret "
        "commercetools_client_secret <value>",
        id="missing-secret",
    ),
    pytest.param(
        _with(talon_api_keys={"eu": "k"}),
        "t1ct:talon_api_keys: no API key for app 'us'; set it with pulumi config set --secret "
        "--path 'talon_api_keys.us' <key>",
        id="app-without-key",
    ),
    pytest.param(
        _with(handler={"routing": {"apps": {"GBP": "uk"}}}),
        "t1ct:handler.routing: names app 'uk', which apps does not define",
        id="routing-to-unknown-app",
    ),
    pytest.param(
        _with(handler={"discount_mode": "coupons"}),
        "t1ct:handler.discount_mode: Input should be 'direct_discounts' or 'custom_line_items'",
        id="handler-setting",
    ),
    pytest.param(
        _with(aws__invocation="function_url"),
        "t1ct:auth_token: required with aws.invocation function_url",
        id="url-without-token",
    ),
    pytest.param(
        _with(auth_token="Bearer a,b-0123456789abcdef"),
        "t1ct:auth_token: expected a header value of 16 or more printable characters",
        id="token-with-comma",
    ),
    pytest.param(
        _with(cloud="gcp", auth_token=AUTH_TOKEN),
        "t1ct:auth_token: not used on gcp",
        id="token-on-gcp",
    ),
    pytest.param(
        _with(extension__timeout_ms=20000),
        "t1ct:extension.timeout_ms: Input should be less than or equal to 10000",
        id="timeout",
    ),
    pytest.param(
        _with(extension__triggers={"payment": {}}),
        "t1ct:extension.triggers.payment: not allowed here; Input should be 'cart', 'customer' "
        "or 'order'",
        id="trigger-resource",
    ),
    pytest.param(
        _with(aws__log_retention_days=31),
        "t1ct:aws.log_retention_days: expected one of (1, 3, 5, 7, 14, 30",
        id="retention",
    ),
    pytest.param(
        _with(apps={"eu": {"base_url": "http://acme.talon.one"}}),
        "t1ct:apps.eu.base_url: String should match pattern",
        id="app-url-not-https",
    ),
    pytest.param(_with(name="T1CT_Prod"), "t1ct:name: String should match pattern", id="name"),
]


@pytest.mark.parametrize(("stack", "expected"), MISTAKES)
def test_a_mistake_ends_with_one_line_naming_the_key(load, stack, expected) -> None:
    with pytest.raises(ConfigError) as caught:
        load(stack)

    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message
    assert not any(secret in message for secret in SECRET_VALUES)


def test_config_errors_are_run_errors_so_pulumi_prints_no_traceback() -> None:
    assert issubclass(ConfigError, pulumi.RunError)


def test_a_secret_stored_in_plain_text_is_refused(load) -> None:
    with pytest.raises(ConfigError, match=r"^t1ct:talon_api_keys: stored in plain text; remove it"):
        load(base_config(), plain=("talon_api_keys",))


def test_a_bad_token_is_never_echoed(load) -> None:
    secret_like = "Bearer leaked,value-0123456789"

    with pytest.raises(ConfigError) as caught:
        load(base_config() | {"auth_token": secret_like})

    assert "leaked" not in str(caught.value)


def test_the_handler_section_passes_every_handler_setting_the_program_does_not_set() -> None:
    assert set(HandlerConfig.model_fields) == set(Settings.model_fields) - MANAGED_SETTINGS


def test_every_key_is_documented() -> None:
    rows = config_rows()

    assert [key for key, _, description in rows if not description] == []
    assert {key for key, _, _ in rows} >= {"t1ct:cloud", "t1ct:function.memory_mb", "t1ct:apps"}


def test_config_handed_over_in_environment_variables_is_read_too(monkeypatch) -> None:
    # Some language hosts pass the config and its secret key names only as variables.
    values, secret_keys = as_pulumi_config(base_config())
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(values))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(secret_keys))
    pulumi.runtime.reset_options(project=PROJECT, stack=STACK)
    set_all_config({}, [])
    try:
        config = load_stack_config()
    finally:
        pulumi.runtime.reset_options()

    assert set(config.apps) == {"eu", "us"}
    assert config.commercetools_client_secret.get_secret_value() == CLIENT_SECRET
