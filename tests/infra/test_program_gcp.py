"""The program on Google Cloud, run offline: resources, invoker, secrets, outputs."""

from __future__ import annotations

import json

import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from infra.loader import ConfigError
from infra.offline import OfflineRun

from .stacks import API_KEYS, SECRET_VALUES, base_config, deploy

COMPONENT = "t1ct:gcp:Handler"
FUNCTION = "gcp:cloudfunctionsv2/function:Function"
EXTENSION = "pulumi-python:dynamic/commercetools:ApiExtension"
COMMERCETOOLS_ACCOUNT = "serviceAccount:extensions@commercetools-platform.iam.gserviceaccount.com"

GCP_TYPES = {
    "gcp:serviceaccount/account:Account",
    "gcp:storage/bucket:Bucket",
    "gcp:storage/bucketObject:BucketObject",
    "gcp:secretmanager/secret:Secret",
    "gcp:secretmanager/secretVersion:SecretVersion",
    "gcp:secretmanager/secretIamMember:SecretIamMember",
    FUNCTION,
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
}


@pytest.fixture(scope="module")
def gcp() -> OfflineRun:
    return deploy(base_config("gcp"))


def test_gcp_deploys_one_component_with_the_function_and_its_secret(gcp) -> None:
    component = gcp.one(COMPONENT)
    children = [reg for reg in gcp.registrations if reg.parent == component.urn]

    assert {reg.type for reg in children} == GCP_TYPES
    assert len(children) == len(GCP_TYPES)
    assert not [reg for reg in gcp.registrations if reg.type.startswith("aws:")]


def test_the_function_is_gen2_on_a_current_python_with_the_generated_entry_point(gcp) -> None:
    function = gcp.one(FUNCTION).inputs

    assert function["location"] == "europe-west1"
    assert function["buildConfig"]["runtime"] == "python313"
    assert function["buildConfig"]["entryPoint"] == "handle"
    service = function["serviceConfig"]
    assert service["availableMemory"] == "256M"
    assert service["timeoutSeconds"] == 10
    assert (service["minInstanceCount"], service["maxInstanceCount"]) == (0, 20)
    assert service["serviceAccountEmail"].startswith("t1ct-dev-fn@")


def test_the_source_object_is_named_by_the_archive_hash(gcp) -> None:
    source = gcp.one("gcp:storage/bucketObject:BucketObject").inputs
    storage = gcp.one(FUNCTION).inputs["buildConfig"]["source"]["storageSource"]
    bucket = gcp.one("gcp:storage/bucket:Bucket").inputs

    assert source["name"].startswith("handler-")
    assert source["name"].endswith(".zip")
    assert storage["object"] == source["name"]
    assert storage["bucket"] == source["bucket"]
    assert bucket["publicAccessPrevention"] == "enforced"
    assert bucket["uniformBucketLevelAccess"] is True


def test_apps_are_a_secret_environment_variable_pinned_to_a_version(gcp) -> None:
    service = gcp.one(FUNCTION).inputs["serviceConfig"]
    version = gcp.one("gcp:secretmanager/secretVersion:SecretVersion").inputs

    assert service["secretEnvironmentVariables"] == [
        {
            "key": "T1CT_APPS",
            "projectId": "offline-project",
            "secret": "t1ct-dev-apps",
            "version": "1",
        }
    ]
    assert is_rpc_secret(version["secretData"])
    apps = json.loads(unwrap_rpc_secret(version["secretData"]))
    assert {name: app["api_key"] for name, app in apps.items()} == API_KEYS


def test_plain_settings_are_environment_variables_without_secrets(gcp) -> None:
    variables = gcp.one(FUNCTION).inputs["serviceConfig"]["environmentVariables"]

    assert variables["T1CT_CART_TYPE_ID"] == "talon_one_cart_metadata-id"
    assert variables["T1CT_EXTENSION_TIMEOUT_MS"] == "2000"
    assert "T1CT_SECRET_ARN" not in variables
    assert "T1CT_AUTH_TOKENS" not in variables
    assert not any(secret in json.dumps(variables) for secret in SECRET_VALUES)


def test_only_the_runtime_account_reads_the_secret(gcp) -> None:
    members = gcp.of_type("gcp:secretmanager/secretIamMember:SecretIamMember")

    assert [(m.inputs["role"], m.inputs["member"]) for m in members] == [
        (
            "roles/secretmanager.secretAccessor",
            "serviceAccount:t1ct-dev-fn@offline-project.iam.gserviceaccount.com",
        )
    ]
    assert members[0].inputs["secretId"].endswith("/secrets/t1ct-dev-apps")


def test_only_commercetools_may_invoke_and_nobody_unauthenticated(gcp) -> None:
    invoker = gcp.one("gcp:cloudrunv2/serviceIamMember:ServiceIamMember").inputs

    assert (invoker["role"], invoker["member"], invoker["name"]) == (
        "roles/run.invoker",
        COMMERCETOOLS_ACCOUNT,
        "t1ct-dev",
    )
    members = [reg.inputs.get("member", "") for reg in gcp.registrations]
    assert not any(member in {"allUsers", "allAuthenticatedUsers"} for member in members)


def test_the_extension_calls_the_function_as_a_google_cloud_function(gcp) -> None:
    extension = gcp.one(EXTENSION).inputs

    assert extension["destination"] == {
        "type": "GoogleCloudFunction",
        "url": "https://t1ct-dev-0a1b2c3d4e-ew.a.run.app",
    }


def test_gcp_outputs_name_the_function_by_url(gcp) -> None:
    outputs = {name: output.value for name, output in gcp.outputs.items()}

    assert outputs == {
        "cloud": "gcp",
        "function_name": "t1ct-dev",
        "function_url": "https://t1ct-dev-0a1b2c3d4e-ew.a.run.app",
        "extension_key": "t1ct-dev",
        "extension_id": "t1ct-dev-extension-id",
        "type_keys": [
            "talon_one_cart_metadata",
            "talon_one_customer_metadata",
            "talon_one_line_item_metadata",
        ],
    }
    assert not any(output.secret for output in gcp.outputs.values())


@pytest.mark.parametrize("missing", ["gcp:region", "gcp:project"])
def test_a_gcp_stack_needs_the_provider_project_and_region(missing) -> None:
    stack = base_config("gcp")
    del stack[missing]

    with pytest.raises(ConfigError, match=rf"^{missing}: required with cloud gcp"):
        deploy(stack)
