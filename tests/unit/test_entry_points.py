"""The entry points: AWS Lambda, the HTTP handler, Google Cloud Functions and the command line."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import functions_framework
import pytest

import handler.http
from handler import aws
from handler.http import handle_http
from handler.runtime import RuntimeUnavailable, build_runtime
from handler.talon import TalonError
from tests.unit.builders import (
    ScriptedTransport,
    cart,
    extension_request,
    line_item,
    ok,
    set_discount,
    talon_answer,
)

ROOT = Path(__file__).resolve().parents[2]
APPS = json.dumps({"eu": {"base_url": "https://eu.talon.test", "api_key": "k"}})
CART_REQUEST = extension_request(cart(line_item(), fields={}))
APPROVED_UNCHANGED = {"responseType": "UpdateRequest", "actions": []}

SetEnv = Callable[..., None]


def body_of(request: dict[str, Any]) -> bytes:
    return json.dumps(request).encode()


def evaluating_runtime(monkeypatch: pytest.MonkeyPatch, *effects: dict[str, Any]) -> None:
    """Make the process-wide runtime one whose Talon.One answers ``effects``."""
    runtime = build_runtime({"T1CT_APPS": APPS}, ScriptedTransport(ok(*effects)))
    monkeypatch.setattr(handler.http, "_runtime", runtime)


# AWS Lambda: direct invocation


def test_lambda_invocation_without_apps_approves_unchanged(set_env: SetEnv) -> None:
    assert aws.handle(CART_REQUEST, None) == APPROVED_UNCHANGED


def test_lambda_invocation_answers_with_update_actions(
    set_env: SetEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluating_runtime(monkeypatch, set_discount("d", "1"))

    response = aws.handle(CART_REQUEST, None)

    assert response["responseType"] == "UpdateRequest"
    assert response["actions"][-1]["action"] == "setDirectDiscounts"


def test_lambda_invocation_of_a_bad_request_fails_validation(set_env: SetEnv) -> None:
    response = aws.handle({"action": "Update"}, None)

    assert response == {
        "responseType": "FailedValidation",
        "errors": [{"code": "InvalidInput", "message": "the request has no 'resource' object"}],
    }


def test_lambda_with_broken_settings_approves_unchanged(set_env: SetEnv) -> None:
    set_env(T1CT_ROUNDING="sometimes", T1CT_APPS=APPS)

    assert aws.handle(CART_REQUEST, None) == APPROVED_UNCHANGED
    assert isinstance(handler.http._runtime, RuntimeUnavailable)


def test_runtime_is_built_once_and_reused(set_env: SetEnv) -> None:
    set_env(T1CT_LANGUAGE="de")
    aws.handle(CART_REQUEST, None)
    first = handler.http._runtime

    aws.handle(CART_REQUEST, None)

    assert handler.http._runtime is first
    assert not isinstance(first, RuntimeUnavailable)
    assert first is not None
    assert first.settings.language == "de"


# AWS Lambda: function URL (HTTP events)


def url_event(
    body: bytes | str = b"",
    headers: dict[str, str] | None = None,
    method: str = "POST",
    encoded: bool = False,
) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else body.encode()
    return {
        "version": "2.0",
        "rawPath": "/",
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": {"http": {"method": method, "path": "/"}},
        "body": base64.b64encode(raw).decode() if encoded else raw.decode(),
        "isBase64Encoded": encoded,
    }


def url_answer(event: dict[str, Any]) -> tuple[int, Any]:
    response = aws.handle(event, None)
    assert response["headers"] == {"Content-Type": "application/json"}
    return response["statusCode"], json.loads(response["body"])


def test_function_url_answers_in_the_http_destination_shape(set_env: SetEnv) -> None:
    assert url_answer(url_event(body_of(CART_REQUEST))) == (200, {"actions": []})


def test_function_url_reads_a_base64_body(set_env: SetEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    evaluating_runtime(monkeypatch, set_discount("d", "1"))

    status, body = url_answer(url_event(body_of(CART_REQUEST), encoded=True))

    assert status == 200
    assert body["actions"][-1]["action"] == "setDirectDiscounts"


@pytest.mark.parametrize("headers", [{}, {"authorization": "wrong"}, {"authorization": "current "}])
def test_function_url_without_the_token_is_unauthorized(
    set_env: SetEnv, headers: dict[str, str]
) -> None:
    set_env(T1CT_AUTH_TOKENS="current,previous")

    status, body = url_answer(url_event(body_of(CART_REQUEST), headers))

    assert status == 401
    assert body == {
        "errors": [{"code": "Unauthorized", "message": "missing or wrong Authorization header"}]
    }


@pytest.mark.parametrize("headers", [{"authorization": "current"}, {"Authorization": "previous"}])
def test_function_url_with_a_configured_token_is_served(
    set_env: SetEnv, headers: dict[str, str]
) -> None:
    set_env(T1CT_AUTH_TOKENS="current,previous")

    assert url_answer(url_event(body_of(CART_REQUEST), headers)) == (200, {"actions": []})


def test_function_url_refuses_other_methods(set_env: SetEnv) -> None:
    status, body = url_answer(url_event(method="GET"))

    assert status == 405
    assert body["errors"][0]["code"] == "MethodNotAllowed"


def test_function_url_with_a_body_that_is_not_json_is_a_bad_request(set_env: SetEnv) -> None:
    status, body = url_answer(url_event("{oops"))

    assert status == 400
    assert body["errors"][0]["code"] == "InvalidInput"
    assert body["errors"][0]["message"].startswith("the request body is not JSON")


def test_function_url_with_a_bad_envelope_is_a_bad_request(set_env: SetEnv) -> None:
    status, body = url_answer(url_event(body_of({"action": "Create", "resource": {}})))

    assert status == 400
    assert body == {
        "errors": [
            {
                "code": "InvalidInput",
                "message": "resource.typeId None is not handled; "
                "expected one of ['cart', 'customer', 'order']",
            }
        ]
    }


# The HTTP handler


def test_http_refuses_anything_but_post() -> None:
    for method in ("GET", "PUT", "DELETE"):
        status, body = handle_http(method, {}, b"", build_runtime({}))

        assert status == 405
        assert body["errors"][0]["code"] == "MethodNotAllowed"


def test_http_post_is_case_insensitive() -> None:
    assert handle_http("post", {}, body_of(CART_REQUEST), build_runtime({}))[0] == 200


def test_http_body_that_is_not_json_is_a_bad_request() -> None:
    status, body = handle_http("POST", {}, b"\x00\x01", build_runtime({}))

    assert status == 400
    assert body["errors"][0]["message"].startswith("the request body is not JSON")


def test_http_bad_envelope_is_a_bad_request_naming_the_problem() -> None:
    status, body = handle_http("POST", {}, b"[]", build_runtime({}))

    assert status == 400
    assert "JSON object" in body["errors"][0]["message"]


def test_http_checks_the_token_before_reading_the_body() -> None:
    runtime = build_runtime({"T1CT_AUTH_TOKENS": "t0ken"})

    status, body = handle_http("POST", {"Authorization": "nope"}, b"{oops", runtime)

    assert status == 401
    assert body["errors"][0]["code"] == "Unauthorized"


def test_http_token_header_name_is_case_insensitive() -> None:
    runtime = build_runtime({"T1CT_AUTH_TOKENS": "t0ken"})

    assert handle_http("POST", {"AUTHORIZATION": "t0ken"}, body_of(CART_REQUEST), runtime)[0] == 200


def test_http_without_tokens_configured_needs_no_header() -> None:
    assert handle_http("POST", {}, body_of(CART_REQUEST), build_runtime({}))[0] == 200


def test_http_with_broken_settings_approves_unchanged() -> None:
    status, body = handle_http("POST", {}, b"{oops", RuntimeUnavailable("T1CT_X is bad"))

    assert (status, body) == (200, {"actions": []})


def test_http_fail_closed_rejection_is_a_bad_request_with_the_message() -> None:
    runtime = build_runtime(
        {"T1CT_APPS": APPS, "T1CT_CART_FAILURE_POLICY": "closed"},
        ScriptedTransport(TalonError("timeout", "slow")),
    )

    status, body = handle_http("POST", {}, body_of(CART_REQUEST), runtime)

    assert status == 400
    assert body["errors"][0]["message"] == "promotions could not be evaluated, try again"


# Google Cloud Functions through functions-framework


@pytest.fixture
def gcp_client(set_env: SetEnv, tmp_path: Path) -> Callable[[], Any]:
    source = tmp_path / "main.py"
    source.write_text("from handler.gcp import handle\n", encoding="utf-8")

    def client() -> Any:
        app = functions_framework.create_app(target="handle", source=str(source))
        return app.test_client()

    return client


def test_cloud_function_answers_a_cart_request(gcp_client: Callable[[], Any]) -> None:
    response = gcp_client().post("/", data=body_of(CART_REQUEST), content_type="application/json")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == {"actions": []}


def test_cloud_function_checks_the_token(gcp_client: Callable[[], Any], set_env: SetEnv) -> None:
    set_env(T1CT_AUTH_TOKENS="t0ken")
    client = gcp_client()

    refused = client.post("/", data=body_of(CART_REQUEST))
    served = client.post("/", data=body_of(CART_REQUEST), headers={"Authorization": "t0ken"})

    assert refused.status_code == 401
    assert refused.get_json()["errors"][0]["code"] == "Unauthorized"
    assert served.status_code == 200


def test_cloud_function_refuses_a_get(gcp_client: Callable[[], Any]) -> None:
    assert gcp_client().get("/").status_code == 405


def test_cloud_function_rejects_a_body_that_is_not_json(gcp_client: Callable[[], Any]) -> None:
    response = gcp_client().post("/", data=b"{oops")

    assert response.status_code == 400
    assert response.get_json()["errors"][0]["code"] == "InvalidInput"


# The command line


def run_cli(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("T1CT_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "handler", *map(str, args)],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_invoke_with_a_recorded_answer_prints_the_request_and_response(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(CART_REQUEST), encoding="utf-8")
    answer = tmp_path / "answer.json"
    answer.write_bytes(talon_answer(set_discount("10% off", "1.5")))

    done = run_cli("invoke", event, "--talon-response", answer)

    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    (request,) = printed["requests"]
    assert request["method"] == "PUT"
    assert request["url"] == "https://replay.talon.invalid/v2/customer_sessions/cart-1"
    assert request["body"]["customerSession"]["cartItems"][0]["sku"] == "SKU-1"
    assert printed["response"]["responseType"] == "UpdateRequest"
    assert printed["response"]["actions"][-1] == {
        "action": "setDirectDiscounts",
        "discounts": [
            {
                "value": {
                    "type": "absolute",
                    "money": [
                        {
                            "type": "centPrecision",
                            "currencyCode": "EUR",
                            "centAmount": 150,
                            "fractionDigits": 2,
                        }
                    ],
                },
                "target": {"type": "totalPrice"},
            }
        ],
    }


def test_invoke_without_an_app_or_recording_asks_nobody(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(CART_REQUEST), encoding="utf-8")

    done = run_cli("invoke", event)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"requests": [], "response": APPROVED_UNCHANGED}


def test_invoke_with_an_unreadable_event_fails_with_a_message(tmp_path: Path) -> None:
    done = run_cli("invoke", tmp_path / "missing.json")

    assert done.returncode == 2
    assert done.stderr.startswith("cannot read input:")


def test_invoke_with_broken_settings_names_the_variable(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(CART_REQUEST), encoding="utf-8")

    done = run_cli("invoke", event, env={"T1CT_SKU_TYPE": "ean"})

    assert done.returncode == 2
    assert "settings are invalid: T1CT_SKU_TYPE" in done.stderr
