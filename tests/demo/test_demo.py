"""The demo's shopper journey, played for real: commercetools mock, Talon.One stand-in, handler.

The journey runs once for the module; each test checks one outcome of it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from tools import demo
from tools.demo import DiscountView, Journey, run_demo
from tools.talon_standin import DEMO_RULES, TalonStandIn

README = Path(__file__).resolve().parents[2] / "README.md"
SUMMER = DiscountView("Summer coupon", "SHIRT", Decimal("2.50"))


@pytest.fixture(scope="module")
def played() -> tuple[Journey, list[str]]:
    printed: list[str] = []
    journey = run_demo({}, printed.append)
    return journey, printed


@pytest.fixture(scope="module")
def journey(played: tuple[Journey, list[str]]) -> Journey:
    return played[0]


@pytest.fixture(scope="module")
def printed(played: tuple[Journey, list[str]]) -> list[str]:
    return played[1]


def discount_names(journey: Journey, key: str) -> list[str]:
    return [discount.name for discount in journey.step(key).view.discounts]


def test_each_step_calls_the_handler_as_commercetools_would(journey: Journey) -> None:
    actions = [snapshot.action for snapshot in journey.snapshots]

    assert actions == ["Create"] + ["Update"] * len(demo.JOURNEY)


def test_the_order_discount_comes_when_the_items_pass_100(journey: Journey) -> None:
    assert journey.step("add-shirt").view.discounts == ()

    view = journey.step("add-jeans").view
    assert view.discounts == (DiscountView("10% off orders above 100", "order", Decimal("10.49")),)
    assert view.total == Decimal("94.41")


def test_summer10_discounts_the_first_item(journey: Journey) -> None:
    view = journey.step("apply-coupon").view

    assert SUMMER in view.discounts
    assert view.coupon_codes == ("SUMMER10",)
    assert view.total == Decimal("91.91")


def test_an_unknown_coupon_is_rejected_and_the_known_one_kept(journey: Journey) -> None:
    view = journey.step("unknown-coupon").view

    assert view.rejections == (("WINTER50", "CouponNotFound"),)
    assert view.coupon_codes == ("SUMMER10",)
    assert SUMMER in view.discounts


def test_two_of_a_kind_bring_free_socks_counted_at_zero(journey: Journey) -> None:
    assert all(line.sku != "FREE-SOCKS" for line in journey.step("unknown-coupon").view.lines)

    view = journey.step("two-shirts").view
    socks = [line for line in view.lines if line.sku == "FREE-SOCKS"]
    assert [(line.quantity, line.free, line.total) for line in socks] == [(1, True, Decimal(0))]
    assert any("socks is on us" in notice for notice in view.notifications)
    # 2 x 25.00 + 79.90, minus 12.99 off the order and 2 x 2.50 off the shirts.
    assert view.total == Decimal("111.91")


def test_removing_the_coupon_takes_its_discount_away(journey: Journey) -> None:
    assert "Summer coupon" in discount_names(journey, "two-shirts")

    view = journey.step("remove-coupon").view
    assert discount_names(journey, "remove-coupon") == ["10% off orders above 100"]
    assert view.coupon_codes == ()
    assert view.rejections == ()
    assert view.total == Decimal("116.91")


def test_the_final_cart_needs_no_more_actions(journey: Journey) -> None:
    assert journey.step("remove-coupon").actions != ()
    assert journey.final_actions == ()


def test_the_output_names_the_stand_in_and_fits_100_columns(printed: list[str]) -> None:
    text = "\n".join(printed)

    assert printed[1] == demo.MOCK_NOTE
    assert "local Talon.One stand-in (not Talon.One)" in text
    assert re.search(r"^  FREE-SOCKS .* 0\.00  FREE$", text, re.MULTILINE)
    assert "Rejected     WINTER50 (CouponNotFound)" in text
    assert max(len(line) for line in printed) <= demo.WIDTH


def test_a_real_talon_one_from_the_environment_replaces_the_stand_in() -> None:
    printed: list[str] = []
    # Another stand-in plays the real Talon.One: what matters is that the demo sends carts there.
    with TalonStandIn(DEMO_RULES, api_key="real-key") as talon:
        url = talon.base_url
        journey = run_demo(
            {"DEMO_TALON_URL": url, "DEMO_TALON_API_KEY": "real-key"}, printed.append
        )
        sessions = [r for r in talon.requests if r.path.startswith("/v2/customer_sessions/")]

    text = "\n".join(printed)
    assert f"Talon.One at {url} (from DEMO_TALON_URL)" in text
    assert "stand-in" not in text
    assert len(sessions) == len(journey.snapshots) + 1
    assert SUMMER in journey.step("apply-coupon").view.discounts


def test_half_a_real_talon_one_setting_fails_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEMO_TALON_URL", "https://example.europe-west1.talon.one")
    monkeypatch.delenv("DEMO_TALON_API_KEY", raising=False)

    assert demo.main() == 1
    assert capsys.readouterr().err == (
        "demo failed: set both DEMO_TALON_URL and DEMO_TALON_API_KEY, or neither\n"
    )


def test_a_handler_that_cannot_start_fails_with_its_own_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEMO_TALON_URL", "not a url")
    monkeypatch.setenv("DEMO_TALON_API_KEY", "key")

    assert demo.main() == 1
    error = capsys.readouterr().err
    assert error.startswith("demo failed: the handler exited before listening: ")
    assert "settings are invalid: T1CT_APPS" in error


def test_the_readme_quickstart_describes_every_demo_rule() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- quickstart:start -->")
    section = " ".join(text[start : text.index("<!-- quickstart:end -->")].split())

    for rule in DEMO_RULES:
        assert " ".join(rule.description.split()) in section, rule.name
