"""Property-based check: reading a session answer from its bytes agrees with reading it decoded.

The cart flow reads effects straight from Talon.One's JSON (``handler.effects``'s
``read_session_answer``, used by ``TalonClient.update_session``), and falls back on the decoded
answer when that cannot take it; everything else reads decoded answers (``parse_effects``). Both
must see the same effects and counts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handler.effects import parse_effects
from handler.settings import App
from handler.talon import ReplayTransport, SessionResult, TalonClient
from tests.properties.strategies import answers, json_values

pytestmark = pytest.mark.fuzz


def answered(content: bytes) -> SessionResult:
    client = TalonClient(ReplayTransport(content))
    return client.update_session(App(base_url="https://t1.example", api_key="k"), "s", {}, 1.0)


@given(answer=answers, loyalty=json_values)
def test_bytes_and_decoded_answer_give_the_same_effects(
    answer: dict[str, Any], loyalty: Any
) -> None:
    # Decimals go out as JSON numbers, as Talon.One writes amounts.
    content = json.dumps({**answer, "loyalty": loyalty}, default=float).encode()

    result = answered(content)

    assert result.effects == parse_effects(json.loads(content)["effects"])
    assert result.loyalty == loyalty


@given(answer=answers, junk=st.lists(json_values, max_size=3))
def test_entries_that_are_not_effects_cost_only_themselves(
    answer: dict[str, Any], junk: list[Any]
) -> None:
    content = json.dumps({"effects": junk + answer["effects"]}, default=float).encode()

    result = answered(content)

    assert result.effects.effects == parse_effects(answer["effects"]).effects
