"""Talon.One effects parsed into the shapes the cart flow acts on."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from handler.effects import (
    AddFreeItem,
    CodeAccepted,
    CodeRejected,
    SetDiscount,
    SetDiscountPerItem,
    ShowNotification,
    parse_effects,
    read_session_answer,
)
from tests.unit.builders import (
    accept_coupon,
    effect,
    free_item,
    item_discount,
    notification,
    reject_coupon,
    set_discount,
)

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "reference-accelerator"


def test_known_effects_are_kept_in_talon_order() -> None:
    parsed = parse_effects(
        [set_discount("10% off", "5.5"), free_item("F"), notification("Info", "t", "b")]
    )

    assert [e.type for e in parsed.effects] == ["setDiscount", "addFreeItem", "showNotification"]
    assert parsed.effects[0].props == SetDiscount(name="10% off", value=Decimal("5.5"))
    assert isinstance(parsed.effects[1].props, AddFreeItem)
    assert isinstance(parsed.effects[2].props, ShowNotification)


def test_effect_metadata_is_read() -> None:
    raw = accept_coupon("SUMMER", coupon_id=658)
    raw.update(campaignId=50, ruleName="Summer sale")

    (parsed,) = parse_effects([raw]).effects

    assert (parsed.campaign_id, parsed.rule_name, parsed.triggered_by_coupon) == (
        50,
        "Summer sale",
        658,
    )
    assert parsed.props == CodeAccepted(value="SUMMER")


def test_effect_without_coupon_has_no_coupon_id() -> None:
    assert parse_effects([set_discount("d", "1")]).effects[0].triggered_by_coupon is None


def test_unknown_effect_types_are_counted_and_ignored() -> None:
    parsed = parse_effects(
        [
            effect("addToAudience", {"value": 5}),
            effect("addToAudience", {"value": 7}),
            effect("triggerWebhook", {}),
            {"props": {}},
            set_discount("d", "1"),
        ]
    )

    assert [e.type for e in parsed.effects] == ["setDiscount"]
    assert parsed.unknown == {"addToAudience": 2, "triggerWebhook": 1, "None": 1}
    assert not parsed.invalid


@pytest.mark.parametrize(
    "raw",
    [
        effect("setDiscount", {"name": "d"}),
        effect("setDiscount", {"name": "d", "value": "lots"}),
        effect("setDiscountPerItem", {"name": "d", "value": 1}),
        effect("addFreeItem", {"sku": ""}),
        effect("addFreeItem", {"sku": "F", "desiredQuantity": -1}),
        effect("rejectCoupon", {"rejectionReason": "CouponNotFound"}),
        effect("showNotification", {"title": "no type"}),
        effect("setDiscount", None),
        effect("setDiscount", ["not", "an", "object"]),
    ],
)
def test_effect_whose_props_do_not_fit_is_counted_as_invalid(raw: dict[str, object]) -> None:
    parsed = parse_effects([raw])

    assert parsed.effects == []
    assert parsed.invalid == {raw["effectType"]: 1}


def test_one_malformed_effect_costs_only_itself() -> None:
    parsed = parse_effects(
        [set_discount("a", "1"), effect("setDiscount", {"name": "b"}), free_item("F")]
    )

    assert [e.type for e in parsed.effects] == ["setDiscount", "addFreeItem"]
    assert parsed.invalid == {"setDiscount": 1}


def test_entries_that_are_not_objects_are_counted_as_invalid() -> None:
    parsed = parse_effects([None, "setDiscount", 3, set_discount("d", "1")])

    assert len(parsed.effects) == 1
    assert parsed.invalid == {"<not an object>": 3}


@pytest.mark.parametrize("raw", [None, {}, "effects", 5])
def test_effects_that_are_not_a_list_give_nothing(raw: object) -> None:
    parsed = parse_effects(raw)

    assert (parsed.effects, parsed.unknown, parsed.invalid) == ([], {}, {})


def test_item_discount_props_are_read() -> None:
    (parsed,) = parse_effects([item_discount("per item#2", "1.25", 2, sub_position=1)]).effects

    assert parsed.props == SetDiscountPerItem(
        name="per item#2", value=Decimal("1.25"), position=Decimal(2), subPosition=Decimal(1)
    )


def test_rejection_reason_is_read() -> None:
    (parsed,) = parse_effects([reject_coupon("X", "CampaignLimitReached")]).effects

    assert parsed.props == CodeRejected(value="X", rejectionReason="CampaignLimitReached")


def test_extra_props_are_ignored() -> None:
    raw = free_item("F")
    raw["props"]["somethingNew"] = True

    assert len(parse_effects([raw]).effects) == 1


def test_accelerator_answer_parses_completely() -> None:
    answer = (FIXTURES / "talonone" / "update-customer-session-response.json").read_bytes()
    data = json.loads(answer, parse_float=Decimal)

    parsed = parse_effects(data["effects"])

    assert len(parsed.effects) == 14
    assert not parsed.unknown
    assert not parsed.invalid


def test_session_answer_is_read_from_its_bytes() -> None:
    answer = (FIXTURES / "talonone" / "update-customer-session-response.json").read_bytes()

    read = read_session_answer(answer)

    assert read is not None
    effects, loyalty = read
    assert effects == parse_effects(json.loads(answer)["effects"])
    assert len(effects.effects) == 14
    assert loyalty is None


def test_session_answer_keeps_its_loyalty_block() -> None:
    loyalty = {"programs": {"7": {"balance": 12.5}}}
    content = json.dumps({"effects": [], "loyalty": loyalty}).encode()

    read = read_session_answer(content)

    assert read is not None
    assert read.loyalty == loyalty


def test_an_answer_the_bytes_path_cannot_take_is_left_to_the_decoded_path() -> None:
    assert read_session_answer(b'{"effects": [null]}') is None
    assert read_session_answer(b"{") is None
