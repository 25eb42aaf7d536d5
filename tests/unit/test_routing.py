"""Which Talon.One Application evaluates a cart."""

from __future__ import annotations

from typing import Any

import pytest

from handler.routing import route
from handler.settings import Routing, Settings
from tests.unit.builders import app, cart, line_item, parsed

THREE_APPS = {"eu": app("eu"), "us": app("us"), "jp": app("jp")}


def routed(raw: dict[str, Any], routing: Routing, apps: dict[str, Any] | None = None) -> str | None:
    config = Settings(apps=THREE_APPS if apps is None else apps, routing=routing)
    result = route(parsed(raw), config)
    return None if result is None else result.name


def priced_in(currency: str, **kw: Any) -> dict[str, Any]:
    return cart(line_item(currency=currency), currency=currency, **kw)


BY_CURRENCY = Routing(by="currency", apps={"EUR": "eu", "USD": "us", "JPY": "jp"})


@pytest.mark.parametrize(("currency", "name"), [("EUR", "eu"), ("USD", "us"), ("JPY", "jp")])
def test_cart_is_routed_by_its_currency(currency: str, name: str) -> None:
    assert routed(priced_in(currency), BY_CURRENCY) == name


def test_routed_app_carries_its_connection() -> None:
    config = Settings(apps=THREE_APPS, routing=BY_CURRENCY)

    result = route(parsed(priced_in("USD")), config)

    assert result is not None
    assert result.app == THREE_APPS["us"]


def test_unrouted_currency_goes_to_the_fallback() -> None:
    routing = Routing(by="currency", apps={"EUR": "eu"}, fallback="us")

    assert routed(priced_in("GBP"), routing) == "us"


def test_unrouted_currency_without_fallback_gets_no_app() -> None:
    assert routed(priced_in("GBP"), BY_CURRENCY) is None


def test_cart_is_routed_by_its_store() -> None:
    routing = Routing(by="store", apps={"tokyo": "jp", "berlin": "eu"})

    assert routed(priced_in("EUR", store="tokyo"), routing) == "jp"


def test_cart_without_store_goes_to_the_fallback() -> None:
    routing = Routing(by="store", apps={"tokyo": "jp"}, fallback="eu")

    assert routed(priced_in("JPY"), routing) == "eu"


def test_expanded_store_reference_is_read() -> None:
    raw = priced_in("EUR")
    raw["store"] = {"typeId": "store", "id": "s-1", "obj": {"key": "berlin"}}

    assert routed(raw, Routing(by="store", apps={"berlin": "eu"})) == "eu"


def test_cart_field_may_name_the_app() -> None:
    raw = priced_in("EUR", fields={"talon_one_cart_app": "us"})

    assert routed(raw, Routing(by="cart_field")) == "us"


def test_cart_field_may_hold_a_value_the_routing_maps() -> None:
    raw = priced_in("EUR", fields={"brand": "acme"})
    routing = Routing(by="cart_field", field="brand", apps={"acme": "jp"})

    assert routed(raw, routing) == "jp"


@pytest.mark.parametrize("value", ["", "nobody", 7, None])
def test_unusable_cart_field_goes_to_the_fallback(value: Any) -> None:
    raw = priced_in("EUR", fields={"talon_one_cart_app": value})

    assert routed(raw, Routing(by="cart_field", fallback="eu")) == "eu"


def test_single_app_needs_no_routing() -> None:
    assert routed(priced_in("GBP"), Routing(), apps={"only": app("only")}) == "only"


def test_single_app_with_a_table_leaves_uncovered_carts_alone() -> None:
    # A GBP cart must not be evaluated in an EUR Application.
    routing = Routing(by="currency", apps={"EUR": "only"})

    assert routed(priced_in("GBP"), routing, apps={"only": app("only")}) is None
    assert routed(priced_in("EUR"), routing, apps={"only": app("only")}) == "only"


def test_no_apps_means_no_app() -> None:
    assert routed(priced_in("EUR"), Routing(), apps={}) is None


def test_cart_without_currency_gets_the_fallback_only() -> None:
    raw = cart()
    del raw["totalPrice"]

    assert routed(raw, BY_CURRENCY) is None
    assert routed(raw, Routing(by="currency", fallback="eu")) == "eu"
