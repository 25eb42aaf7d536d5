"""Stack configs for the Pulumi program's tests, and running the program on them offline."""

from __future__ import annotations

import json
from typing import Any

from infra import program
from infra.config import PROJECT
from infra.offline import OfflineRun, run_offline

STACK = "dev"
CLIENT_SECRET = "ct-client-secret-value"
API_KEYS = {"eu": "talon-key-eu-value", "us": "talon-key-us-value"}
AUTH_TOKEN = "Bearer current-token-value-0123456789"
PREVIOUS_TOKEN = "Bearer previous-token-value-0123456789"
SECRET_VALUES = (CLIENT_SECRET, *API_KEYS.values(), AUTH_TOKEN, PREVIOUS_TOKEN)

Config = dict[str, Any]


def base_config(cloud: str = "aws") -> Config:
    """A complete stack config in its YAML form (maps as dicts), secrets included."""
    config: Config = {
        "cloud": cloud,
        "commercetools": {"project_key": "my-shop", "client_id": "client-id"},
        "commercetools_client_secret": CLIENT_SECRET,
        "apps": {
            "eu": {"base_url": "https://acme.europe-west1.talon.one"},
            "us": {"base_url": "https://acme.us-east1.talon.one"},
        },
        "talon_api_keys": dict(API_KEYS),
        "handler": {"routing": {"by": "currency", "apps": {"EUR": "eu", "USD": "us"}}},
    }
    if cloud == "gcp":
        config["gcp:project"] = "my-project"
        config["gcp:region"] = "europe-west1"
    else:
        config["aws:region"] = "eu-central-1"
    return config


def as_pulumi_config(
    config: Config, *, plain: tuple[str, ...] = ()
) -> tuple[dict[str, str], list[str]]:
    """What the Pulumi CLI hands the program: namespaced keys, text values, secret key names.

    Secret keys are flagged secret unless listed in ``plain`` (set without --secret).
    """
    values = {}
    for key, value in config.items():
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        values[full_key] = value if isinstance(value, str) else json.dumps(value)
    secret = [
        f"{PROJECT}:{key}"
        for key in (
            "commercetools_client_secret",
            "talon_api_keys",
            "auth_token",
            "previous_auth_token",
        )
        if key in config and key not in plain
    ]
    return values, secret


def deploy(config: Config, *, plain: tuple[str, ...] = ()) -> OfflineRun:
    """Runs the program offline on ``config``; ``plain`` names secrets set without --secret."""
    values, secret_keys = as_pulumi_config(config, plain=plain)
    return run_offline(
        program.run, project=PROJECT, stack=STACK, config=values, secret_keys=secret_keys
    )
