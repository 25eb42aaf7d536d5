"""Contract checks against the Talon.One Integration API specification in tests/data.

``validate_talon_request`` checks a request our code sends: path, query, the ``Authorization``
header and the body. ``validate_talon_response`` checks an answer, so the fake Talon.One answers in
our tests stay real. Both raise ``AssertionError`` listing every mismatch with its JSON path.

Requests are checked against the specification as published. For responses the specification has
two defects that reject real answers, so response schemas are relaxed (the folder's README says
more): ``required`` names that no property defines are dropped, and an effect's ``props`` is
checked against the one shape named by its ``effectType`` instead of the overlapping ``oneOf``.
Any host is accepted: the placeholder server is replaced by a relative one.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml
from jsonschema.exceptions import ValidationError
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import RequestBodyValidationError
from openapi_core.validation.request.validators import (
    BaseAPICallRequestValidator,
    V31RequestBodyValidator,
    V31RequestParametersValidator,
    V31RequestSecurityValidator,
)
from openapi_core.validation.response.exceptions import DataValidationError
from openapi_schema_validator import OAS31Validator

SPEC_DIR = Path(__file__).resolve().parent.parent / "data" / "talon-one-spec"

API_KEY_FORM = re.compile(r"ApiKey-v1 \S+")

Body = bytes | str | Mapping[str, Any] | None


@dataclass(frozen=True)
class _Contract:
    api: OpenAPI
    # Checked one by one: openapi-core's full check stops at a missing API key.
    request_checks: tuple[BaseAPICallRequestValidator, ...]
    effect_props: Mapping[str, OAS31Validator]


def validate_talon_request(method: str, url: str, headers: Mapping[str, str], body: Body) -> None:
    """Raises AssertionError unless the request matches the Integration API specification."""
    request = _request(method, url, headers, body)

    problems: dict[str, None] = {}  # ordered, and without the path errors each check repeats
    for check in _contract().request_checks:
        errors = check.iter_errors(request)
        problems.update((line, None) for error in errors for line in _lines(error))
    problems.update((line, None) for line in _api_key_problems(headers))

    if problems:
        raise AssertionError(_report(f"{method.upper()} {url}", list(problems)))


def validate_talon_response(method: str, url: str, status: int, body: Body) -> None:
    """Raises AssertionError unless the answer fits the specification for that call and status."""
    request = _request(method, url, {}, None)
    data = _encode(body)
    response = MockResponse(data, status_code=status, content_type="application/json")
    contract = _contract()

    problems = [
        line
        for error in contract.api.iter_response_errors(request, response)
        for line in _lines(error)
    ]
    problems += _effect_problems(contract, data)

    if problems:
        raise AssertionError(_report(f"{status} answer to {method.upper()} {url}", problems))


@functools.cache
def _contract() -> _Contract:
    """Loads, relaxes and compiles the specification; this takes a few seconds, so only once."""
    spec = yaml.safe_load((SPEC_DIR / "openapi.yaml").read_text(encoding="utf-8"))
    spec["paths"] = {
        path: yaml.safe_load((SPEC_DIR / ref["$ref"]).read_text(encoding="utf-8"))
        for path, ref in spec["paths"].items()
    }
    spec["servers"] = [{"url": "/"}]

    effect_props: dict[str, OAS31Validator] = {}
    for response in _response_schemas(spec):
        _drop_undefined_required(response)
        for title, shape in _take_effect_props(response).items():
            effect_props.setdefault(title, OAS31Validator(shape))

    api = OpenAPI.from_dict(spec)
    checks = (
        V31RequestSecurityValidator,
        V31RequestParametersValidator,
        V31RequestBodyValidator,
    )
    return _Contract(api, tuple(check(api.spec) for check in checks), effect_props)


def _response_schemas(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path_item in spec["paths"].values():
        operations = [value for value in path_item.values() if isinstance(value, dict)]
        for operation in operations:
            for response in (operation.get("responses") or {}).values():
                for media in (response.get("content") or {}).values():
                    if "schema" in media:
                        yield media["schema"]


def _schema_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside a schema, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _schema_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_nodes(value)


def _drop_undefined_required(node: Any, siblings: frozenset[str] = frozenset()) -> None:
    """Removes ``required`` names that neither the object nor its ``allOf`` family defines."""
    if isinstance(node, list):
        for item in node:
            _drop_undefined_required(item, siblings)
        return
    if not isinstance(node, dict):
        return

    parts = node.get("allOf") or []
    family = siblings | _defined_names(node) | {n for part in parts for n in _defined_names(part)}
    required = node.get("required")
    # An object that defines no properties only constrains its parent; leave it alone.
    if isinstance(required, list) and family:
        node["required"] = [name for name in required if name in family]

    for key, value in node.items():
        _drop_undefined_required(value, family if key == "allOf" else frozenset())


def _defined_names(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    return set(node.get("properties") or {})


def _take_effect_props(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Replaces each effect's ``props`` oneOf by a plain object; returns the shapes by title."""
    shapes: dict[str, dict[str, Any]] = {}
    for node in _schema_nodes(schema):
        properties = node.get("properties")
        if not isinstance(properties, dict):
            continue
        props = properties.get("props")
        if isinstance(props, dict) and _is_effect_union(props):
            shapes.update({shape["title"]: shape for shape in props["oneOf"]})
            properties["props"] = {"type": "object"}
    return shapes


def _is_effect_union(schema: dict[str, Any]) -> bool:
    branches = schema.get("oneOf")
    return isinstance(branches, list) and all("title" in branch for branch in branches)


def _effect_problems(contract: _Contract, data: bytes) -> list[str]:
    try:
        answer = json.loads(data)
    except ValueError:
        return []  # openapi-core has already reported a body that is not JSON
    effects = answer.get("effects") if isinstance(answer, dict) else None
    if not isinstance(effects, list):
        return []

    problems: list[str] = []
    for index, effect in enumerate(effects):
        if not isinstance(effect, dict):
            continue
        # Talon.One adds effect types over time; one we have no shape for is not a mistake.
        validator = contract.effect_props.get(str(effect.get("effectType")))
        if validator is not None and isinstance(effect.get("props"), dict):
            where = f"$.effects[{index}].props"
            problems += [
                _schema_line(error, where) for error in validator.iter_errors(effect["props"])
            ]
    return problems


def _api_key_problems(headers: Mapping[str, str]) -> list[str]:
    """The spec only says "a header named Authorization"; Talon.One wants ``ApiKey-v1 <key>``."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    if value is None or API_KEY_FORM.fullmatch(value):
        return []
    return ["Authorization: expected 'ApiKey-v1 <key>'"]


def _request(method: str, url: str, headers: Mapping[str, str], body: Body) -> MockRequest:
    parts = urlsplit(url)
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if content_type is None and isinstance(body, Mapping):
        content_type = "application/json"

    return MockRequest(
        f"{parts.scheme}://{parts.netloc}",
        method,
        parts.path,
        args=parse_qs(parts.query, keep_blank_values=True),
        headers=dict(headers),
        data=_encode(body),
        content_type=content_type or "",
    )


def _encode(body: Body) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def _lines(error: Exception) -> Iterator[str]:
    """Turns one openapi-core error into readable lines, one per schema mismatch."""
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if not schema_errors:
        yield (str(error) if cause is None or str(cause) in str(error) else f"{error}: {cause}")
        return

    # Body errors are located by JSON path alone; a parameter's errors also need its name.
    in_body = isinstance(error, RequestBodyValidationError | DataValidationError)
    where = "$" if in_body else f"{error}: $"
    for schema_error in schema_errors:
        yield _schema_line(schema_error, where)


def _schema_line(error: ValidationError, where: str) -> str:
    return f"{where}{error.json_path[1:]}: {error.message}"


def _report(subject: str, problems: list[str]) -> str:
    listing = "\n".join(f"  - {problem}" for problem in problems)
    return f"{subject} does not match the Talon.One Integration API:\n{listing}"
