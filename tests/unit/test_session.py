"""A commercetools cart as a Talon.One customer session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic_core import to_json

from handler import custom_types as ct
from handler.session import (
    MAX_CART_ITEMS,
    MAX_TOTAL_QUANTITY,
    CartTooLarge,
    Mappings,
    SessionRequest,
    build_session,
)
from handler.settings import Settings
from tests.support.contract import validate_talon_request
from tests.unit.builders import cart, coupon_marker, free_line, line_item, parsed, settings

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "reference-accelerator"


def session_of(raw: dict[str, Any], config: Settings | None = None) -> SessionRequest:
    config = config or settings()
    return build_session(parsed(raw), raw, config, Mappings.from_settings(config))


def customer_session(raw: dict[str, Any], config: Settings | None = None) -> dict[str, Any]:
    body: dict[str, Any] = session_of(raw, config).body["customerSession"]
    return body


def items_of(raw: dict[str, Any], config: Settings | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = customer_session(raw, config)["cartItems"]
    return items


# Identity and shape


def test_session_id_is_the_cart_id_and_only_needed_answer_content_is_asked_for() -> None:
    request = session_of(cart(line_item(), cart_id="cart-42"))

    assert request.session_id == "cart-42"
    # Not the session echo: the cart flow never reads it back.
    assert request.body["responseContent"] == ["loyalty"]


def test_registered_customer_is_the_session_profile() -> None:
    assert customer_session(cart(line_item(), customer_id="cust-7"))["profileId"] == "cust-7"


def test_anonymous_cart_has_no_profile() -> None:
    assert "profileId" not in customer_session(cart(line_item(), customer_id=None))


def test_session_of_an_empty_cart_clears_the_coupons() -> None:
    session = customer_session(cart())

    assert session["cartItems"] == []
    assert session["couponCodes"] == []


# Items


def test_item_is_identified_by_variant_sku_by_default() -> None:
    item = items_of(cart(line_item(sku="M0E-1", price=1999, quantity=3)))[0]

    assert item == {
        "sku": "M0E-1",
        "quantity": 3,
        "name": "Product line-1",
        "price": 19.99,
    }


def test_variant_without_sku_is_sent_by_product_id() -> None:
    assert items_of(cart(line_item(sku=None, product_id="p-9")))[0]["sku"] == "p-9"


def test_item_is_identified_by_product_id_when_configured() -> None:
    line = line_item(sku="M0E-1", product_id="p-9", variant_id=4)

    assert items_of(cart(line), settings(sku_type="product_id"))[0]["sku"] == "p-9"


@pytest.mark.parametrize(
    ("variant_id", "separator", "expected"),
    [(4, "@", "p-9@4"), (1, "@", "p-9@1"), (None, "@", "p-9@1"), (2, "::", "p-9::2")],
)
def test_item_is_identified_by_product_and_variant_id_when_configured(
    variant_id: int | None, separator: str, expected: str
) -> None:
    line = line_item(product_id="p-9", variant_id=variant_id)
    config = settings(sku_type="product_id_with_variant_id", sku_separator=separator)

    assert items_of(cart(line), config)[0]["sku"] == expected


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ({"de": "Hose", "en": "Trousers"}, "Hose"),
        ({"en": "Trousers", "fr": "Pantalon"}, "Trousers"),
        ({"fr": "Pantalon"}, "Pantalon"),
        ({"de": "", "en": "Trousers"}, "Trousers"),
    ],
)
def test_item_name_falls_back_through_the_languages(names: dict[str, str], expected: str) -> None:
    config = settings(language="de", fallback_languages=("en",))

    assert items_of(cart(line_item(name=names)), config)[0]["name"] == expected


def test_item_without_any_name_has_no_name() -> None:
    assert "name" not in items_of(cart(line_item(name={})))[0]


def test_product_discounted_price_is_sent_and_original_kept_as_attribute() -> None:
    item = items_of(cart(line_item(price=1000, discounted=800)))[0]

    assert item["price"] == 8
    assert item["attributes"] == {"originalPrice": 10}


def test_original_price_attribute_can_be_renamed_or_disabled() -> None:
    line = line_item(price=1000, discounted=800)

    renamed = items_of(cart(line), settings(original_price_attribute="listPrice"))[0]
    disabled = items_of(cart(line), settings(original_price_attribute=""))[0]

    assert renamed["attributes"] == {"listPrice": 10}
    assert "attributes" not in disabled


def test_undiscounted_item_has_no_original_price_attribute() -> None:
    assert "attributes" not in items_of(cart(line_item(price=1000)))[0]


@pytest.mark.parametrize(
    ("currency", "cents", "expected"),
    [("JPY", 1500, "1500"), ("KWD", 12345, "12.345"), ("EUR", 5, "0.05")],
)
def test_item_price_is_exact_in_the_currency_units(
    currency: str, cents: int, expected: str
) -> None:
    line = line_item(price=cents, currency=currency)

    # As written on the wire: the amount's own digits.
    assert to_json(items_of(cart(line, currency=currency))[0]["price"]).decode() == expected


def test_free_items_gift_lines_and_empty_lines_are_not_sent() -> None:
    request = session_of(
        cart(
            line_item("a", sku="A"),
            free_line("free", "F"),
            line_item("gift", sku="G", mode="GiftLineItem"),
            line_item("empty", sku="E", quantity=0),
            line_item("b", sku="B"),
        )
    )

    assert [item["sku"] for item in request.body["customerSession"]["cartItems"]] == ["A", "B"]
    # Effects address items by their position among the items sent.
    assert request.positions == ("a", "b")


def test_category_comes_from_the_expanded_product_type_key() -> None:
    line = line_item()
    line["productType"] = {"typeId": "product-type", "id": "pt", "obj": {"key": "shoes"}}

    assert items_of(cart(line))[0]["category"] == "shoes"


def test_category_is_absent_when_the_product_type_is_not_expanded() -> None:
    line = line_item()
    line["productType"] = {"typeId": "product-type", "id": "pt"}

    assert "category" not in items_of(cart(line))[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Shoes", "Shoes"),
        ({"de": "Schuhe", "en": "Shoes"}, "Shoes"),
        (7, "7"),
    ],
)
def test_category_comes_from_the_configured_variant_attribute(value: Any, expected: str) -> None:
    line = line_item(attributes=[{"name": "category", "value": value}])

    assert items_of(cart(line), settings(category_attribute="category"))[0]["category"] == expected


def category_of(value: Any) -> Any:
    line = line_item(attributes=[{"name": "category", "value": value}])
    return items_of(cart(line), settings(category_attribute="category"))[0].get("category")


@pytest.mark.parametrize(
    ("key_first", "label_first"),
    [
        ({"key": "shoes", "label": "Shoes"}, {"label": "Shoes", "key": "shoes"}),
        ({"key": "shoes", "label": {"en": "Shoes"}}, {"label": {"en": "Shoes"}, "key": "shoes"}),
    ],
    ids=["enum", "localized-enum"],
)
def test_enum_category_does_not_depend_on_the_order_of_its_fields(
    key_first: dict[str, Any], label_first: dict[str, Any]
) -> None:
    # JSON objects have no order; commercetools may write "label" before "key".
    assert category_of(key_first) is not None
    assert category_of(label_first) == category_of(key_first)


def test_empty_category_attribute_sends_no_category() -> None:
    line = line_item(attributes=[{"name": "category", "value": ""}])

    assert "category" not in items_of(cart(line), settings(category_attribute="category"))[0]


def test_item_attribute_mapping_reads_variant_attributes_and_the_line() -> None:
    line = line_item(
        attributes=[{"name": "color", "value": {"key": "blue", "label": {"en": "Blue"}}}],
        custom_fields={"giftWrap": True},
    )
    mapping = "color.key:colorKey; lineItem.custom.fields.giftWrap:wrapped{boolean}"

    item = items_of(cart(line), settings(cart_item_attribute_mapping=mapping))[0]

    assert item["attributes"] == {"colorKey": "blue", "wrapped": True}


# Coupons and referrals


def test_coupon_codes_are_sent_once_each_from_all_sources() -> None:
    fields = {
        ct.CART_COUPON_CODES: ["SUMMER", "summer"],
        ct.CART_COUPON_ACTION: "apply",
        ct.CART_COUPON_ACTION_VALUE: "winter",
    }
    raw = cart(line_item(), fields=fields, custom_lines=(coupon_marker("m", "WINTER"),))

    assert customer_session(raw)["couponCodes"] == ["SUMMER", "WINTER"]


def test_multi_currency_referral_code_is_decoded_for_the_cart() -> None:
    raw = cart(line_item(), fields={ct.CART_REFERRAL_CODE: "USD__R-US__EUR__R-EU"})

    assert customer_session(raw)["referralCode"] == "R-EU"


def test_empty_referral_field_sends_an_empty_code_to_clear_it() -> None:
    raw = cart(line_item(), fields={ct.CART_REFERRAL_CODE: ""})

    assert customer_session(raw)["referralCode"] == ""


def test_absent_referral_field_sends_no_referral_code() -> None:
    assert "referralCode" not in customer_session(cart(line_item(), fields={}))


# Additional costs and attributes


def test_shipping_is_sent_as_an_additional_cost() -> None:
    session = customer_session(cart(line_item(), shipping=495))

    assert session["additionalCosts"] == {"shipping": {"price": 4.95}}


def test_shipping_cost_name_is_configurable() -> None:
    session = customer_session(cart(line_item(), shipping=495), settings(shipping_cost_name="ship"))

    assert session["additionalCosts"] == {"ship": {"price": 4.95}}


def test_shipping_is_not_sent_when_its_cost_name_is_empty() -> None:
    session = customer_session(cart(line_item(), shipping=495), settings(shipping_cost_name=""))

    assert "additionalCosts" not in session


def test_cart_without_shipping_sends_no_additional_cost() -> None:
    assert "additionalCosts" not in customer_session(cart(line_item()))


def test_cart_attribute_mapping_reads_the_whole_cart() -> None:
    raw = cart(line_item(), fields={"segment": "vip"}, country="DE")
    mapping = "country:shippingCountry; custom.fields.segment:segment"

    session = customer_session(raw, settings(cart_attribute_mapping=mapping))

    assert session["attributes"] == {"shippingCountry": "DE", "segment": "vip"}


@pytest.mark.parametrize(("stored", "expected"), [(True, True), (False, False), (None, False)])
def test_pay_with_points_attribute_follows_the_cart_field(stored: Any, expected: bool) -> None:
    fields = {} if stored is None else {ct.CART_PAY_WITH_POINTS: stored}
    config = settings(pay_with_points_attribute="PayWithPoints")

    session = customer_session(cart(line_item(), fields=fields), config)

    assert session["attributes"] == {"PayWithPoints": expected}


def test_no_attributes_are_sent_without_mappings() -> None:
    assert "attributes" not in customer_session(cart(line_item(), fields={"segment": "vip"}))


# Limits


def test_cart_with_too_many_items_is_too_large() -> None:
    lines = [line_item(f"l{i}", sku=f"S{i}") for i in range(MAX_CART_ITEMS + 1)]

    with pytest.raises(CartTooLarge, match=str(MAX_CART_ITEMS)):
        session_of(cart(*lines))


def test_cart_with_too_many_units_is_too_large() -> None:
    lines = [line_item("a", quantity=MAX_TOTAL_QUANTITY), line_item("b", sku="B", quantity=1)]

    with pytest.raises(CartTooLarge, match=str(MAX_TOTAL_QUANTITY)):
        session_of(cart(*lines))


def test_cart_at_the_limits_is_sent() -> None:
    lines = [line_item(f"l{i}", sku=f"S{i}", quantity=10) for i in range(MAX_CART_ITEMS)]

    assert len(items_of(cart(*lines))) == MAX_CART_ITEMS


def test_free_items_do_not_count_towards_the_limits() -> None:
    lines = [line_item("a", quantity=MAX_TOTAL_QUANTITY), free_line("f", "F", quantity=5)]

    assert len(items_of(cart(*lines))) == 1


# A real cart


def test_accelerator_cart_gives_a_session_the_integration_api_accepts() -> None:
    event = json.loads((FIXTURES / "commercetools" / "update-cart-event.json").read_text())
    raw = event["resource"]["obj"]
    raw["shippingInfo"] = {"price": {"currencyCode": "EUR", "centAmount": 495}}
    config = settings(pay_with_points_attribute="PayWithPoints")

    request = session_of(raw, config)
    # The body as it goes on the wire; plain json.dumps also proves it holds no Decimal.
    body = json.loads(json.dumps(request.body))

    session = body["customerSession"]
    assert [(item["sku"], item["quantity"], item["price"]) for item in session["cartItems"]] == [
        ("M0E20000000ELE4", 1, 179),
        ("M0E20000000DVCD", 2, 498),
        ("M0E20000000EMOT", 1, 220),
        ("M0E20000000EFHV", 1, 98),
    ]
    assert session["additionalCosts"] == {"shipping": {"price": 4.95}}
    validate_talon_request(
        "PUT",
        f"https://eu.talon.test/v2/customer_sessions/{request.session_id}",
        {"Authorization": "ApiKey-v1 key", "Content-Type": "application/json"},
        body,
    )
