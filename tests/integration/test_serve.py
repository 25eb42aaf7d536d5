"""`python -m handler serve`: the HTTP entry on 127.0.0.1, started as a developer starts it."""

from __future__ import annotations

import http.client
import json
import os
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from handler.__main__ import _RequestHandler, _Server

ROOT = Path(__file__).resolve().parents[2]
EVENT = (
    ROOT / "tests" / "data" / "reference-accelerator" / "commercetools" / "update-cart-event.json"
)


class Served(NamedTuple):
    process: subprocess.Popen[str]
    port: int


def _environment() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("T1CT_")}
    return {**clean, "PYTHONPATH": str(ROOT)}


@pytest.fixture
def served() -> Iterator[Served]:
    process = subprocess.Popen(
        [sys.executable, "-m", "handler", "serve", "--port", "0"],
        cwd=ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("handler listening on http://127.0.0.1:"), first
        yield Served(process, int(first.rsplit(":", 1)[1]))
    finally:
        process.terminate()
        process.wait(timeout=10)


def post(port: int, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/", body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def log_lines(served: Served) -> list[dict[str, Any]]:
    served.process.terminate()
    _, stderr = served.process.communicate(timeout=10)
    return [json.loads(line) for line in stderr.splitlines()]


def test_a_cart_update_is_answered_and_logged(served: Served) -> None:
    status, body = post(served.port, EVENT.read_bytes())

    assert status == 200
    assert body == {"actions": []}  # no Talon.One app is set up
    (line,) = log_lines(served)
    assert (line["event"], line["outcome"]) == ("extension_request", "no_app")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "the request body is empty"),
        (b"{", "the request body is not JSON"),
        (b"[" * 5000 + b"]" * 5000, "the request body nests too deeply"),
        (b'{"action": "Update", "resource": {"typeId": "product"}}', "is not handled"),
    ],
)
def test_bad_input_is_a_400_in_commercetools_error_shape(
    served: Served, body: bytes, problem: str
) -> None:
    status, answer = post(served.port, body)

    assert status == 400
    (error,) = answer["errors"]
    assert error["code"] == "InvalidInput"
    assert problem in error["message"]
    (line,) = log_lines(served)
    assert line["outcome"] == "invalid_request"


def test_a_request_refused_before_its_body_is_read_is_logged(served: Served) -> None:
    status, answer = post(served.port, b"{}", {"Transfer-Encoding": "chunked"})

    assert status == 411
    assert answer["errors"][0]["code"] == "InvalidInput"
    (line,) = log_lines(served)
    assert line["outcome"] == "invalid_request"
    assert "Content-Length" in line["reason"]


def test_a_caller_that_hangs_up_leaves_no_traceback(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as caller:
        caller.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}")
        # Closing with no linger resets the connection, here while the handler waits for the
        # rest of the body (the unit test below does not depend on that timing).
        time.sleep(0.3)
        caller.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    status, _ = post(served.port, EVENT.read_bytes())

    assert status == 200
    served.process.terminate()
    _, stderr = served.process.communicate(timeout=10)
    assert "Traceback" not in stderr


def test_a_port_in_use_is_named_without_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        done = subprocess.run(
            [sys.executable, "-m", "handler", "serve", "--port", str(port)],
            cwd=ROOT,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert done.returncode == 2
    assert done.stderr.startswith(f"cannot listen on 127.0.0.1:{port}: ")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("error", "lines"), [(ConnectionResetError(), 0), (BrokenPipeError(), 0), (KeyError("x"), 1)]
)
def test_only_errors_other_than_a_lost_caller_are_logged(
    caplog: pytest.LogCaptureFixture, error: Exception, lines: int
) -> None:
    server = _Server(("127.0.0.1", 0), _RequestHandler, bind_and_activate=False)
    try:
        raise error
    except Exception:
        server.handle_error(None, ("127.0.0.1", 1))
    server.server_close()

    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "handler"]
    assert len(logged) == lines
    assert all(line == {"event": "serve_error", "error": "KeyError"} for line in logged)
