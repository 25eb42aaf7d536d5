"""Which Talon.One Application evaluates a cart."""

from __future__ import annotations

from typing import NamedTuple

from handler.cart import Cart
from handler.settings import App, Settings


class RoutedApp(NamedTuple):
    name: str
    app: App


def route(cart: Cart, settings: Settings) -> RoutedApp | None:
    """The app the routing settings pick for this cart, the fallback app, or None."""
    routing = settings.routing
    name: str | None = None

    if routing.by == "currency":
        name = routing.apps.get(cart.currency)
    elif routing.by == "store":
        store_key = cart.store.resolved_key if cart.store else None
        name = routing.apps.get(store_key) if store_key else None
    else:
        value = cart.fields.get(routing.field)
        if isinstance(value, str) and value:
            # The field may hold an app name, or a value the routing table maps to one.
            name = value if value in settings.apps else routing.apps.get(value)

    name = name or routing.fallback
    if name is None and not routing.apps and len(settings.apps) == 1:
        # A single app with no routing table evaluates every cart. With a table, a cart it does
        # not cover (say another currency) is left alone rather than sent in the wrong currency.
        name = next(iter(settings.apps))

    app = settings.apps.get(name) if name else None
    return RoutedApp(name, app) if name and app else None
