"""The Talon.One Integration API client: one session update per cart event, within a deadline.

One ``requests.Session`` lives as long as the process, so warm invocations reuse their
connection to Talon.One. A transport can be swapped for a recorded answer (``ReplayTransport``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from pydantic_core import from_json, to_json

from handler.effects import ParsedEffects, SessionAnswer, parse_effects, read_session_answer
from handler.settings import App

# An answer bigger than this is not a session update; reading it would only eat the deadline.
MAX_RESPONSE_BYTES = 2_000_000

# Answers worth one more try: concurrent updates of one session, back-pressure, a gateway hiccup.
RETRY_STATUSES = frozenset({409, 429, 502, 503, 504})
RETRY_PAUSE_S = 0.05


class TalonError(Exception):
    """Talon.One could not be asked, or did not answer usefully. ``kind`` is for logs."""

    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    content: bytes


class Transport(Protocol):
    def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        deadline: float,
    ) -> Answer:
        """Send one request; give up at ``deadline`` (a ``time.monotonic()`` value)."""
        ...


@dataclass(frozen=True)
class SentRequest:
    method: str
    url: str
    body: dict[str, Any]


@dataclass
class TalonResult:
    status: int
    data: dict[str, Any]
    duration_ms: float


@dataclass
class SessionResult:
    """A session update's answer: its effects and loyalty block, read without decoding the rest
    (``content`` holds the whole answer for whoever needs more, such as the explain tool)."""

    status: int
    effects: ParsedEffects
    loyalty: Any
    content: bytes
    duration_ms: float


class HttpTransport:
    """Sends over one pooled ``requests.Session``; imported lazily to keep cold starts short."""

    def __init__(self) -> None:
        import requests

        self._requests = requests
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=4, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        deadline: float,
    ) -> Answer:
        requests = self._requests
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            raise TalonError("timeout", "no time left before the deadline")
        connect = min(0.5, timeout / 3)
        try:
            response = self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=(connect, timeout),
                stream=True,
            )
            content = _read_bounded(response)
        except requests.Timeout as exc:
            raise TalonError("timeout", f"no answer within {timeout:.2f}s") from exc
        except requests.ConnectionError as exc:
            raise TalonError("connection", type(exc).__name__) from exc
        except requests.RequestException as exc:
            raise TalonError("transport", type(exc).__name__) from exc
        return Answer(response.status_code, response.headers.get("Content-Type", ""), content)


def _read_bounded(response: Any) -> bytes:
    chunks = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            response.close()
            raise TalonError("invalid_response", f"answer larger than {MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class ReplayTransport:
    """Answers every request with one recorded Talon.One answer; nothing goes over the network."""

    def __init__(self, content: bytes, status: int = 200) -> None:
        self._answer = Answer(status, "application/json", content)

    def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        deadline: float,
    ) -> Answer:
        return self._answer


@dataclass
class TalonClient:
    transport: Transport
    sent: list[SentRequest] | None = field(default=None)

    def update_session(
        self,
        app: App,
        session_id: str,
        body: dict[str, Any],
        budget_s: float,
        *,
        dry: bool = False,
    ) -> SessionResult:
        """``PUT /v2/customer_sessions/{id}``; ``dry`` evaluates without storing anything."""
        path = f"/v2/customer_sessions/{quote(session_id, safe='')}"
        query = {"dry": "true"} if dry else None
        answer, duration_ms = self._exchange(app, "PUT", path, body, budget_s, query, None)

        _check(answer)
        read = read_session_answer(answer.content)
        if read is None:
            # Not the usual answer: decoded as any call's is, and read tolerantly.
            data = _decode(answer)
            # An answer without its list of effects says nothing about the promotions: taking it
            # for "no promotions" would strip the cart, so it counts as no answer.
            if not isinstance(data.get("effects"), list):
                raise TalonError(
                    "invalid_response", "the answer has no list of effects", answer.status
                )
            read = SessionAnswer(parse_effects(data["effects"]), data.get("loyalty"))
        return SessionResult(answer.status, read.effects, read.loyalty, answer.content, duration_ms)

    def call(
        self,
        app: App,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        budget_s: float,
        *,
        query: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> TalonResult:
        """One Integration API call within ``budget_s`` seconds, retries included.

        Every call the connector makes is safe to repeat (state-setting PUTs, or a POST with an
        idempotency key), so a quick failure is retried once when time allows. ``body`` holds
        JSON values only: amounts as numbers (``money.json_number``), never Decimals, which the
        serializer would write as strings.
        """
        answer, duration_ms = self._exchange(
            app, method, path, body, budget_s, query, idempotency_key
        )
        return TalonResult(answer.status, _decode(answer), duration_ms)

    def _exchange(
        self,
        app: App,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        budget_s: float,
        query: dict[str, str] | None,
        idempotency_key: str | None,
    ) -> tuple[Answer, float]:
        """Send one call (retried once, see ``call``); the answer as it came, and milliseconds."""
        url = app.base_url + path + (f"?{urlencode(query)}" if query else "")
        payload = to_json(body) if body is not None else b""
        headers = {"Authorization": f"ApiKey-v1 {app.api_key}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        if self.sent is not None:
            self.sent.append(SentRequest(method, url, json.loads(payload) if payload else {}))

        started = time.monotonic()
        answer = self._send_with_one_retry(
            method, url, headers, payload, started + budget_s, budget_s
        )
        return answer, (time.monotonic() - started) * 1000

    def _send_with_one_retry(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        payload: bytes,
        deadline: float,
        budget_s: float,
    ) -> Answer:
        # One retry when the failure was quick (a pooled connection closed by the other side, a
        # concurrent update of the same session, back-pressure) and at least half the budget is
        # left. Both attempts share one deadline.
        try:
            answer = self.transport.send(method, url, headers, payload, deadline)
            if answer.status not in RETRY_STATUSES:
                return answer
            failure: TalonError | None = None
        except TalonError as error:
            if error.kind != "connection":
                raise
            failure = error

        if deadline - time.monotonic() - RETRY_PAUSE_S < budget_s / 2:
            if failure is not None:
                raise failure
            return answer
        time.sleep(RETRY_PAUSE_S)
        return self.transport.send(method, url, headers, payload, deadline)


def _check(answer: Answer) -> None:
    if not 200 <= answer.status < 300:
        raise TalonError("status", f"Talon.One answered HTTP {answer.status}", answer.status)
    if answer.status != 204 and "json" not in answer.content_type.lower():
        raise TalonError("invalid_response", f"content type {answer.content_type!r}", 200)


def _decode(answer: Answer) -> dict[str, Any]:
    _check(answer)
    if answer.status == 204:
        return {}
    try:
        # Talon.One writes its numbers as float64 values in their shortest form, so reading them
        # as floats loses no digit; the effect models turn them into Decimals of those digits.
        data = from_json(answer.content)
    except ValueError as exc:
        raise TalonError("invalid_response", f"answer is not JSON ({exc})", 200) from None
    if not isinstance(data, dict):
        raise TalonError("invalid_response", "answer is not a JSON object", 200)
    return data
