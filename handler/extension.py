"""commercetools API extension requests and responses.

An extension request is ``{"action": "Create"|"Update", "resource": {"typeId", "id", "obj"}}``.
Only a request that is not such an object is rejected; everything inside ``obj`` is read
tolerantly by the resource's own model.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from pydantic import ValidationError
from pydantic_core import from_json

HANDLED_TYPES = ("cart", "customer", "order")


class InvalidRequest(ValueError):
    """The request is not a commercetools extension request; the message says what is wrong."""


class ExtensionRequest(NamedTuple):
    action: str
    type_id: str
    resource_id: str
    obj: dict[str, Any]


def parse_body(body: bytes | str) -> Any:
    """Decode an HTTP body as JSON, naming the problem when it is not JSON."""
    if not body.strip():
        raise InvalidRequest("the request body is empty; expected a JSON extension request")
    try:
        # pydantic-core's parser reads a cart body in about two thirds of json's time; json reads
        # what it refuses (UTF-16, a byte-order mark, lone surrogates) and names the problem.
        return from_json(body)
    except ValueError:
        pass
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRequest(f"the request body is not JSON ({exc})") from None
    except RecursionError:
        raise InvalidRequest("the request body nests too deeply for an extension request") from None


def parse_request(payload: Any) -> ExtensionRequest:
    """Check the envelope of an extension request and return its parts."""
    if not isinstance(payload, dict):
        raise InvalidRequest("the request body must be a JSON object with 'action' and 'resource'")

    resource = payload.get("resource")
    if not isinstance(resource, dict):
        raise InvalidRequest("the request has no 'resource' object")

    type_id = resource.get("typeId")
    if type_id not in HANDLED_TYPES:
        raise InvalidRequest(
            f"resource.typeId {type_id!r} is not handled; expected one of {list(HANDLED_TYPES)}"
        )

    obj = resource.get("obj")
    if not isinstance(obj, dict):
        raise InvalidRequest("resource.obj is missing or not an object")

    action = payload.get("action")
    if not isinstance(action, str):
        raise InvalidRequest("the request has no 'action' (Create or Update)")

    resource_id = resource.get("id") or obj.get("id")
    if not isinstance(resource_id, str) or not resource_id:
        raise InvalidRequest("the resource has no id")

    return ExtensionRequest(action, type_id, resource_id, obj)


def unreadable_fields(error: ValidationError) -> list[str]:
    """The paths of the fields a resource model could not read, for the log (never the values)."""
    return [".".join(map(str, problem["loc"])) for problem in error.errors(include_input=False)]


def update_response(actions: list[dict[str, Any]]) -> dict[str, Any]:
    """The body that approves the write with these update actions (Lambda and HTTP alike)."""
    return {"responseType": "UpdateRequest", "actions": actions}


def error_response(message: str, code: str = "InvalidInput") -> dict[str, Any]:
    """The body that rejects the write; commercetools passes the message to the API caller."""
    return {
        "responseType": "FailedValidation",
        "errors": [{"code": code, "message": message}],
    }
