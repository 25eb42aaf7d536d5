"""Property-based check: reading a session answer from its bytes agrees with reading it decoded.

The cart flow reads effects straight from Talon.One's JSON (handler.effects.parse_session_answer);
everything else reads decoded answers (parse_effects). Both must see the same effects and counts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handler.effects import parse_effects, parse_session_answer
from tests.properties.strategies import answers, json_values

pytestmark = pytest.mark.fuzz


@given(answer=answers, loyalty=json_values)
def test_bytes_and_decoded_answer_give_the_same_effects(
    answer: dict[str, Any], loyalty: Any
) -> None:
    # Decimals go out as JSON numbers, as Talon.One writes amounts.
    content = json.dumps({**answer, "loyalty": loyalty}, default=float).encode()

    effects, read_loyalty = parse_session_answer(content)

    assert effects == parse_effects(json.loads(content)["effects"])
    assert read_loyalty == loyalty


@given(answer=answers, junk=st.lists(json_values, max_size=3))
def test_entries_that_are_not_effects_cost_only_themselves(
    answer: dict[str, Any], junk: list[Any]
) -> None:
    content = json.dumps({"effects": junk + answer["effects"]}, default=float).encode()

    effects, _ = parse_session_answer(content)

    assert effects.effects == parse_effects(answer["effects"]).effects
