"""The extension's request flow, shared by every entry point (AWS Lambda, HTTP, the CLI).

``Runtime`` holds what lives for the whole process (settings, parsed mappings, the Talon.One
client). ``handle`` takes a decoded extension request and returns the response body; it never
raises: a bad request gets commercetools' error shape, and a cart Talon.One could not evaluate
keeps its promotions as they are (fail-open).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from handler.cart import Cart
from handler.cart_actions import CartPlan, plan_cart, unavailable_plan
from handler.effects import parse_effects
from handler.extension import (
    ExtensionRequest,
    InvalidRequest,
    error_response,
    parse_request,
    update_response,
)
from handler.logs import log_event
from handler.money import fraction_digits
from handler.promotions import evaluate
from handler.routing import route
from handler.session import CartTooLarge, Mappings, build_session
from handler.settings import Settings
from handler.talon import TalonClient, TalonError

# Time kept back from commercetools' deadline for everything around the Talon.One call.
SAFETY_MARGIN_S = 0.3


@dataclass
class Runtime:
    settings: Settings
    mappings: Mappings
    talon: TalonClient

    @property
    def talon_budget_s(self) -> float:
        return max(self.settings.extension_timeout_ms / 1000 - SAFETY_MARGIN_S, 0.1)


def handle(payload: Any, runtime: Runtime) -> tuple[bool, dict[str, Any]]:
    """Answer one extension request: (accepted, response body)."""
    started = time.monotonic()
    try:
        request = parse_request(payload)
    except InvalidRequest as exc:
        log_event(
            "extension_request",
            logging.WARNING,
            outcome="invalid_request",
            reason=str(exc),
        )
        return False, error_response(str(exc))

    log: dict[str, Any] = {
        "resource": request.type_id,
        "resource_id": request.resource_id,
        "action": request.action,
    }
    if request.type_id == "cart":
        try:
            actions = _handle_cart(request, runtime, log)
        except CartRejected as exc:
            log.update(duration_ms=round((time.monotonic() - started) * 1000, 2))
            log_event("extension_request", logging.WARNING, **log)
            return False, error_response(str(exc))
    elif request.type_id == "customer":
        actions = _handle_customer(request, runtime, log)
    else:
        actions = _handle_order(request, runtime, log)

    log["actions"] = len(actions)
    log["duration_ms"] = round((time.monotonic() - started) * 1000, 2)
    log_event("extension_request", **log)
    return True, update_response(actions)


def _handle_cart(
    request: ExtensionRequest, runtime: Runtime, log: dict[str, Any]
) -> list[dict[str, Any]]:
    settings = runtime.settings
    try:
        cart = Cart.model_validate(request.obj)
    except ValidationError as exc:
        # Not a cart commercetools would send; leave it as it is rather than block the shopper.
        log["outcome"] = "unreadable_cart"
        log["problems"] = [".".join(map(str, e["loc"])) for e in exc.errors(include_input=False)]
        return []

    routed = route(cart, settings)
    if routed is None:
        log["outcome"] = "no_app"
        return []
    log["app"] = routed.name

    try:
        session = build_session(cart, request.obj, settings, runtime.mappings)
    except CartTooLarge as exc:
        log["outcome"] = "cart_too_large"
        log["reason"] = str(exc)
        return _unavailable(cart, settings, log, f"the cart is too large for Talon.One: {exc}")

    try:
        result = runtime.talon.update_session(
            routed.app, session.session_id, session.body, runtime.talon_budget_s
        )
    except TalonError as exc:
        log.update(outcome="talon_unavailable", talon_error=exc.kind, talon_status=exc.status)
        return _unavailable(cart, settings, log, "promotions could not be evaluated, try again")
    log.update(talon_status=result.status, talon_ms=round(result.duration_ms, 2))

    parsed = parse_effects(result.data.get("effects"))
    digits = fraction_digits(cart.currency)
    promotions = evaluate(parsed, session.positions, digits, settings.rounding_mode)
    plan = plan_cart(cart, session.coupons, promotions, settings)

    log["outcome"] = "evaluated"
    log["effects"] = len(parsed.effects)
    if parsed.unknown:
        log["unknown_effects"] = dict(parsed.unknown)
    if parsed.invalid:
        log["invalid_effects"] = dict(parsed.invalid)
    return _noted(plan, log)


def _handle_customer(
    request: ExtensionRequest, runtime: Runtime, log: dict[str, Any]
) -> list[dict[str, Any]]:
    log["outcome"] = "not_handled"
    return []


def _handle_order(
    request: ExtensionRequest, runtime: Runtime, log: dict[str, Any]
) -> list[dict[str, Any]]:
    log["outcome"] = "not_handled"
    return []


class CartRejected(Exception):
    """The cart update is refused (fail-closed policy); the message goes to the API caller."""


def _unavailable(
    cart: Cart, settings: Settings, log: dict[str, Any], message: str
) -> list[dict[str, Any]]:
    if settings.cart_failure_policy == "closed":
        raise CartRejected(message)
    return _noted(unavailable_plan(cart, settings), log)


def _noted(plan: CartPlan, log: dict[str, Any]) -> list[dict[str, Any]]:
    if plan.notes:
        log["notes"] = dict(Counter(plan.notes))
    return plan.actions
