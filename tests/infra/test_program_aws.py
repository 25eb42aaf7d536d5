"""The program on AWS, run offline: resources, least privilege, secrets, outputs."""

from __future__ import annotations

import base64
import json
from typing import Any

import dill
import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from infra.offline import OfflineRun, Registration

from .stacks import (
    API_KEYS,
    AUTH_TOKEN,
    CLIENT_SECRET,
    PREVIOUS_TOKEN,
    SECRET_VALUES,
    base_config,
    deploy,
)

COMPONENT = "t1ct:aws:Handler"
FUNCTION = "aws:lambda/function:Function"
EXTENSION = "pulumi-python:dynamic/commercetools:ApiExtension"
CUSTOM_TYPE = "pulumi-python:dynamic/commercetools:Type"

LAMBDA_MODE_TYPES = {
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:secretsmanager/secret:Secret",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    FUNCTION,
    "aws:iam/user:User",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/accessKey:AccessKey",
}
URL_MODE_TYPES = {
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:secretsmanager/secret:Secret",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    FUNCTION,
    "aws:lambda/functionUrl:FunctionUrl",
    "aws:lambda/permission:Permission",
}


@pytest.fixture(scope="module")
def lambda_mode() -> OfflineRun:
    return deploy(base_config())


@pytest.fixture(scope="module")
def url_mode() -> OfflineRun:
    stack = base_config() | {"auth_token": AUTH_TOKEN, "previous_auth_token": PREVIOUS_TOKEN}
    stack["aws"] = {"invocation": "function_url"}
    return deploy(stack)


def test_lambda_mode_deploys_the_function_an_invoker_user_types_and_extension(lambda_mode) -> None:
    component = lambda_mode.one(COMPONENT)
    children = [reg for reg in lambda_mode.registrations if reg.parent == component.urn]

    assert {reg.type for reg in children} == LAMBDA_MODE_TYPES
    assert len(children) == len(LAMBDA_MODE_TYPES)
    assert sorted(reg.inputs["key"] for reg in lambda_mode.of_type(CUSTOM_TYPE)) == [
        "talon_one_cart_metadata",
        "talon_one_customer_metadata",
        "talon_one_line_item_metadata",
    ]
    assert lambda_mode.one(EXTENSION).inputs["key"] == "t1ct-dev"


def test_function_url_mode_has_a_public_url_and_no_invoker_user(url_mode) -> None:
    component = url_mode.one(COMPONENT)
    children = [reg for reg in url_mode.registrations if reg.parent == component.urn]

    assert {reg.type for reg in children} == URL_MODE_TYPES
    permissions = {
        (
            reg.inputs["action"],
            reg.inputs.get("functionUrlAuthType"),
            reg.inputs.get("invokedViaFunctionUrl"),
        )
        for reg in url_mode.of_type("aws:lambda/permission:Permission")
    }
    assert permissions == {
        ("lambda:InvokeFunctionUrl", "NONE", None),
        ("lambda:InvokeFunction", None, True),
    }


def test_the_function_runs_the_handler_on_a_current_python(lambda_mode) -> None:
    function = lambda_mode.one(FUNCTION).inputs

    assert function["runtime"] == "python3.13"
    assert function["architectures"] == ["arm64"]
    assert function["handler"] == "handler.aws.handle"
    assert function["memorySize"] == 256
    assert function["timeout"] == 10
    assert "reservedConcurrentExecutions" not in function
    assert function["loggingConfig"]["logGroup"] == "/aws/lambda/t1ct-dev"


def test_memory_timeout_architecture_and_concurrency_come_from_config() -> None:
    stack = base_config()
    stack["function"] = {"memory_mb": 512, "timeout_s": 5, "python_version": "3.12"}
    stack["aws"] = {"architecture": "x86_64", "reserved_concurrency": 7, "log_retention_days": 90}

    run = deploy(stack)
    function = run.one(FUNCTION).inputs

    assert (function["memorySize"], function["timeout"]) == (512, 5)
    assert function["runtime"] == "python3.12"
    assert function["architectures"] == ["x86_64"]
    assert function["reservedConcurrentExecutions"] == 7
    assert run.one("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 90


def test_the_environment_names_the_secret_and_cart_type_and_holds_no_secret(lambda_mode) -> None:
    variables = lambda_mode.one(FUNCTION).inputs["environment"]["variables"]
    secret = lambda_mode.one("aws:secretsmanager/secret:Secret")
    cart_type = next(
        reg for reg in lambda_mode.of_type(CUSTOM_TYPE) if reg.name == "talon_one_cart_metadata"
    )

    assert variables["T1CT_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
    assert variables["T1CT_SECRET_ARN"].endswith(f"secret:{secret.name}-Ab12Cd")
    assert variables["T1CT_CART_TYPE_ID"] == f"{cart_type.name}-id"
    assert variables["T1CT_EXTENSION_TIMEOUT_MS"] == "2000"
    assert json.loads(variables["T1CT_ROUTING"])["apps"] == {"EUR": "eu", "USD": "us"}
    assert "T1CT_APPS" not in variables
    assert not _mentions_secret(variables)


def test_the_secret_holds_apps_and_tokens_as_the_handler_reads_them(url_mode) -> None:
    secret_string = url_mode.one("aws:secretsmanager/secretVersion:SecretVersion").inputs[
        "secretString"
    ]

    assert is_rpc_secret(secret_string)
    settings = json.loads(unwrap_rpc_secret(secret_string))
    assert set(settings) == {"T1CT_APPS", "T1CT_AUTH_TOKENS"}
    assert json.loads(settings["T1CT_APPS"])["eu"] == {
        "base_url": "https://acme.europe-west1.talon.one",
        "api_key": API_KEYS["eu"],
    }
    assert settings["T1CT_AUTH_TOKENS"] == f"{AUTH_TOKEN},{PREVIOUS_TOKEN}"


def test_the_runtime_role_may_only_write_its_logs_and_read_its_secret(lambda_mode) -> None:
    policy = json.loads(lambda_mode.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    log_group = lambda_mode.one("aws:cloudwatch/logGroup:LogGroup")
    secret_arn = lambda_mode.one("aws:secretsmanager/secret:Secret")

    grants = {
        (stmt["Sid"], json.dumps(stmt["Action"]), stmt["Resource"]) for stmt in policy["Statement"]
    }
    log_group_arn = f"arn:aws:logs:eu-central-1:123456789012:log-group:{log_group.inputs['name']}"
    assert grants == {
        ("WriteOwnLogs", '["logs:CreateLogStream", "logs:PutLogEvents"]', f"{log_group_arn}:*"),
        ("ReadOwnSecret", '"secretsmanager:GetSecretValue"', _secret_arn(lambda_mode, secret_arn)),
    }
    trust = json.loads(lambda_mode.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_commercetools_user_may_only_invoke_this_function(lambda_mode) -> None:
    policy = json.loads(lambda_mode.one("aws:iam/userPolicy:UserPolicy").inputs["policy"])
    function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:t1ct-dev"

    assert [(s["Effect"], s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        ("Allow", "lambda:InvokeFunction", function_arn)
    ]


@pytest.mark.parametrize("mode", ["lambda_mode", "url_mode"])
def test_no_policy_grants_wildcard_actions_or_resources(mode, request) -> None:
    run: OfflineRun = request.getfixturevalue(mode)
    policies = [
        json.loads(reg.inputs[field])
        for reg in run.registrations
        for field in ("policy", "assumeRolePolicy")
        if reg.type.startswith("aws:iam/") and field in reg.inputs
    ]

    assert len(policies) == (3 if mode == "lambda_mode" else 2)
    for statement in (s for policy in policies for s in policy["Statement"]):
        actions = _as_list(statement["Action"])
        resources = _as_list(statement.get("Resource", []))
        assert not any("*" in action for action in actions), statement
        assert all(resource.startswith("arn:aws:") for resource in resources), statement
        # The only pattern: the streams inside the function's own log group.
        assert all(
            r.count("*") == 0 or r.endswith(":log-group:/aws/lambda/t1ct-dev:*") for r in resources
        )


def test_the_extension_destination_is_secret_in_inputs_and_state(lambda_mode) -> None:
    extension = lambda_mode.one(EXTENSION)

    assert is_rpc_secret(extension.inputs["destination"])
    assert "destination" in extension.secret_outputs
    destination = unwrap_rpc_secret(extension.inputs["destination"])
    assert destination == {
        "type": "AWSLambda",
        "arn": "arn:aws:lambda:eu-central-1:123456789012:function:t1ct-dev",
        "accessKey": "AKIAOFFLINEEXAMPLE01",
        "accessSecret": "offline-secret-access-key",
    }
    assert extension.inputs["timeoutInMs"] == 2000
    assert all("condition" not in trigger for trigger in extension.inputs["triggers"])


def test_the_url_destination_sends_the_current_token(url_mode) -> None:
    destination = unwrap_rpc_secret(url_mode.one(EXTENSION).inputs["destination"])

    assert destination["type"] == "HTTP"
    assert destination["url"].endswith(".lambda-url.eu-central-1.on.aws/")
    assert destination["authentication"] == {
        "type": "AuthorizationHeader",
        "headerValue": AUTH_TOKEN,
    }


def test_a_trigger_condition_is_passed_and_an_empty_one_left_out() -> None:
    stack = base_config()
    stack["extension"] = {
        "timeout_ms": 4000,
        "triggers": {
            "cart": {"actions": ["Update"], "condition": 'country = "DE"'},
            "order": {"actions": ["Create"], "condition": "  "},
        },
    }

    extension = deploy(stack).one(EXTENSION).inputs

    assert extension["timeoutInMs"] == 4000
    assert extension["triggers"] == [
        {"resourceTypeId": "cart", "actions": ["Update"], "condition": 'country = "DE"'},
        {"resourceTypeId": "order", "actions": ["Create"]},
    ]


def test_stack_outputs_name_the_function_extension_and_types(lambda_mode) -> None:
    outputs = lambda_mode.outputs

    assert set(outputs) == {
        "cloud",
        "function_name",
        "function_arn",
        "invoker_access_key_id",
        "extension_key",
        "extension_id",
        "type_keys",
    }
    assert outputs["function_arn"].value.endswith(":function:t1ct-dev")
    assert outputs["invoker_access_key_id"].secret
    assert outputs["extension_id"].value == "t1ct-dev-extension-id"
    assert outputs["type_keys"].value == [
        "talon_one_cart_metadata",
        "talon_one_customer_metadata",
        "talon_one_line_item_metadata",
    ]


@pytest.mark.parametrize("mode", ["lambda_mode", "url_mode"])
def test_no_secret_appears_in_a_plain_output_or_plain_input(mode, request) -> None:
    run: OfflineRun = request.getfixturevalue(mode)

    plain_outputs = [output.value for output in run.outputs.values() if not output.secret]
    assert not _mentions_secret(plain_outputs)
    for reg in run.registrations:
        assert not _mentions_secret(_plain_parts(reg.inputs)), reg.name


def test_provider_blobs_name_their_class_and_carry_no_credentials(lambda_mode) -> None:
    for reg in [*lambda_mode.of_type(CUSTOM_TYPE), lambda_mode.one(EXTENSION)]:
        blob = base64.b64decode(unwrap_rpc_secret(reg.inputs["__provider"]))

        assert len(blob) < 300, "the provider class must be pickled by reference"
        assert b"infra.commercetools.providers" in blob
        assert not any(secret.encode() in blob for secret in SECRET_VALUES)
        assert type(dill.loads(blob)).__name__ in {"TypeProvider", "ExtensionProvider"}


def _secret_arn(run: OfflineRun, secret: Registration) -> str:
    arn: str = run.one(FUNCTION).inputs["environment"]["variables"]["T1CT_SECRET_ARN"]
    return arn


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _plain_parts(value: Any) -> Any:
    """``value`` with every secret-wrapped part removed."""
    if is_rpc_secret(value):
        return None
    if isinstance(value, dict):
        return {key: _plain_parts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_parts(item) for item in value]
    return value


def _mentions_secret(value: Any) -> bool:
    text = json.dumps(value, default=str)
    return any(
        secret in text for secret in (*SECRET_VALUES, CLIENT_SECRET, "offline-secret-access-key")
    )
