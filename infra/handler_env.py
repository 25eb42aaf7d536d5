"""The handler's settings as environment variables, named ``T1CT_<FIELD>`` like handler.settings.

Plain settings become function environment variables. The secret ones (``T1CT_APPS``,
``T1CT_AUTH_TOKENS``) are returned as plain text here; the program wraps them as secrets at once
and stores them in the cloud's secret manager.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from handler.settings import ENV_PREFIX
from infra.config import StackConfig

APPS = f"{ENV_PREFIX}APPS"
AUTH_TOKENS = f"{ENV_PREFIX}AUTH_TOKENS"
SECRET_ARN = f"{ENV_PREFIX}SECRET_ARN"
# Not a handler setting (no T1CT_ prefix): it only changes when the secret gets a new version.
SECRET_VERSION = "HANDLER_SECRET_VERSION"
CART_TYPE_ID = f"{ENV_PREFIX}CART_TYPE_ID"
CUSTOMER_TYPE_ID = f"{ENV_PREFIX}CUSTOMER_TYPE_ID"
EXTENSION_TIMEOUT_MS = f"{ENV_PREFIX}EXTENSION_TIMEOUT_MS"


def plain_settings(config: StackConfig) -> dict[str, str]:
    """Variables from the stack config; ones a shop did not set keep the handler's default."""
    environment = {EXTENSION_TIMEOUT_MS: str(config.extension.timeout_ms)}

    handler: Any = config.handler  # a model built from the handler's settings at import
    for name in sorted(handler.model_fields_set):
        value = getattr(handler, name)
        if value is not None:
            environment[f"{ENV_PREFIX}{name.upper()}"] = _as_text(value)
    return environment


def apps_json(config: StackConfig) -> str:
    """``T1CT_APPS``: every app with its base URL and API key."""
    apps = {
        name: {
            "base_url": app.base_url,
            "api_key": config.talon_api_keys[name].get_secret_value(),
            **({"currency": app.currency} if app.currency else {}),
        }
        for name, app in sorted(config.apps.items())
    }
    return json.dumps(apps, separators=(",", ":"), sort_keys=True)


def auth_tokens_text(config: StackConfig) -> str:
    """``T1CT_AUTH_TOKENS``: accepted Authorization header values, current first; may be empty."""
    return ",".join(config.auth_tokens)


def _as_text(value: Any) -> str:
    if isinstance(value, BaseModel):
        return json.dumps(value.model_dump(mode="json"), separators=(",", ":"), sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return ",".join(str(item) for item in value)
    return str(value)
