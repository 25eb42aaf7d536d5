"""The Pulumi program: what one stack deploys, read top to bottom.

1. The stack config, checked before anything else.
2. The commercetools custom types, so the handler can be told its cart type's id.
3. The handler's archive and the handler itself on AWS or GCP, with its secrets.
4. The API extension that makes commercetools call it.
5. The stack outputs.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import pulumi

from handler.custom_types import CART_TYPE_KEY, CUSTOMER_TYPE_KEY, TYPE_DRAFTS
from infra import handler_env
from infra.commercetools.drafts import canonical_triggers
from infra.commercetools.providers import ApiExtension, CustomType
from infra.config import StackConfig
from infra.loader import GcpTarget, load_gcp_target, load_stack_config
from infra.packaging import Archive, PackagingError, Target, build_archive


def run() -> None:
    config = load_stack_config()
    gcp_target = load_gcp_target() if config.cloud == "gcp" else None

    types = {draft["key"]: CustomType(draft["key"], draft) for draft in TYPE_DRAFTS}
    environment: dict[str, pulumi.Input[str]] = {
        **handler_env.plain_settings(config),
        handler_env.CART_TYPE_ID: types[CART_TYPE_KEY].id,
        handler_env.CUSTOMER_TYPE_ID: types[CUSTOMER_TYPE_KEY].id,
    }

    backend = _deploy_handler(config, environment, gcp_target)

    extension = ApiExtension(
        f"{config.name}-extension",
        key=config.extension_key,
        destination=backend.destination,
        triggers=_triggers(config),
        timeout_ms=config.extension.timeout_ms,
    )

    pulumi.export("cloud", config.cloud)
    pulumi.export("function_name", backend.function_name)
    # Outputs only one cloud or invocation mode has (README's "Stack outputs").
    for name in ("function_arn", "function_url", "invoker_access_key_id"):
        value = getattr(backend, name, None)
        if value is not None:
            pulumi.export(name, value)
    pulumi.export("extension_key", extension.key)
    pulumi.export("extension_id", extension.id)
    pulumi.export("type_keys", sorted(types))


class HandlerDeployment(Protocol):
    """What the program needs from either cloud's component."""

    function_name: pulumi.Output[str]
    destination: pulumi.Output[dict[str, Any]]


def _deploy_handler(
    config: StackConfig,
    environment: dict[str, pulumi.Input[str]],
    gcp_target: GcpTarget | None,
) -> HandlerDeployment:
    # Imported here: each cloud's SDK takes seconds to load and only one is needed.
    if gcp_target is None:
        from infra.aws import AwsHandler, AwsHandlerArgs

        target = Target("aws", config.function.python_version, config.aws.architecture)
        secrets = {
            handler_env.APPS: handler_env.apps_json(config),
            handler_env.AUTH_TOKENS: handler_env.auth_tokens_text(config),
        }
        auth_token = config.auth_token
        return AwsHandler(
            config.name,
            AwsHandlerArgs(
                function=config.function,
                aws=config.aws,
                archive=_archive(target),
                environment=environment,
                secret_settings=pulumi.Output.secret(json.dumps(secrets, sort_keys=True)),
                auth_token=(
                    pulumi.Output.secret(auth_token.get_secret_value()) if auth_token else None
                ),
            ),
        )

    from infra.gcp import GcpHandler, GcpHandlerArgs

    target = Target("gcp", config.function.python_version)
    return GcpHandler(
        config.name,
        GcpHandlerArgs(
            function=config.function,
            gcp=config.gcp,
            target=gcp_target,
            archive=_archive(target),
            environment=environment,
            # Google IAM authenticates commercetools, so no auth tokens are bound on GCP.
            secret_settings={handler_env.APPS: pulumi.Output.secret(handler_env.apps_json(config))},
        ),
    )


def _archive(target: Target) -> Archive:
    try:
        return build_archive(target)
    except PackagingError as exc:
        raise pulumi.RunError(f"packaging the handler: {exc}") from None


def _triggers(config: StackConfig) -> list[dict[str, Any]]:
    return canonical_triggers(
        [
            {
                "resourceTypeId": resource,
                "actions": list(trigger.actions),
                "condition": trigger.condition,
            }
            for resource, trigger in config.extension.triggers.items()
        ]
    )
