"""Building the process-wide runtime once per cold start, from the environment.

A settings mistake must not crash every request: it is logged once, naming the variable, and
the entry points then approve every write unchanged (carts keep their promotions) until the
settings are fixed.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping

from handler.app import Runtime
from handler.logs import log_event
from handler.mapping import MappingError
from handler.session import Mappings
from handler.settings import (
    REPLAY_APP,
    SECRET_NAMES,
    App,
    Settings,
    SettingsError,
    settings_from_environ,
)
from handler.talon import HttpTransport, TalonClient, Transport


class RuntimeUnavailable(Exception):
    """The runtime could not be built; the message names the setting at fault."""


def build_runtime(
    environ: Mapping[str, str] | None = None, transport: Transport | None = None
) -> Runtime:
    environ = dict(os.environ if environ is None else environ)
    try:
        settings = settings_from_environ(_with_secrets(environ))
        mappings = Mappings.from_settings(settings)
    except (SettingsError, MappingError) as exc:
        log_event("settings_invalid", logging.ERROR, reason=str(exc))
        raise RuntimeUnavailable(str(exc)) from None

    return Runtime(settings, mappings, TalonClient(transport or HttpTransport()))


def with_replay_app(settings: Settings) -> Settings:
    """Settings that send every cart to a built-in app when none is set up (recorded answers)."""
    if settings.apps:
        return settings
    replay = App(base_url="https://replay.talon.invalid", api_key="replay")
    return settings.model_copy(update={"apps": {REPLAY_APP: replay}})


def _with_secrets(environ: dict[str, str]) -> dict[str, str]:
    """Merge in the secret settings kept in AWS Secrets Manager, when one is named."""
    secret_arn = environ.get("T1CT_SECRET_ARN")
    if not secret_arn:
        return environ

    values = _read_secret(secret_arn)
    unknown = sorted(set(values) - set(SECRET_NAMES))
    if unknown:
        raise SettingsError(f"T1CT_SECRET_ARN: the secret holds unknown keys {unknown}")
    return {**environ, **values}


def _read_secret(secret_arn: str) -> dict[str, str]:
    # boto3 comes with the Lambda runtime; it is not packaged with the handler.
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = boto3.client("secretsmanager")
        text = client.get_secret_value(SecretId=secret_arn)["SecretString"]
    except (BotoCoreError, ClientError) as exc:
        raise SettingsError(f"T1CT_SECRET_ARN: the secret could not be read ({exc})") from None

    try:
        values = json.loads(text)
    except json.JSONDecodeError:
        raise SettingsError("T1CT_SECRET_ARN: the secret is not a JSON object") from None
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise SettingsError("T1CT_SECRET_ARN: the secret must map setting names to strings")
    return values
