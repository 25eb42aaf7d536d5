"""The HTTP entry: commercetools' HTTP destination, Google Cloud Functions and `serve`.

Requests must carry an ``Authorization`` header equal to one of the configured tokens (a current
and a previous one, so tokens rotate without downtime), compared in constant time. With no token
configured the check is off, which suits only a platform that authenticates callers itself
(Google Cloud IAM) or local use.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

from handler.app import Runtime, handle
from handler.extension import InvalidRequest, parse_body
from handler.logs import log_event
from handler.runtime import RuntimeUnavailable, build_runtime

JSON_HEADERS = {"Content-Type": "application/json"}
_BODY_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

_runtime: Runtime | RuntimeUnavailable | None = None


def current_runtime() -> Runtime | RuntimeUnavailable:
    """The process-wide runtime, built on first use."""
    global _runtime
    if _runtime is None:
        try:
            _runtime = build_runtime()
        except RuntimeUnavailable as exc:
            _runtime = exc
    return _runtime


def handle_http(
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    runtime: Runtime | RuntimeUnavailable | None = None,
) -> tuple[int, dict[str, Any]]:
    """Answer one HTTP request: (status code, JSON body)."""
    runtime = current_runtime() if runtime is None else runtime
    if method.upper() != "POST":
        return 405, _errors("MethodNotAllowed", "commercetools calls extensions with POST")

    if isinstance(runtime, RuntimeUnavailable):
        # Settings are broken: approve unchanged, so carts keep their promotions meanwhile.
        log_event("extension_request", logging.ERROR, outcome="settings_invalid")
        return 200, {"actions": []}

    if not authorized(headers, runtime.settings.auth_tokens):
        log_event("extension_request", logging.WARNING, outcome="unauthorized")
        return 401, _errors("Unauthorized", "missing or wrong Authorization header")

    try:
        payload = parse_body(body)
    except InvalidRequest as exc:
        log_event(
            "extension_request",
            logging.WARNING,
            outcome="invalid_request",
            reason=str(exc),
        )
        return 400, _errors("InvalidInput", str(exc))

    accepted, response = handle(payload, runtime)
    if not accepted:
        return 400, {"errors": response["errors"]}
    return 200, {"actions": response["actions"]}


def authorized(headers: Mapping[str, str], tokens: tuple[str, ...]) -> bool:
    if not tokens:
        return True
    given = _header(headers, "authorization")
    if given is None:
        return False
    # Compare with every token, whatever matches first, so timing tells nothing.
    matches = [hmac.compare_digest(given.encode(), token.encode()) for token in tokens]
    return any(matches)


def encode(body: dict[str, Any]) -> bytes:
    return _BODY_JSON.encode(body).encode()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _errors(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message}]}
