"""The Talon.One client over a transport test double: request shape, answers, one retry."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handler.effects import ParsedEffects, SetDiscount, parse_effects
from handler.money import json_number
from handler.talon import (
    MAX_RESPONSE_BYTES,
    Answer,
    ReplayTransport,
    TalonClient,
    TalonError,
    _read_bounded,
)
from tests.unit.builders import ScriptedTransport, app, ok, set_discount

BODY = {"customerSession": {"cartItems": [{"sku": "A", "quantity": 1, "price": 4.95}]}}


def update(transport: Any, budget_s: float = 2.0, client: TalonClient | None = None) -> Any:
    client = client or TalonClient(transport)
    return client.update_session(app("eu"), "cart-1", BODY, budget_s)


def failure_of(transport: Any, budget_s: float = 2.0) -> TalonError:
    with pytest.raises(TalonError) as raised:
        update(transport, budget_s)
    return raised.value


def test_session_update_is_a_put_with_the_api_key_and_a_deadline() -> None:
    transport = ScriptedTransport(ok())

    before = time.monotonic()
    update(transport, budget_s=2.0)
    after = time.monotonic()

    (sent,) = transport.sent
    assert sent.method == "PUT"
    assert sent.url == "https://eu.talon.test/v2/customer_sessions/cart-1"
    assert sent.headers == {
        "Authorization": "ApiKey-v1 key-eu",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    assert before + 2.0 <= sent.deadline <= after + 2.0


def test_amounts_go_out_as_the_json_numbers_of_the_body() -> None:
    transport = ScriptedTransport(ok())
    amounts = [Decimal("4.95"), Decimal("179.00"), Decimal("0.1"), Decimal("12.345")]
    body = {"amounts": [json_number(amount) for amount in amounts]}

    TalonClient(transport).update_session(app(), "s", body, 1.0)

    assert transport.sent[0].body == b'{"amounts":[4.95,179,0.1,12.345]}'


def test_sent_requests_are_recorded_when_asked() -> None:
    client = TalonClient(ScriptedTransport(ok()), sent=[])

    update(None, client=client)

    (sent,) = client.sent or []
    assert sent.body["customerSession"]["cartItems"][0]["price"] == 4.95


@pytest.mark.parametrize(
    "written", ["149.3", "149.30", "0.1", "2.675", "33.333333333333336", "9999999999999.99", "1e2"]
)
def test_answer_amounts_become_decimals_of_the_digits_talon_one_wrote(written: str) -> None:
    answer = b'{"effects": [{"effectType": "setDiscount", "props": {"name": "d", "value": %s}}]}'
    transport = ScriptedTransport(Answer(200, "application/json", answer % written.encode()))

    (effect,) = update(transport).effects.effects

    assert isinstance(effect.props, SetDiscount)
    assert effect.props.value == Decimal(written)


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=3, min_value=-(10**11), max_value=10**11
    )
)
def test_any_amount_of_up_to_15_digits_survives_the_answer(amount: Decimal) -> None:
    # Money amounts with at most 15 significant digits are exact through float64's shortest form.
    transport = ScriptedTransport(ok(set_discount("d", str(amount))))

    (effect,) = update(transport).effects.effects

    assert isinstance(effect.props, SetDiscount)
    assert effect.props.value == amount


@pytest.mark.parametrize(
    ("answer", "kind", "status"),
    [
        (Answer(500, "application/json", b"{}"), "status", 500),
        (Answer(404, "application/json", b"{}"), "status", 404),
        (Answer(200, "text/html", b"<p>hi</p>"), "invalid_response", 200),
        (Answer(200, "application/json", b"{"), "invalid_response", 200),
        (Answer(200, "application/json", b"\xff"), "invalid_response", 200),
        (Answer(200, "application/json", b"[1]"), "invalid_response", 200),
    ],
)
def test_useless_answer_is_a_talon_error(answer: Answer, kind: str, status: int) -> None:
    error = failure_of(ScriptedTransport(answer))

    assert (error.kind, error.status) == (kind, status)


def test_json_content_type_with_charset_is_accepted() -> None:
    answer = b'{"effects": []}'
    transport = ScriptedTransport(Answer(200, "Application/JSON; charset=utf-8", answer))

    assert update(transport).effects == ParsedEffects()


@pytest.mark.parametrize("answer", [b"{}", b'{"effects": null}', b'{"effects": "none"}'])
def test_session_answer_without_a_list_of_effects_counts_as_no_answer(answer: bytes) -> None:
    # Read as "no promotions", it would strip the cart of every discount.
    transport = ScriptedTransport(Answer(200, "application/json", answer))

    with pytest.raises(TalonError) as raised:
        update(transport)

    assert raised.value.kind == "invalid_response"


def test_replay_transport_gives_its_recording_to_any_request() -> None:
    transport = ReplayTransport(b'{"effects": []}')

    assert update(transport).content == b'{"effects": []}'
    assert update(transport).content == b'{"effects": []}'


def test_broken_connection_is_retried_once_within_the_budget() -> None:
    transport = ScriptedTransport(TalonError("connection", "reset"), ok())

    assert update(transport, budget_s=2.0).status == 200
    assert len(transport.sent) == 2
    # Both attempts share one deadline: the retry does not extend the budget.
    assert transport.sent[1].deadline == transport.sent[0].deadline


@pytest.mark.parametrize("status", [409, 429, 502, 503, 504])
def test_passing_trouble_is_retried_once(status: int) -> None:
    transport = ScriptedTransport(Answer(status, "application/json", b"{}"), ok())

    assert update(transport).status == 200
    assert len(transport.sent) == 2


def test_second_failure_is_final() -> None:
    transport = ScriptedTransport(Answer(503, "application/json", b"{}"))

    error = failure_of(transport)

    assert error.status == 503
    assert len(transport.sent) == 2


@pytest.mark.parametrize(
    "first",
    [
        TalonError("timeout", "slow"),
        TalonError("transport", "SSLError"),
        Answer(500, "application/json", b"{}"),
        Answer(400, "application/json", b"{}"),
    ],
)
def test_slow_or_lasting_failures_are_not_retried(first: Answer | TalonError) -> None:
    transport = ScriptedTransport(first, ok())

    with pytest.raises(TalonError):
        update(transport)
    assert len(transport.sent) == 1


def test_no_retry_when_less_than_half_the_budget_would_be_left() -> None:
    # The pause before a retry alone takes more than half of this budget.
    transport = ScriptedTransport(TalonError("connection", "reset"), ok())

    assert failure_of(transport, budget_s=0.08).kind == "connection"
    assert len(transport.sent) == 1


class _Streamed:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = False

    def iter_content(self, size: int) -> Any:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


def test_oversized_answer_is_cut_off() -> None:
    response = _Streamed([b"x" * (MAX_RESPONSE_BYTES // 2 + 1)] * 2)

    with pytest.raises(TalonError) as raised:
        _read_bounded(response)

    assert raised.value.kind == "invalid_response"
    assert response.closed


def test_answer_within_the_limit_is_read_whole() -> None:
    assert _read_bounded(_Streamed([b'{"a":', b"1}"])) == b'{"a":1}'
    assert json.loads(_read_bounded(_Streamed([b"{}"]))) == {}


def test_malformed_effects_in_a_session_answer_are_counted_as_in_a_decoded_one() -> None:
    raw = [
        {"effectType": "setDiscount", "props": {"name": "a", "value": 1}},
        {"effectType": "setDiscount", "props": {"name": "b"}},
        {"effectType": "addToAudience", "props": {}},
        None,
        "setDiscount",
        {"effectType": ["odd"], "props": {}},
    ]
    content = json.dumps({"effects": raw}).encode()

    effects = update(ScriptedTransport(Answer(200, "application/json", content))).effects

    assert [e.type for e in effects.effects] == ["setDiscount"]
    assert effects.invalid == {"setDiscount": 1, "<not an object>": 2}
    assert effects.unknown == {"addToAudience": 1, "['odd']": 1}
    assert effects == parse_effects(raw)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "answer is not JSON"),
        (b"{", "answer is not JSON"),
        (b"\xff", "answer is not JSON"),
        (b"[1]", "answer is not a JSON object"),
        (b"{}", "the answer has no list of effects"),
        (b'{"effects": null}', "the answer has no list of effects"),
        (b'{"effects": {"setDiscount": 1}}', "the answer has no list of effects"),
    ],
)
def test_session_answer_that_says_nothing_about_promotions_is_unreadable(
    content: bytes, problem: str
) -> None:
    error = failure_of(ScriptedTransport(Answer(200, "application/json", content)))

    assert error.kind == "invalid_response"
    assert problem in str(error)
