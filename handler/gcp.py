"""Google Cloud Functions entry (functions-framework): ``handle`` takes the HTTP request."""

from __future__ import annotations

from typing import Any

from handler.http import JSON_HEADERS, current_runtime, encode, handle_http
from handler.logs import configure_logging

configure_logging()
current_runtime()


def handle(request: Any) -> tuple[bytes, int, dict[str, str]]:
    status, body = handle_http(request.method, request.headers, request.get_data())
    return encode(body), status, JSON_HEADERS
