"""The commercetools dynamic providers against a real commercetools API (the mock on 127.0.0.1).

The engine is not involved: each test calls the provider's methods the way the engine would,
with plain values (the engine unwraps secrets before handing them to a dynamic provider).
"""

from __future__ import annotations

import asyncio
import copy
import json
import subprocess
import sys
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.runtime import rpc

from handler.custom_types import CART_TYPE_KEY, TYPE_DRAFTS
from infra.commercetools.client import CommercetoolsError
from infra.commercetools.drafts import type_draft
from infra.commercetools.providers import (
    ExtensionProvider,
    ProviderConfigError,
    TypeProvider,
    connection_from_config,
)
from infra.packaging import ROOT
from tools.ctmock import Project

HEADER = "Bearer extension-token-0123456789"


def stack_config(project: Project, **overrides: Any) -> Config:
    commercetools = {
        "project_key": project.key,
        "client_id": "infra-client",
        "api_url": project.base_url,
        "auth_url": project.base_url,
        **overrides,
    }
    raw = {
        "t1ct:commercetools": json.dumps(commercetools),
        "t1ct:commercetools_client_secret": "infra-secret",
    }
    return Config(raw, "t1ct")


class Engine:
    """Calls a provider as the engine does: every value crosses the wire, numbers as floats."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        return self.provider.check(wire(olds), wire(news))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        return self.provider.diff(id_, wire(olds), wire(news))

    def create(self, props: dict[str, Any]) -> Any:
        return self.provider.create(wire(props))

    def read(self, id_: str, props: dict[str, Any]) -> Any:
        return self.provider.read(id_, wire(props))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        return self.provider.update(id_, wire(olds), wire(news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.provider.delete(id_, wire(props))


def wire(props: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.new_event_loop()
    try:
        struct = loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()
    properties: dict[str, Any] = rpc.deserialize_properties(struct)
    return properties


def configured(provider_class: type, project: Project) -> Engine:
    provider = provider_class()
    provider.configure(ConfigureRequest(stack_config(project)))
    return Engine(provider)


def cart_type() -> dict[str, Any]:
    return type_draft(copy.deepcopy(next(d for d in TYPE_DRAFTS if d["key"] == CART_TYPE_KEY)))


def extension_props(**changes: Any) -> dict[str, Any]:
    props = {
        "key": "t1ct-test",
        "destination": {
            "type": "HTTP",
            "url": "https://handler.example/extension",
            "authentication": {"type": "AuthorizationHeader", "headerValue": HEADER},
        },
        "triggers": [
            {"resourceTypeId": "cart", "actions": ["Create", "Update"], "condition": ""},
            {"resourceTypeId": "order", "actions": ["Create"]},
        ],
        "timeoutInMs": 2000,
    }
    return props | changes


def inputs_of(outputs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in outputs.items() if k != "version"}


# Custom types


def test_create_registers_the_type_with_every_field(ct_project) -> None:
    provider = configured(TypeProvider, ct_project)

    created = provider.create(cart_type())

    live = ct_project.get("types", created.id)
    assert live["key"] == CART_TYPE_KEY
    assert [f["name"] for f in live["fieldDefinitions"]] == [
        f["name"] for f in cart_type()["fieldDefinitions"]
    ]
    assert created.outs["version"] == live["version"]


def test_an_unchanged_type_shows_no_diff(ct_project) -> None:
    provider = configured(TypeProvider, ct_project)
    created = provider.create(cart_type())

    assert provider.diff(created.id, created.outs, cart_type()).changes is False


def test_adding_a_field_updates_the_type_in_place(ct_project) -> None:
    provider = configured(TypeProvider, ct_project)
    created = provider.create(cart_type())
    desired = cart_type()
    desired["fieldDefinitions"].append(
        {
            "name": "talon_one_cart_new_field",
            "label": {"en": "New"},
            "required": False,
            "type": {"name": "String"},
            "inputHint": "SingleLine",
        }
    )

    assert provider.diff(created.id, created.outs, desired).changes is not False
    updated = provider.update(created.id, created.outs, desired)

    live = ct_project.get("types", created.id)
    assert live["fieldDefinitions"][-1]["name"] == "talon_one_cart_new_field"
    assert updated.outs["version"] == live["version"] > created.outs["version"]


def test_a_field_type_change_fails_the_preview_naming_the_field(ct_project) -> None:
    provider = configured(TypeProvider, ct_project)
    created = provider.create(cart_type())
    desired = cart_type()
    desired["fieldDefinitions"][0]["type"] = {"name": "Boolean"}

    failures = provider.check(inputs_of(created.outs), desired).failures

    assert [f.property for f in failures] == ["fieldDefinitions"]
    assert failures[0].reason.startswith(
        f"type {CART_TYPE_KEY}, field talon_one_cart_notifications: its type cannot change in "
        "place (String to Boolean)"
    )
    assert ct_project.get("types", created.id)["version"] == created.outs["version"]


def test_an_existing_type_with_the_key_is_adopted_and_completed(ct_project) -> None:
    older = cart_type()
    older["fieldDefinitions"] = older["fieldDefinitions"][:3]
    existing = ct_project.create("types", older)
    provider = configured(TypeProvider, ct_project)

    created = provider.create(cart_type())

    assert created.id == existing["id"]
    live = ct_project.get("types", existing["id"])
    assert len(live["fieldDefinitions"]) == len(cart_type()["fieldDefinitions"])


def test_read_reports_the_live_type_and_a_deleted_one_as_gone(ct_project) -> None:
    provider = configured(TypeProvider, ct_project)
    created = provider.create(cart_type())

    found = provider.read(created.id, created.outs)
    provider.delete(created.id, created.outs)
    gone = provider.read(created.id, created.outs)

    assert found.id == created.id
    assert found.outs["fieldDefinitions"] == cart_type()["fieldDefinitions"]
    assert found.inputs == cart_type()
    assert gone.id == ""


def test_delete_removes_the_type_and_tolerates_it_being_gone(ct_project) -> None:
    provider = configured(TypeProvider, ct_project)
    created = provider.create(cart_type())

    provider.delete(created.id, created.outs)
    provider.delete(created.id, created.outs)

    response = ct_project.http.get(ct_project.url("types", created.id), timeout=30)
    assert response.status_code == 404


# The API extension


def test_create_registers_the_extension_without_an_empty_condition(ct_project) -> None:
    provider = configured(ExtensionProvider, ct_project)
    inputs = provider.check({}, extension_props()).inputs

    created = provider.create(inputs)

    live = ct_project.get("extensions", created.id)
    assert live["key"] == "t1ct-test"
    assert live["timeoutInMs"] == 2000
    assert live["triggers"] == [
        {"resourceTypeId": "cart", "actions": ["Create", "Update"]},
        {"resourceTypeId": "order", "actions": ["Create"]},
    ]
    assert live["destination"]["url"] == "https://handler.example/extension"


def test_outputs_keep_the_credentials_the_api_only_shows_masked(ct_project) -> None:
    provider = configured(ExtensionProvider, ct_project)
    created = provider.create(provider.check({}, extension_props()).inputs)

    live = ct_project.get("extensions", created.id)
    refreshed = provider.read(created.id, created.outs)

    assert live["destination"]["authentication"]["headerValue"] != HEADER
    assert created.outs["destination"]["authentication"]["headerValue"] == HEADER
    assert refreshed.outs["destination"] == created.outs["destination"]
    assert provider.diff(created.id, created.outs, refreshed.inputs).changes is False


def test_an_unchanged_extension_shows_no_diff_and_a_new_token_does(ct_project) -> None:
    provider = configured(ExtensionProvider, ct_project)
    created = provider.create(provider.check({}, extension_props()).inputs)
    rotated = extension_props()
    rotated["destination"] = copy.deepcopy(rotated["destination"])
    rotated["destination"]["authentication"]["headerValue"] = "Bearer rotated-token-0123456789"

    same = provider.diff(created.id, created.outs, provider.check({}, extension_props()).inputs)
    different = provider.diff(created.id, created.outs, provider.check({}, rotated).inputs)

    assert same.changes is False
    assert different.changes is not False
    assert different.replaces == []


def test_an_update_after_a_concurrent_change_retries_with_the_fresh_version(ct_project) -> None:
    provider = configured(ExtensionProvider, ct_project)
    created = provider.create(provider.check({}, extension_props()).inputs)
    # Someone else changes the extension, so the version in state is stale.
    concurrent = ct_project.update(
        "extensions",
        created.id,
        created.outs["version"],
        [{"action": "setTimeoutInMs", "timeoutInMs": 9000}],
    )
    assert concurrent.status_code == 200
    desired = provider.check({}, extension_props(timeoutInMs=3000)).inputs

    updated = provider.update(created.id, created.outs, desired)

    live = ct_project.get("extensions", created.id)
    assert live["timeoutInMs"] == 3000
    assert live["version"] == updated.outs["version"] == concurrent.json()["version"] + 1


def test_changed_triggers_are_sent_as_one_update(ct_project) -> None:
    provider = configured(ExtensionProvider, ct_project)
    created = provider.create(provider.check({}, extension_props()).inputs)
    triggers = [
        {"resourceTypeId": "cart", "actions": ["Update"], "condition": "lineItems is not empty"}
    ]
    desired = provider.check(inputs_of(created.outs), extension_props(triggers=triggers)).inputs

    updated = provider.update(created.id, created.outs, desired)

    live = ct_project.get("extensions", created.id)
    assert live["triggers"] == triggers
    assert updated.outs["version"] == created.outs["version"] + 1


def test_an_existing_extension_with_the_key_is_adopted(ct_project) -> None:
    old = extension_props(timeoutInMs=1000)
    old["destination"] = {"type": "HTTP", "url": "https://old.example/"}
    existing = ct_project.create("extensions", old)
    provider = configured(ExtensionProvider, ct_project)

    created = provider.create(provider.check({}, extension_props()).inputs)

    live = ct_project.get("extensions", existing["id"])
    assert created.id == existing["id"]
    assert live["destination"]["url"] == "https://handler.example/extension"
    assert live["timeoutInMs"] == 2000
    assert len(ct_project.query("extensions")["results"]) == 1


def test_delete_removes_the_extension_and_tolerates_it_being_gone(ct_project) -> None:
    provider = configured(ExtensionProvider, ct_project)
    created = provider.create(provider.check({}, extension_props()).inputs)

    provider.delete(created.id, created.outs)
    provider.delete(created.id, created.outs)

    assert provider.read(created.id, created.outs).id == ""


@pytest.mark.parametrize(
    ("changes", "property_"),
    [
        ({"timeoutInMs": 20000}, "timeoutInMs"),
        ({"triggers": []}, "triggers"),
        ({"triggers": [{"resourceTypeId": "payment", "actions": ["Create"]}]}, "triggers"),
    ],
    ids=["timeout", "no-triggers", "unsupported-resource"],
)
def test_check_refuses_what_commercetools_or_the_handler_cannot_take(changes, property_) -> None:
    failures = Engine(ExtensionProvider()).check({}, extension_props(**changes)).failures

    assert [failure.property for failure in failures] == [property_]


def test_updating_an_extension_deleted_meanwhile_fails_naming_the_request(ct_project) -> None:
    provider = configured(ExtensionProvider, ct_project)
    created = provider.create(provider.check({}, extension_props()).inputs)
    ct_project.delete("extensions", created.id, created.outs["version"])
    desired = provider.check({}, extension_props(timeoutInMs=3000)).inputs

    with pytest.raises(CommercetoolsError) as caught:
        provider.update(created.id, created.outs, desired)

    assert caught.value.status == 404
    assert str(caught.value).startswith(f"commercetools POST extensions/{created.id}: 404")


# Connection and serialization


def test_the_connection_comes_from_stack_config_with_the_secret_kept_out_of_repr(
    ct_project,
) -> None:
    connection = connection_from_config(stack_config(ct_project, scopes=["manage_types:x"]))

    assert connection.api_url == ct_project.base_url
    assert connection.token_url == f"{ct_project.base_url}/oauth/token"
    assert connection.scopes == ("manage_types:x",)
    assert "infra-secret" not in repr(connection)


def test_a_missing_connection_is_one_clear_error() -> None:
    with pytest.raises(
        ProviderConfigError, match="t1ct:commercetools and t1ct:commercetools_client_secret"
    ):
        connection_from_config(Config({}, "t1ct"))


def test_the_provider_process_can_load_the_providers_from_the_project_root() -> None:
    # The engine starts `python -m pulumi.dynamic` in the project folder and unpickles from there.
    script = (
        "import base64, sys, dill\n"
        "from pulumi.dynamic.dynamic import serialize_provider\n"
        "from infra.commercetools.providers import ExtensionProvider, TypeProvider\n"
        "for cls in (TypeProvider, ExtensionProvider):\n"
        "    blob = serialize_provider(cls())\n"
        "    print(type(dill.loads(base64.b64decode(blob))).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )

    assert result.stdout.split() == ["TypeProvider", "ExtensionProvider"]
