"""Fixed point: once the handler's actions are applied, asking it again changes nothing.

Carts are rebuilt on the commercetools mock from the accelerator's fixtures (and generated ones),
the handler answers with a recorded Talon.One answer, the actions are applied through the cart
update endpoint, and the handler is asked again with the same answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handler import custom_types as ct
from handler.app import Runtime, handle
from handler.session import Mappings
from handler.settings import App, DiscountMode, Settings
from handler.talon import ReplayTransport, TalonClient
from tools.ctmock import (
    CommercetoolsMock,
    Project,
    create_cart,
    create_product,
    create_tax_category,
    extension_input,
    seed_custom_types,
)

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "reference-accelerator"
# Recorded cart events and the Talon.One answer recorded with each.
CASES = [
    ("update-cart-event", "update-customer-session-response"),
    ("update-cart-with-coupon-event", "update-customer-session-with-coupon-response"),
    ("update-cart-without-coupon-event", "update-customer-session-without-coupon-response"),
    ("create-cart-event", "eur-referrals-response"),
]


def load(kind: str, name: str) -> Any:
    return json.loads((FIXTURES / kind / f"{name}.json").read_text(encoding="utf-8"))


def runtime(project: Project, answer: bytes, mode: DiscountMode) -> Runtime:
    cart_type = project.get_by_key("types", ct.CART_TYPE_KEY)
    tax = project.get_by_key("tax-categories", "standard-de")
    settings_ = Settings(
        apps={"eu": App(base_url="https://eu.talon.test", api_key="k")},
        cart_type_id=cart_type["id"],
        discount_mode=mode,
        discount_tax_category_id=tax["id"],
    )
    return Runtime(
        settings_, Mappings.from_settings(settings_), TalonClient(ReplayTransport(answer))
    )


def actions_for(runtime_: Runtime, cart: dict[str, Any]) -> list[dict[str, Any]]:
    accepted, response = handle(extension_input(cart), runtime_)
    assert accepted
    actions: list[dict[str, Any]] = response["actions"]
    return actions


def rebuilt_cart(project: Project, event: dict[str, Any]) -> dict[str, Any]:
    """The fixture's cart on the mock: its shopper lines, connector lines and connector fields."""
    obj = event["resource"]["obj"]
    currency = obj["totalPrice"]["currencyCode"]
    tax = project.get_by_key("tax-categories", "standard-de")
    lines = []
    for line in obj["lineItems"]:
        sku = line["variant"]["sku"]
        cents = line["price"]["value"]["centAmount"]
        create_product(project, sku, {currency: cents}, tax_category=tax)
        draft: dict[str, Any] = {"sku": sku, "quantity": line["quantity"]}
        fields = (line.get("custom") or {}).get("fields")
        if fields:
            draft["custom"] = {
                "type": {"typeId": "type", "key": ct.LINE_ITEM_TYPE_KEY},
                "fields": fields,
            }
        lines.append(draft)

    custom_lines = [
        {
            "name": item["name"],
            "money": {"currencyCode": currency, "centAmount": item["money"]["centAmount"]},
            "slug": item["slug"],
            "taxCategory": {"typeId": "tax-category", "id": tax["id"]},
            "custom": {
                "type": {"typeId": "type", "key": ct.LINE_ITEM_TYPE_KEY},
                "fields": item["custom"]["fields"],
            },
        }
        for item in obj["customLineItems"]
    ]
    ours = {
        name: value
        for name, value in (obj.get("custom") or {}).get("fields", {}).items()
        if name.startswith("talon_one_")
    }
    draft = {
        "currency": currency,
        "country": "DE",
        "lineItems": lines,
        "customLineItems": custom_lines,
    }
    if ours:
        draft["custom"] = {"type": {"typeId": "type", "key": ct.CART_TYPE_KEY}, "fields": ours}
    return create_cart(project, draft)


def seeded(project: Project) -> Project:
    seed_custom_types(project)
    create_tax_category(project)
    return project


def converge(project: Project, runtime_: Runtime, cart: dict[str, Any]) -> dict[str, Any]:
    cart = project.apply_actions("carts", cart, actions_for(runtime_, cart))
    assert actions_for(runtime_, cart) == []
    return cart


def has_item_discounts(answer: str) -> bool:
    return '"setDiscountPerItem"' in (FIXTURES / "talonone" / f"{answer}.json").read_text()


MODES = [
    pytest.param(event, answer, mode, id=f"{event}-{mode}")
    for event, answer in CASES
    for mode in ("direct_discounts", "custom_line_items")
    # commercetools-mock 4.4.0 refuses setLineItemTotalPrice ("Invalid action"), which the custom
    # line item mode uses for per-item discounts; those cases are covered without the mock in
    # tests/golden.
    if not (mode == "custom_line_items" and has_item_discounts(answer))
]


@pytest.mark.parametrize(("event", "answer", "mode"), MODES)
def test_reference_carts_reach_a_fixed_point(
    ct_project: Project, event: str, answer: str, mode: DiscountMode
) -> None:
    project = seeded(ct_project)
    runtime_ = runtime(project, (FIXTURES / "talonone" / f"{answer}.json").read_bytes(), mode)
    cart = rebuilt_cart(project, load("commercetools", event))

    cart = converge(project, runtime_, cart)
    cart = converge(project, runtime_, cart)

    # Running twice never duplicates a discount or a free item.
    free = [line for line in cart["lineItems"] if (line.get("custom") or {}).get("fields")]
    skus = [line["variant"]["sku"] for line in free]
    assert len(skus) == len(set(skus))
    slugs = [item["slug"] for item in cart["customLineItems"]]
    assert len(slugs) == len(set(slugs))


lines_strategy = st.lists(
    st.tuples(st.integers(1, 99_999), st.integers(1, 5)), min_size=1, max_size=6
)


@st.composite
def generated_answers(draw: st.DrawFn, line_count: int) -> dict[str, Any]:
    envelope = {"campaignId": 1, "rulesetId": 1, "ruleIndex": 0, "ruleName": "r"}
    effects: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        value = float(draw(st.decimals(min_value=0, max_value=50, places=3)))
        props = {
            "name": draw(st.sampled_from(["10% off", "Summer", "Deal"])),
            "value": value,
        }
        effects.append({**envelope, "effectType": "setDiscount", "props": props})
    for position in draw(st.lists(st.integers(0, line_count - 1), max_size=4)):
        value = float(draw(st.decimals(min_value=0, max_value=20, places=2)))
        props = {"name": f"Item#{position}", "value": value, "position": position}
        effects.append({**envelope, "effectType": "setDiscountPerItem", "props": props})
    for _ in range(draw(st.integers(0, 3))):
        props = {"sku": "GIFT", "name": "Gift"}
        effects.append({**envelope, "effectType": "addFreeItem", "props": props})
    text = json.dumps({"effects": effects, "createdCoupons": [], "createdReferrals": []})
    # Recorded answers carry numbers, not strings.
    answer: dict[str, Any] = json.loads(
        text.replace('"value": "', '"value": ').replace('", "position"', ', "position"')
    )
    return answer


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=lines_strategy, data=st.data())
def test_generated_carts_reach_a_fixed_point(
    ct_mock: CommercetoolsMock, lines: list[tuple[int, int]], data: st.DataObject
) -> None:
    project = seeded(ct_mock.project())
    tax = project.get_by_key("tax-categories", "standard-de")
    for index, (cents, _) in enumerate(lines):
        create_product(project, f"SKU-{index}", {"EUR": cents}, tax_category=tax)
    create_product(project, "GIFT", {"EUR": 999}, tax_category=tax)
    draft_lines = [{"sku": f"SKU-{i}", "quantity": q} for i, (_, q) in enumerate(lines)]
    cart = create_cart(project, {"currency": "EUR", "country": "DE", "lineItems": draft_lines})
    answer = data.draw(generated_answers(len(lines)))

    runtime_ = runtime(project, json.dumps(answer).encode(), "direct_discounts")

    converge(project, runtime_, cart)
