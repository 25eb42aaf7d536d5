"""Reading the stack's Pulumi config into ``StackConfig``.

A mistake in the stack file ends the run with ``ConfigError``, a ``pulumi.RunError`` that Pulumi
prints as one line (no traceback) naming the key and the expected form. Messages never echo a
value, since it may be a secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel, ValidationError

from infra.config import PROJECT, StackConfig, secret_keys


class ConfigError(pulumi.RunError):
    """The stack config is missing a key or has one in the wrong form."""


@dataclass(frozen=True)
class GcpTarget:
    """Where a GCP stack deploys, from the gcp provider's own keys."""

    project: str
    region: str


def load_stack_config() -> StackConfig:
    values = _project_values()
    _refuse_unknown_keys(values)
    _require_encrypted_secrets(values)

    raw = {key: _decode(key, value) for key, value in values.items()}
    raw.setdefault("name", f"{PROJECT}-{pulumi.get_stack()}".lower())

    try:
        return StackConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None


def load_gcp_target() -> GcpTarget:
    gcp = pulumi.Config("gcp")
    project = gcp.get("project")
    region = gcp.get("region")
    if not project:
        raise ConfigError("gcp:project: required with cloud gcp, e.g. my-shop-prod")
    if not region:
        raise ConfigError("gcp:region: required with cloud gcp, e.g. europe-west1")
    return GcpTarget(project=project, region=region)


def describe(exc: ValidationError) -> str:
    """One line for the first problem: the config key, then what is expected there."""
    error = exc.errors(include_input=False, include_url=False)[0]
    location = [str(part) for part in error["loc"]]
    message = " ".join(error["msg"].split())

    # Checks across keys name the key themselves.
    if not location:
        return message.removeprefix("Value error, ")

    # Pydantic marks a bad map key (e.g. a trigger on "payment") with a "[key]" step.
    if "[key]" in location:
        location.remove("[key]")
        message = f"not allowed here; {message}"

    key = f"{PROJECT}:{'.'.join(location)}"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key (README lists the keys of each section)"
    if error["type"] == "missing":
        return f"{key}: required{_how_to_set(location[0])}"
    return f"{key}: {message.removeprefix('Value error, ')}"


def _project_values() -> dict[str, str]:
    # The language host passes config as a map; tests and the offline plan set it the same way.
    prefix = f"{PROJECT}:"
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return {key[len(prefix) :]: value for key, value in merged.items() if key.startswith(prefix)}


def _refuse_unknown_keys(values: dict[str, str]) -> None:
    unknown = sorted(set(values) - set(StackConfig.model_fields))
    if unknown:
        raise ConfigError(
            f"{PROJECT}:{unknown[0]}: unknown key (known: {', '.join(StackConfig.model_fields)})"
        )


def _require_encrypted_secrets(values: dict[str, str]) -> None:
    for key in secret_keys():
        if key in values and not _is_secret(f"{PROJECT}:{key}"):
            raise ConfigError(
                f"{PROJECT}:{key}: stored in plain text; remove it and set it with "
                f"pulumi config set --secret{_path_flag(key)} {key}{_path_suffix(key)} <value>"
            )


def _is_secret(key: str) -> bool:
    # The secret key names arrive either with the config map or in their own variable.
    return (
        runtime_config.is_config_secret(key) or key in runtime_config.get_config_secret_keys_env()
    )


def _decode(key: str, value: Any) -> Any:
    """Maps arrive as JSON text; every other value is passed on for the model to check."""
    if key not in _map_keys() or not isinstance(value, str):
        return value
    try:
        decoded = json.loads(value)
    except json.JSONDecodeError:
        decoded = None
    if not isinstance(decoded, dict):
        raise ConfigError(f"{PROJECT}:{key}: expected a YAML map of keys, got a plain value")
    return decoded


def _map_keys() -> set[str]:
    maps = set()
    for name, field in StackConfig.model_fields.items():
        annotation = field.annotation
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        if is_model or getattr(annotation, "__origin__", None) is dict:
            maps.add(name)
    return maps


def _how_to_set(key: str) -> str:
    if key in secret_keys():
        flags = f"--secret{_path_flag(key)}"
        return f"; set it with pulumi config set {flags} {key}{_path_suffix(key)} <value>"
    return "; README lists the stack config keys"


def _path_flag(key: str) -> str:
    return " --path" if key in _map_keys() else ""


def _path_suffix(key: str) -> str:
    return ".<app>" if key in _map_keys() else ""
