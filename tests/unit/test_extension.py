"""The envelope of a commercetools API extension request, and the two response shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handler.extension import (
    ExtensionRequest,
    InvalidRequest,
    error_response,
    parse_body,
    parse_request,
    update_response,
)

EVENTS = Path(__file__).resolve().parents[1] / "data" / "reference-accelerator" / "commercetools"


def envelope(**resource: Any) -> dict[str, Any]:
    return {"action": "Update", "resource": {"typeId": "cart", "id": "c-1", "obj": {}, **resource}}


def problem_with(payload: Any) -> str:
    with pytest.raises(InvalidRequest) as raised:
        parse_request(payload)
    return str(raised.value)


def test_cart_request_is_read() -> None:
    payload = envelope(obj={"id": "c-1", "version": 4})

    assert parse_request(payload) == ExtensionRequest(
        "Update", "cart", "c-1", payload["resource"]["obj"]
    )


@pytest.mark.parametrize("type_id", ["cart", "customer", "order"])
def test_handled_resource_types_are_accepted(type_id: str) -> None:
    assert parse_request(envelope(typeId=type_id)).type_id == type_id


def test_object_id_stands_in_when_the_resource_has_none() -> None:
    payload = envelope(obj={"id": "from-obj"})
    del payload["resource"]["id"]

    assert parse_request(payload).resource_id == "from-obj"


@pytest.mark.parametrize("payload", [[], "cart", None, 7])
def test_request_that_is_not_an_object_is_refused(payload: Any) -> None:
    assert "JSON object" in problem_with(payload)


@pytest.mark.parametrize("payload", [{}, {"action": "Update"}, {"resource": "cart"}])
def test_request_without_a_resource_object_is_refused(payload: Any) -> None:
    assert problem_with(payload) == "the request has no 'resource' object"


@pytest.mark.parametrize("type_id", ["payment", None, 3])
def test_resource_of_an_unhandled_type_is_refused_by_name(type_id: Any) -> None:
    message = problem_with(envelope(typeId=type_id))

    assert f"resource.typeId {type_id!r} is not handled" in message
    assert "'cart', 'customer', 'order'" in message


@pytest.mark.parametrize("obj", [None, [], "cart"])
def test_resource_without_an_object_is_refused(obj: Any) -> None:
    assert problem_with(envelope(obj=obj)) == "resource.obj is missing or not an object"


def test_resource_without_obj_key_is_refused() -> None:
    payload = envelope()
    del payload["resource"]["obj"]

    assert problem_with(payload) == "resource.obj is missing or not an object"


def test_request_without_an_action_is_refused() -> None:
    payload = envelope()
    del payload["action"]

    assert "no 'action'" in problem_with(payload)


def test_resource_without_any_id_is_refused() -> None:
    payload = envelope(id="")

    assert problem_with(payload) == "the resource has no id"


@pytest.mark.parametrize("body", [b"", b" \n", ""])
def test_empty_body_is_named_as_such(body: bytes | str) -> None:
    with pytest.raises(InvalidRequest, match="the request body is empty"):
        parse_body(body)


@pytest.mark.parametrize("body", [b"{", b"not json", b"\xff\xfe{}", "{'single': 1}"])
def test_body_that_is_not_json_is_named_as_such(body: bytes | str) -> None:
    with pytest.raises(InvalidRequest, match="the request body is not JSON"):
        parse_body(body)


def test_json_body_is_decoded() -> None:
    assert parse_body(b'{"action": "Create"}') == {"action": "Create"}


@pytest.mark.parametrize(
    "body",
    [
        b'\xef\xbb\xbf{"name": "caf\xc3\xa9"}',
        '{"name": "café"}'.encode("utf-16"),
        '{"name": "café"}',
    ],
)
def test_json_in_any_encoding_json_reads_is_decoded(body: bytes | str) -> None:
    assert parse_body(body) == {"name": "café"}


def test_lone_surrogates_are_kept_as_json_reads_them() -> None:
    assert parse_body(b'{"name": "\\ud800"}') == {"name": "\ud800"}


@pytest.mark.parametrize("name", sorted(path.name for path in EVENTS.glob("*.json")))
def test_reference_bodies_decode_as_json_decodes_them(name: str) -> None:
    body = (EVENTS / name).read_bytes()

    assert parse_body(body) == json.loads(body)


def test_update_response_approves_with_actions() -> None:
    assert update_response([{"action": "x"}]) == {
        "responseType": "UpdateRequest",
        "actions": [{"action": "x"}],
    }


def test_error_response_rejects_with_the_message() -> None:
    assert error_response("no cart") == {
        "responseType": "FailedValidation",
        "errors": [{"code": "InvalidInput", "message": "no cart"}],
    }
