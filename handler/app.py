"""The extension's request flow, shared by every entry point (AWS Lambda, HTTP, the CLI).

``Runtime`` holds what lives for the whole process (settings, parsed mappings, the Talon.One
client). ``handle`` takes a decoded extension request and returns the response body; it never
raises: a bad request gets commercetools' error shape, and a cart Talon.One could not evaluate
keeps its promotions as they are (fail-open).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import ValidationError

from handler.cart import Cart
from handler.cart_actions import CartPlan, plan_cart, unavailable_plan
from handler.effects import ParsedEffects
from handler.extension import (
    ExtensionRequest,
    InvalidRequest,
    error_response,
    parse_request,
    unreadable_fields,
    update_response,
)
from handler.logs import log_event
from handler.money import fraction_digits
from handler.promotions import Promotions, evaluate
from handler.routing import route
from handler.session import CartTooLarge, Mappings, SessionRequest, build_session
from handler.settings import App, Settings
from handler.talon import SessionResult, TalonClient, TalonError

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
    try:
        actions = _dispatch(request, runtime, log)
    except CartRejected as exc:
        log.update(duration_ms=round((time.monotonic() - started) * 1000, 2))
        log_event("extension_request", logging.WARNING, **log)
        return False, error_response(str(exc))
    except Exception as exc:
        # A bug must not fail the shopper's write: approve it unchanged, and say so loudly.
        log.update(outcome="internal_error", error=type(exc).__name__)
        log.update(duration_ms=round((time.monotonic() - started) * 1000, 2))
        log_event("extension_request", logging.ERROR, **log)
        return True, update_response([])

    log["actions"] = len(actions)
    log["duration_ms"] = round((time.monotonic() - started) * 1000, 2)
    log_event("extension_request", **log)
    return True, update_response(actions)


def _dispatch(
    request: ExtensionRequest, runtime: Runtime, log: dict[str, Any]
) -> list[dict[str, Any]]:
    if request.type_id == "cart":
        return _handle_cart(request, runtime, log)
    if request.type_id == "customer":
        return _handle_customer(request, runtime, log)
    return _handle_order(request, runtime, log)


def _handle_cart(
    request: ExtensionRequest, runtime: Runtime, log: dict[str, Any]
) -> list[dict[str, Any]]:
    settings = runtime.settings
    try:
        cart = Cart.model_validate(request.obj)
    except ValidationError as exc:
        # Not a cart commercetools would send; leave it as it is rather than block the shopper.
        log["outcome"] = "unreadable_cart"
        log["problems"] = unreadable_fields(exc)
        return []

    routed = route(cart, settings)
    if routed is None:
        log["outcome"] = "no_app"
        return []
    log["app"] = routed.name

    try:
        evaluation = evaluate_cart(cart, request.obj, routed.app, runtime)
    except CartTooLarge as exc:
        log["outcome"] = "cart_too_large"
        log["reason"] = str(exc)
        return _unavailable(cart, settings, log, f"the cart is too large for Talon.One: {exc}")
    except TalonError as exc:
        log.update(outcome="talon_unavailable", talon_error=exc.kind, talon_status=exc.status)
        return _unavailable(cart, settings, log, "promotions could not be evaluated, try again")
    result = evaluation.answer
    log.update(talon_status=result.status, talon_ms=round(result.duration_ms, 2))

    parsed = evaluation.parsed
    log["outcome"] = "evaluated"
    log["effects"] = len(parsed.effects)
    if parsed.unknown:
        log["unknown_effects"] = dict(parsed.unknown)
    if parsed.invalid:
        log["invalid_effects"] = dict(parsed.invalid)
    return _noted(evaluation.plan, log)


class CartEvaluation(NamedTuple):
    """One cart's round trip: the session sent, Talon.One's answer and what the cart should get."""

    session: SessionRequest
    answer: SessionResult
    parsed: ParsedEffects
    promotions: Promotions
    plan: CartPlan


def evaluate_cart(
    cart: Cart,
    raw_cart: dict[str, Any],
    app: App,
    runtime: Runtime,
    *,
    dry: bool = False,
    extra_content: tuple[str, ...] = (),
    budget_s: float | None = None,
) -> CartEvaluation:
    """Ask ``app`` about the cart and plan its update actions from the answer.

    ``dry`` evaluates without storing anything and ``extra_content`` asks for more response
    content (both for the explain tool). Raises CartTooLarge before anything is sent, and
    TalonError when Talon.One gives no usable answer.
    """
    settings = runtime.settings
    session = build_session(cart, raw_cart, settings, runtime.mappings)
    if extra_content:
        contents = [*session.body["responseContent"], *extra_content]
        session = session._replace(body={**session.body, "responseContent": contents})

    budget = runtime.talon_budget_s if budget_s is None else budget_s
    answer = runtime.talon.update_session(app, session.session_id, session.body, budget, dry=dry)

    parsed = answer.effects
    digits = fraction_digits(cart.currency)
    promotions = evaluate(parsed, session.positions, digits, settings.rounding_mode)
    plan = plan_cart(cart, session.coupons, promotions, settings, answer.loyalty)
    return CartEvaluation(session, answer, parsed, promotions, plan)


def _handle_customer(
    request: ExtensionRequest, runtime: Runtime, log: dict[str, Any]
) -> list[dict[str, Any]]:
    # Loaded on the first customer event only, so cold starts that serve carts stay short.
    from handler.customers import customer_actions

    return customer_actions(request, runtime, log)


def _handle_order(
    request: ExtensionRequest, runtime: Runtime, log: dict[str, Any]
) -> list[dict[str, Any]]:
    # Loaded on the first order event only, like customers.
    from handler.orders import handle_order

    return handle_order(request.obj, runtime.settings, runtime.talon, runtime.talon_budget_s, log)


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
        log["notes"] = dict(plan.notes)
    return plan.actions
