"""AWS Lambda entry: ``handler.aws.handle``.

commercetools' AWSLambda destination invokes the function directly with the extension request
and reads ``{"responseType": ...}`` back. A function URL (the HTTP destination) delivers an HTTP
event instead, which goes through the HTTP entry with its Authorization check.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from handler.app import handle as handle_request
from handler.extension import update_response
from handler.http import JSON_HEADERS, current_runtime, encode, handle_http
from handler.logs import configure_logging, log_event
from handler.runtime import RuntimeUnavailable

configure_logging()
current_runtime()


def handle(event: Any, context: Any = None) -> dict[str, Any]:
    if _is_http_event(event):
        return _handle_function_url(event)

    runtime = current_runtime()
    if isinstance(runtime, RuntimeUnavailable):
        # Settings are broken: approve unchanged, so carts keep their promotions meanwhile.
        log_event("extension_request", outcome="settings_invalid")
        return update_response([])

    _, response = handle_request(event, runtime)
    return response


def _is_http_event(event: Any) -> bool:
    return (
        isinstance(event, dict)
        and isinstance(event.get("requestContext"), dict)
        and ("http" in event["requestContext"])
    )


def _handle_function_url(event: dict[str, Any]) -> dict[str, Any]:
    body = event.get("body") or ""
    method = event["requestContext"]["http"].get("method", "POST")
    try:
        raw = (
            base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode()
        )
    except (binascii.Error, ValueError):
        error = {"errors": [{"code": "InvalidInput", "message": "the body is not valid base64"}]}
        return {"statusCode": 400, "headers": JSON_HEADERS, "body": encode(error).decode()}
    status, response = handle_http(method, event.get("headers") or {}, raw)
    return {
        "statusCode": status,
        "headers": JSON_HEADERS,
        "body": encode(response).decode(),
    }
