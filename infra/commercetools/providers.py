"""Pulumi dynamic providers for commercetools custom types and the API extension.

The engine runs these in a separate Python process that imports this module by name, so it stays
importable from the project root and light at import time. Provider instances hold no credentials
when pickled into state: ``configure`` reads the connection from the stack config in the provider
process (``t1ct:commercetools`` and the secret ``t1ct:commercetools_client_secret``), and every
method builds its client from it.

Both resources adopt an existing resource with the same key instead of failing, update in place
with the version state recorded (re-planning from the live resource after a 409), and treat a
resource deleted outside Pulumi as gone.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime.rpc import UNKNOWN
from pydantic import ValidationError

from infra.commercetools.client import (
    CommercetoolsClient,
    CommercetoolsError,
    Connection,
    apply_update,
)
from infra.commercetools.diff import extension_update_actions, type_problems, type_update_actions
from infra.commercetools.drafts import (
    extension_draft,
    public_destination,
    type_draft,
    whole_number,
)
from infra.config import MAX_TIMEOUT_MS, MIN_TIMEOUT_MS, PROJECT, CommercetoolsConfig

TYPES = "types"
EXTENSIONS = "extensions"
TRIGGER_RESOURCES = frozenset({"cart", "customer", "order"})


class ProviderConfigError(RuntimeError):
    """The stack config does not say how to reach commercetools."""


def connection_from_config(config: Any) -> Connection:
    """The commercetools connection from stack config (a dynamic provider's ``req.config``)."""
    raw = config.get("commercetools")
    secret = config.get("commercetools_client_secret")
    if raw is None or not secret:
        raise ProviderConfigError(
            f"{PROJECT}:commercetools and {PROJECT}:commercetools_client_secret must be set "
            "(Pulumi CLI 3.139 or newer passes them to the commercetools provider)"
        )
    try:
        settings = CommercetoolsConfig.model_validate(
            json.loads(raw) if isinstance(raw, str) else raw
        )
    except (ValueError, ValidationError) as exc:
        raise ProviderConfigError(f"{PROJECT}:commercetools: {str(exc).splitlines()[0]}") from None
    return Connection(
        project_key=settings.project_key,
        api_url=settings.api_base,
        token_url=settings.token_url,
        client_id=settings.client_id,
        client_secret=str(secret),
        scopes=settings.scopes,
    )


class _CommercetoolsProvider(ResourceProvider):
    _connection: Connection | None = None

    def configure(self, req: ConfigureRequest) -> None:
        self._connection = connection_from_config(req.config)

    def _client(self) -> CommercetoolsClient:
        if self._connection is None:
            raise ProviderConfigError(
                "the commercetools provider was used before it was configured"
            )
        return CommercetoolsClient(self._connection)


class TypeProvider(_CommercetoolsProvider):
    """A commercetools custom type, changed only in ways that keep the data it holds."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # Fail the preview, naming the field, before anything tries to change it.
        problems = type_problems(type_draft(olds), type_draft(news)) if olds else []
        failures = [CheckFailure("fieldDefinitions", problem) for problem in problems]
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        actions = type_update_actions(type_draft(olds), type_draft(news))
        # Unknown lets the engine show its own per-property diff in `pulumi preview --diff`.
        return DiffResult(changes=None if actions else False, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self._client()
        desired = type_draft(props)

        existing = client.get_by_key(TYPES, desired["key"])
        if existing is None:
            live = client.create(TYPES, desired)
        else:
            live = self._converge(client, existing, desired)
        return CreateResult(live["id"], _type_outputs(live))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        live = self._client().get(TYPES, id_)
        if live is None:
            return ReadResult("", {})
        outputs = _type_outputs(live)
        return ReadResult(id_, outputs, inputs=type_draft(outputs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self._client()
        recorded = {**type_draft(olds), "id": id_, "version": whole_number(olds["version"])}
        return UpdateResult(_type_outputs(self._converge(client, recorded, type_draft(news))))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self._client().delete(TYPES, id_, whole_number(props["version"]))
        except CommercetoolsError as exc:
            if exc.code == "ReferenceExists":
                raise CommercetoolsError(
                    f"type {props.get('key')} is still used by carts, orders or customers and "
                    "stays in commercetools; remove its custom fields from them first, or drop it "
                    "from the stack with `pulumi state delete`",
                    exc.status,
                    exc.code,
                ) from None
            raise

    @staticmethod
    def _converge(
        client: CommercetoolsClient, current: dict[str, Any], desired: dict[str, Any]
    ) -> dict[str, Any]:
        actions = type_update_actions(type_draft(current), desired)
        return apply_update(
            client, TYPES, current, actions, lambda live: type_update_actions(live, desired)
        )


class ExtensionProvider(_CommercetoolsProvider):
    """The commercetools API extension that calls the handler."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = dict(news)
        failures = []

        timeout = whole_number(news.get("timeoutInMs"))
        inputs["timeoutInMs"] = timeout
        if timeout != UNKNOWN and not (
            isinstance(timeout, int) and MIN_TIMEOUT_MS <= timeout <= MAX_TIMEOUT_MS
        ):
            reason = f"expected an integer from {MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS}"
            failures.append(CheckFailure("timeoutInMs", reason))

        triggers = news.get("triggers")
        if triggers != UNKNOWN:
            resources = [trigger.get("resourceTypeId") for trigger in triggers or []]
            if not resources or not set(resources) <= TRIGGER_RESOURCES:
                reason = f"expected one or more triggers on {sorted(TRIGGER_RESOURCES)}"
                failures.append(CheckFailure("triggers", reason))
            else:
                inputs["triggers"] = extension_draft(news)["triggers"]
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if _has_unknown(news):
            return DiffResult(changes=None, replaces=[])
        actions = extension_update_actions(
            extension_draft(olds),
            extension_draft(news),
            destination_changed=olds.get("destination") != news.get("destination"),
        )
        return DiffResult(changes=None if actions else False, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self._client()
        desired = extension_draft(props)

        existing = client.get_by_key(EXTENSIONS, desired["key"])
        if existing is None:
            live = client.create(EXTENSIONS, desired)
        else:
            # Its credentials cannot be read back, so they are always set again.
            live = self._converge(client, existing, desired, destination_changed=True)
        return CreateResult(live["id"], {**desired, "version": live["version"]})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        live = self._client().get(EXTENSIONS, id_)
        if live is None:
            return ReadResult("", {})

        found = extension_draft(live)
        # Credentials come back masked: keep the recorded ones while the rest still matches.
        recorded = props.get("destination")
        if public_destination(recorded) == public_destination(found.get("destination")):
            found["destination"] = recorded
        return ReadResult(id_, {**found, "version": live["version"]}, inputs=found)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self._client()
        desired = extension_draft(news)
        recorded = {**extension_draft(olds), "id": id_, "version": whole_number(olds["version"])}
        changed = olds.get("destination") != news.get("destination")
        live = self._converge(client, recorded, desired, destination_changed=changed)
        return UpdateResult({**desired, "version": live["version"]})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._client().delete(EXTENSIONS, id_, whole_number(props["version"]))

    @staticmethod
    def _converge(
        client: CommercetoolsClient,
        current: dict[str, Any],
        desired: dict[str, Any],
        *,
        destination_changed: bool,
    ) -> dict[str, Any]:
        def plan(resource: dict[str, Any]) -> list[dict[str, Any]]:
            return extension_update_actions(
                extension_draft(resource), desired, destination_changed=destination_changed
            )

        return apply_update(client, EXTENSIONS, current, plan(current), plan)


class CustomType(Resource, module="commercetools", name="Type"):
    """A custom type from a TypeDraft (``handler.custom_types.TYPE_DRAFTS``)."""

    key: pulumi.Output[str]
    fieldDefinitions: pulumi.Output[list[dict[str, Any]]]  # noqa: N815 (commercetools' name)
    version: pulumi.Output[int]

    def __init__(
        self, name: str, draft: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TypeProvider(), name, {**type_draft(draft), "version": None}, opts)


class ApiExtension(Resource, module="commercetools", name="ApiExtension"):
    """The API extension; its destination (with credentials) stays secret in state."""

    key: pulumi.Output[str]
    destination: pulumi.Output[dict[str, Any]]
    version: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        *,
        key: str,
        destination: pulumi.Input[dict[str, Any]],
        triggers: list[dict[str, Any]],
        timeout_ms: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "key": key,
            "destination": destination,
            "triggers": triggers,
            "timeoutInMs": timeout_ms,
            "version": None,
        }
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=["destination"])
        super().__init__(
            ExtensionProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret_outputs)
        )


def _type_outputs(live: dict[str, Any]) -> dict[str, Any]:
    return {**type_draft(live), "version": live["version"]}


def _has_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_has_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_unknown(item) for item in value)
    return False
