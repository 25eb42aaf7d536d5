"""A local stand-in for Talon.One's Integration API, for the demo and for tests; not Talon.One.

``TalonStandIn`` is a small threaded HTTP server on 127.0.0.1 that answers in Talon.One's formats:

- ``PUT /v2/customer_sessions/{id}`` keeps each customer session with Talon's merge rules (an
  omitted field keeps its stored value, ``couponCodes: []`` and ``referralCode: ""`` clear) and
  answers an ``IntegrationStateV2`` whose effects come from a small rule engine (``DEMO_RULES``).
- ``GET /v2/customer_sessions/{id}`` answers the stored session and its last effects.
- ``PUT /v2/customer_profiles/{id}``, ``PUT /v2/customer_profiles`` and
  ``POST /v2/customer_sessions/{id}/returns`` are accepted and answered without effects.
- Anything else is a 404 in Talon's error shape.

Session states follow Talon's transitions. A closed, partially returned or cancelled session is
never evaluated again: cancelling a closed or partially returned session answers
``rollbackDiscount`` and ``rollbackCoupon`` effects for what it held at close, and any other change
to such a session is a 400 (Talon documents no answer for this case; its docs expect a 400).

For tests it records every request, counts accepted TCP connections (to prove keep-alive reuse), can
inject faults (``Fault``) and can answer fixed bodies (``set_response``).

Response contents produced when asked for: ``customerSession``, ``customerProfile``, ``loyalty``,
``triggeredCampaigns`` (the campaigns with an effect), ``coupons`` (the known coupons the session
holds) and, for open sessions, ``ruleFailureReasons`` (each evaluated rule that gave no effect).

Known shortcomings: the other response contents are never produced; referral codes are stored
but neither accepted nor rejected; returns do not track returned quantities, roll nothing back and
ignore ``Idempotency-Key``; session attributes are replaced as a whole rather than merged key by
key.

Run it by hand with ``python -m tools.talon_standin --port 8765 --api-key demo-key``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import json
import logging
import signal
import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self, TypeGuard
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
SESSION_STATES = ("open", "closed", "partially_returned", "cancelled")
RESPONSE_CONTENTS = (
    "customerSession",
    "customerProfile",
    "coupons",
    "triggeredCampaigns",
    "referral",
    "loyalty",
    "event",
    "awardedGiveaways",
    "ruleFailureReasons",
    "previousReturns",
    "campaignEligibility",
)
# The session fields a PUT may change; every other request key is evaluation input only.
STORED_SESSION_FIELDS = (
    "profileId",
    "storeIntegrationId",
    "couponCodes",
    "referralCode",
    "loyaltyCards",
    "state",
    "cartItems",
    "experimentVariantAllocations",
    "additionalCosts",
    "identifiers",
    "attributes",
)

MAX_STALL_SECONDS = 30.0
MAX_HUGE_BODY_BYTES = 50_000_000
# An idle keep-alive connection is dropped after this long, so a forgotten client ends its thread.
IDLE_CONNECTION_SECONDS = 120.0
STOP_JOIN_SECONDS = 5.0
SERVE_POLL_SECONDS = 0.05

CENT = Decimal("0.01")


# --- Promotion rules -------------------------------------------------------------------------


@dataclass(frozen=True)
class CartLine:
    """One cart item as the rules see it: Talon flattens quantity into units at ``position``."""

    position: int
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class CartFacts:
    """What a rule may look at: the session's items, item total, session-level costs and coupons."""

    lines: tuple[CartLine, ...]
    item_total: Decimal
    additional_costs: dict[str, Decimal]
    coupon_codes: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """One effect a rule produces, before the stand-in wraps it in Talon's effect envelope."""

    effect_type: str
    props: dict[str, Any]


@dataclass(frozen=True)
class Coupon:
    """A coupon code known to the stand-in; codes match case-insensitively, as in Talon."""

    id: int
    value: str

    def matches(self, code: str) -> bool:
        return self.value.casefold() == code.casefold()


@dataclass(frozen=True)
class Rule:
    """A demo promotion rule: where it lives in Talon's terms and what it does to a cart.

    A rule with a ``coupon`` runs only when that code is in the session. If it then produces
    effects, the coupon is accepted and each effect names the coupon in ``triggeredByCoupon``;
    if it produces none, the coupon is rejected with ``CouponRejectedByCondition``.
    """

    campaign_id: int
    ruleset_id: int
    rule_index: int
    name: str
    description: str
    evaluate: Callable[[CartFacts], list[Outcome]]
    coupon: Coupon | None = None
    campaign_name: str = ""

    @property
    def identity(self) -> tuple[int, int, int]:
        return self.campaign_id, self.ruleset_id, self.rule_index

    @property
    def campaign_label(self) -> str:
        return self.campaign_name or f"Campaign {self.campaign_id}"


def money(amount: Decimal) -> float:
    """A JSON number for an amount in the session currency, rounded to cents."""
    return float(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def percent_of(amount: Decimal, percent: int) -> float:
    return money(amount * percent / 100)


ORDER_DISCOUNT_THRESHOLD = Decimal(100)
FREE_SHIPPING_THRESHOLD = Decimal(200)
SHIPPING_COST = "shipping"
SHIPPING_COST_ID = 1
FREE_ITEM_SKU = "FREE-SOCKS"
SUMMER_COUPON = Coupon(id=9001, value="SUMMER10")


def ten_percent_over_100(cart: CartFacts) -> list[Outcome]:
    if cart.item_total <= ORDER_DISCOUNT_THRESHOLD:
        return []

    value = percent_of(cart.item_total, 10)
    return [Outcome("setDiscount", {"name": "10% off orders above 100", "value": value})]


def summer_coupon(cart: CartFacts) -> list[Outcome]:
    if not cart.lines:
        return []

    # Talon flattens lines into units, so the first line gets one discount per unit it holds.
    first = cart.lines[0]
    props = {
        "name": f"Summer coupon#{first.position}",
        "value": percent_of(first.unit_price, 10),
        "position": first.position,
    }
    return [
        Outcome("setDiscountPerItem", {**props, "subPosition": unit})
        for unit in range(first.quantity)
    ]


def free_socks(cart: CartFacts) -> list[Outcome]:
    if not any(line.quantity >= 2 for line in cart.lines):
        return []

    notification = {
        "notificationType": "Offer",
        "title": "Free socks",
        "body": "You bought two or more of an item, so a pair of socks is on us.",
    }
    return [
        Outcome("addFreeItem", {"sku": FREE_ITEM_SKU, "name": "Free socks"}),
        Outcome("showNotification", notification),
    ]


def free_shipping_over_200(cart: CartFacts) -> list[Outcome]:
    shipping = cart.additional_costs.get(SHIPPING_COST, Decimal(0))
    if cart.item_total <= FREE_SHIPPING_THRESHOLD or shipping <= 0:
        return []

    props = {
        "name": "Free shipping over 200",
        "additionalCostId": SHIPPING_COST_ID,
        "additionalCost": SHIPPING_COST,
        "value": money(shipping),
    }
    return [Outcome("setDiscountPerAdditionalCost", props)]


DEMO_RULES: tuple[Rule, ...] = (
    Rule(
        campaign_id=101,
        ruleset_id=201,
        rule_index=0,
        name="10% off orders above 100",
        description="When the items cost more than 100 in total, 10% of the item total comes off.",
        evaluate=ten_percent_over_100,
        campaign_name="Order discounts",
    ),
    Rule(
        campaign_id=101,
        ruleset_id=201,
        rule_index=1,
        name="Free shipping above 200",
        description="When the items cost more than 200 in total, the 'shipping' cost comes off.",
        evaluate=free_shipping_over_200,
        campaign_name="Order discounts",
    ),
    Rule(
        campaign_id=102,
        ruleset_id=202,
        rule_index=0,
        name="Summer coupon",
        description=(
            "Coupon SUMMER10 (any letter case) takes 10% off each unit of the first cart item; "
            "any other coupon code is rejected as not found."
        ),
        evaluate=summer_coupon,
        coupon=SUMMER_COUPON,
        campaign_name="Summer sale",
    ),
    Rule(
        campaign_id=103,
        ruleset_id=203,
        rule_index=0,
        name="Free socks for two of a kind",
        description=(
            f"When any cart item has a quantity of 2 or more, a free {FREE_ITEM_SKU} item is "
            "added and the shopper is told so."
        ),
        evaluate=free_socks,
        campaign_name="Free socks",
    ),
)


def effect(rule: Rule | None, outcome: Outcome, coupon: Coupon | None = None) -> dict[str, Any]:
    """Wrap an outcome in Talon's envelope; a code that belongs to no rule gets a zero envelope."""
    envelope: dict[str, Any] = {
        "campaignId": rule.campaign_id if rule else 0,
        "rulesetId": rule.ruleset_id if rule else 0,
        "ruleIndex": rule.rule_index if rule else 0,
        "ruleName": rule.name if rule else "",
        "effectType": outcome.effect_type,
        "props": outcome.props,
    }
    if coupon is not None:
        envelope["triggeredByCoupon"] = coupon.id
    return envelope


def evaluate_rules(rules: Sequence[Rule], cart: CartFacts) -> list[dict[str, Any]]:
    """The effects the rules give this cart, in rule order, then the rejections of unknown codes."""
    effects: list[dict[str, Any]] = []
    for rule in rules:
        effects += evaluate_rule(rule, cart)

    known = [rule.coupon for rule in rules if rule.coupon is not None]
    for code in cart.coupon_codes:
        if not any(coupon.matches(code) for coupon in known):
            rejection = {"value": code, "rejectionReason": "CouponNotFound"}
            effects.append(effect(None, Outcome("rejectCoupon", rejection)))
    return effects


def evaluate_rule(rule: Rule, cart: CartFacts) -> list[dict[str, Any]]:
    if rule.coupon is None:
        return [effect(rule, outcome) for outcome in rule.evaluate(cart)]

    code = rule_code(rule, cart)
    if code is None:
        return []

    outcomes = rule.evaluate(cart)
    if not outcomes:
        rejection = {"value": code, "rejectionReason": "CouponRejectedByCondition"}
        return [effect(rule, Outcome("rejectCoupon", rejection))]

    # Talon reports the coupon as stored, whatever letter case the shopper typed.
    accepted = Outcome("acceptCoupon", {"value": rule.coupon.value})
    return [effect(rule, outcome, rule.coupon) for outcome in [accepted, *outcomes]]


def rule_code(rule: Rule, cart: CartFacts) -> str | None:
    """The session's code that lets a coupon rule run, if any."""
    if rule.coupon is None:
        return None
    return next((code for code in cart.coupon_codes if rule.coupon.matches(code)), None)


def rule_failures(
    rules: Sequence[Rule], cart: CartFacts, effects: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Talon's ``ruleFailureReasons``: each rule that ran for this cart and gave no effect.

    A coupon rule runs only when its code is in the session; one that rejected its coupon failed.
    """
    applied = {
        (found["campaignId"], found["rulesetId"], found["ruleIndex"])
        for found in effects
        if found["effectType"] != "rejectCoupon"
    }
    failures = []
    for rule in rules:
        code = rule_code(rule, cart)
        if (rule.coupon is not None and code is None) or rule.identity in applied:
            continue

        failure: dict[str, Any] = {
            "campaignID": rule.campaign_id,
            "campaignName": rule.campaign_label,
            "rulesetID": rule.ruleset_id,
            "ruleIndex": rule.rule_index,
            "ruleName": rule.name,
            "conditionIndex": 0,
            "details": "The session does not meet the rule's conditions.",
        }
        if rule.coupon is not None and code is not None:
            failure.update(couponID=rule.coupon.id, couponValue=rule.coupon.value)
        failures.append(failure)
    return failures


def rollback_effects(effects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What cancelling a closed session undoes: its discounts and its accepted coupons."""
    rollbacks = []
    for applied in effects:
        props = applied["props"]
        match applied["effectType"]:
            case "setDiscount":
                undone = {"name": props["name"], "value": props["value"]}
            case "setDiscountPerItem":
                undone = {
                    "name": props["name"],
                    "value": props["value"],
                    "cartItemPosition": props["position"],
                    "cartItemSubPosition": props.get("subPosition", 0),
                }
            case "setDiscountPerAdditionalCost":
                undone = {
                    "name": props["name"],
                    "value": props["value"],
                    "additionalCostId": props["additionalCostId"],
                    "additionalCost": props["additionalCost"],
                }
            case "acceptCoupon":
                rollbacks.append({**applied, "effectType": "rollbackCoupon"})
                continue
            case _:
                continue
        rollbacks.append({**applied, "effectType": "rollbackDiscount", "props": undone})
    return rollbacks


# --- Talon's answer shapes -------------------------------------------------------------------


class TalonError(Exception):
    """A request Talon would refuse; it becomes an error body in Talon's shape."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "errors": self.errors, "StatusCode": self.status}


def problem(title: str, details: str, pointer: str) -> dict[str, Any]:
    return {"title": title, "details": details, "source": {"pointer": pointer}}


def invalid_body(details: str, pointer: str) -> TalonError:
    return TalonError(400, "Invalid request body", [problem("Invalid value", details, pointer)])


def timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def decimal_of(value: Any) -> Decimal:
    # Through str, so 19.99 stays 19.99 instead of its binary float expansion.
    return Decimal(str(value)) if isinstance(value, int | float) else Decimal(0)


# --- Request validation ----------------------------------------------------------------------


def session_request_problems(body: Any) -> list[dict[str, Any]]:
    """The minimal checks Talon makes on an update-session body, as Talon-style error entries."""
    if not isinstance(body, dict) or not isinstance(body.get("customerSession"), dict):
        return [problem("Missing field", "customerSession must be an object", "/customerSession")]

    session = body["customerSession"]
    contents = body.get("responseContent", [])
    checks = [
        ("state", session.get("state", "open") in SESSION_STATES, f"one of {SESSION_STATES}"),
        ("couponCodes", is_list_of(session.get("couponCodes", []), str), "a list of strings"),
        ("referralCode", isinstance(session.get("referralCode", ""), str), "a string"),
        ("additionalCosts", is_cost_map(session.get("additionalCosts", {})), "{name: {price}}"),
    ]
    problems = [
        problem("Invalid value", f"{name} must be {expected}", f"/customerSession/{name}")
        for name, valid, expected in checks
        if not valid
    ]

    if not is_list_of(contents, str) or not set(contents) <= set(RESPONSE_CONTENTS):
        details = f"responseContent items must be among {RESPONSE_CONTENTS}"
        problems.append(problem("Invalid value", details, "/responseContent"))
    return problems + list(cart_item_problems(session.get("cartItems", [])))


CART_ITEMS_POINTER = "/customerSession/cartItems"


def cart_item_problems(items: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(items, list):
        yield problem("Invalid value", "cartItems must be a list", CART_ITEMS_POINTER)
        return

    for index, item in enumerate(items):
        pointer = f"{CART_ITEMS_POINTER}/{index}"
        if not isinstance(item, dict):
            yield problem("Invalid value", "a cart item must be an object", pointer)
            continue
        if not isinstance(item.get("sku"), str) or not item["sku"]:
            yield problem("Missing field", "sku must be a non-empty string", f"{pointer}/sku")
        quantity = item.get("quantity")
        if not is_int(quantity) or quantity < 1:
            yield problem(
                "Invalid value", "quantity must be an integer >= 1", f"{pointer}/quantity"
            )
        if "price" in item and not is_number(item["price"]):
            yield problem("Invalid value", "price must be a number", f"{pointer}/price")


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_list_of(value: Any, kind: type) -> bool:
    return isinstance(value, list) and all(isinstance(item, kind) for item in value)


def is_cost_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(cost, dict) and is_number(cost.get("price")) for cost in value.values()
    )


# --- Stored sessions and profiles ------------------------------------------------------------


@dataclass
class StoredSession:
    """A customer session as the stand-in keeps it: the merged request fields plus Talon's own."""

    id: int
    integration_id: str
    created: str
    updated: str
    update_count: int
    first_session: bool
    fields: dict[str, Any]
    effects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str:
        state: str = self.fields["state"]
        return state

    def cart(self) -> CartFacts:
        lines = tuple(
            CartLine(position, item["sku"], item["quantity"], decimal_of(item.get("price")))
            for position, item in enumerate(self.fields["cartItems"])
        )
        costs = {
            name: decimal_of(cost["price"]) for name, cost in self.fields["additionalCosts"].items()
        }
        return CartFacts(
            lines=lines,
            item_total=sum((line.unit_price * line.quantity for line in lines), Decimal(0)),
            additional_costs=costs,
            coupon_codes=tuple(self.fields["couponCodes"]),
        )


@dataclass
class StoredProfile:
    id: int
    integration_id: str
    created: str
    last_activity: str
    attributes: dict[str, Any] = field(default_factory=dict)


def new_session_fields() -> dict[str, Any]:
    return {
        "profileId": "",
        "state": "open",
        "cartItems": [],
        "couponCodes": [],
        "referralCode": "",
        "additionalCosts": {},
        "attributes": {},
    }


def check_transition(current: str | None, requested: str) -> None:
    """Refuse the state changes Talon does not allow through this endpoint."""
    if current is None and requested in ("open", "closed"):
        return
    if current == "open" and requested in ("open", "closed", "cancelled"):
        return
    if current in ("closed", "partially_returned") and requested == "cancelled":
        return

    was = f"is {current}" if current else "does not exist yet"
    raise TalonError(
        400,
        f"The customer session {was} and cannot be set to {requested} by an update",
        [problem("Invalid state", f"{current or 'new'} -> {requested}", "/customerSession/state")],
    )


def session_totals(fields: dict[str, Any]) -> dict[str, float]:
    items = fields["cartItems"]
    item_total = sum(
        (decimal_of(item.get("price")) * item["quantity"] for item in items), Decimal(0)
    )
    cost_total = sum(
        (decimal_of(cost["price"]) for cost in fields["additionalCosts"].values()), Decimal(0)
    )
    item_cost_total = sum(
        (
            decimal_of(cost["price"]) * item["quantity"]
            for item in items
            for cost in item.get("additionalCosts", {}).values()
        ),
        Decimal(0),
    )
    return {
        "total": float(item_total + cost_total + item_cost_total),
        "cartItemTotal": float(item_total),
        "additionalCostTotal": float(cost_total),
        "cartItemAdditionalCostTotal": float(item_cost_total),
    }


class TalonBook:
    """The stand-in's memory and its Integration API operations, apart from any HTTP concerns."""

    def __init__(self, rules: Sequence[Rule], application_id: int, account_id: int) -> None:
        self.rules = tuple(rules)
        self.application_id = application_id
        self.account_id = account_id
        self.sessions: dict[str, StoredSession] = {}
        self.profiles: dict[str, StoredProfile] = {}
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        # Campaigns and coupons are set up before any session: they share one creation time.
        self.created = timestamp()

    def update_session(
        self, integration_id: str, body: dict[str, Any], dry: bool
    ) -> dict[str, Any]:
        requested = body["customerSession"]
        with self.lock:
            stored = self.sessions.get(integration_id)
            previous = stored.state if stored else None
            check_transition(previous, requested.get("state", previous or "open"))

            session = copy.deepcopy(stored) if stored else self.new_session(integration_id)
            self.merge(session, requested)
            session.effects = self.effects_after(previous, session)

            if not dry:
                self.sessions[integration_id] = session
                if session.fields["profileId"]:
                    self.touch_profile(session.fields["profileId"], session.updated)
            return self.integration_state(session, body.get("responseContent", []))

    def new_session(self, integration_id: str) -> StoredSession:
        now = timestamp()
        return StoredSession(
            id=next(self.ids),
            integration_id=integration_id,
            created=now,
            updated=now,
            update_count=0,
            first_session=True,
            fields=new_session_fields(),
        )

    def merge(self, session: StoredSession, requested: dict[str, Any]) -> None:
        # What a session held at close is final; only its state may still move on.
        if session.state in ("closed", "partially_returned"):
            session.fields["state"] = requested["state"]
        else:
            for name in STORED_SESSION_FIELDS:
                if name in requested:
                    session.fields[name] = copy.deepcopy(requested[name])

        profile_id = session.fields["profileId"]
        if session.update_count == 0 and profile_id:
            session.first_session = not any(
                other.fields["profileId"] == profile_id for other in self.sessions.values()
            )

        session.update_count += 1
        session.updated = timestamp()

    def effects_after(self, previous: str | None, session: StoredSession) -> list[dict[str, Any]]:
        if previous in ("closed", "partially_returned"):
            return rollback_effects(session.effects)
        if session.state == "cancelled":
            return []
        return evaluate_rules(self.rules, session.cart())

    def integration_state(self, session: StoredSession, contents: list[str]) -> dict[str, Any]:
        state: dict[str, Any] = {
            "effects": session.effects,
            "createdCoupons": [],
            "createdReferrals": [],
        }
        if "customerSession" in contents:
            state["customerSession"] = self.session_view(session)
        profile = self.profiles.get(session.fields["profileId"])
        if "customerProfile" in contents and profile is not None:
            state["customerProfile"] = self.profile_view(profile)
        if "loyalty" in contents:
            state["loyalty"] = {"programs": {}}
        if "triggeredCampaigns" in contents:
            state["triggeredCampaigns"] = self.triggered_campaigns(session.effects)
        if "coupons" in contents:
            state["coupons"] = self.session_coupons(session.cart())
        if "ruleFailureReasons" in contents and session.state == "open":
            state["ruleFailureReasons"] = rule_failures(self.rules, session.cart(), session.effects)
        return copy.deepcopy(state)

    def triggered_campaigns(self, effects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The campaigns whose rules gave effects, in rule order; a rejection triggers nothing."""
        triggered = {
            found["campaignId"] for found in effects if found["effectType"] != "rejectCoupon"
        }
        campaigns: dict[int, dict[str, Any]] = {}
        for rule in self.rules:
            if rule.campaign_id in triggered and rule.campaign_id not in campaigns:
                campaigns[rule.campaign_id] = self.campaign_view(rule)
        return list(campaigns.values())

    def campaign_view(self, rule: Rule) -> dict[str, Any]:
        siblings = [other for other in self.rules if other.campaign_id == rule.campaign_id]
        with_coupons = any(other.coupon is not None for other in siblings)
        return {
            "id": rule.campaign_id,
            "created": self.created,
            "applicationId": self.application_id,
            "userId": 1,
            "name": rule.campaign_label,
            "description": "",
            "state": "enabled",
            "tags": [],
            "limits": [],
            "features": ["coupons"] if with_coupons else [],
            "type": "advanced",
            "frontendState": "running",
            "storesImported": False,
            "reevaluateOnReturn": False,
        }

    def session_coupons(self, cart: CartFacts) -> list[dict[str, Any]]:
        """The known coupons among the session's codes, as Talon lists the coupons it evaluated."""
        coupons = []
        for rule in self.rules:
            if rule.coupon is None or rule_code(rule, cart) is None:
                continue
            coupons.append(
                {
                    "id": rule.coupon.id,
                    "created": self.created,
                    "campaignId": rule.campaign_id,
                    "value": rule.coupon.value,
                    "usageLimit": 0,
                    "usageCounter": 0,
                    "profileRedemptionCount": 0,
                }
            )
        return coupons

    def session_view(self, session: StoredSession) -> dict[str, Any]:
        fields = session.fields
        cart_items = [
            {**item, "position": position} for position, item in enumerate(fields["cartItems"])
        ]
        return {
            **fields,
            "id": session.id,
            "integrationId": session.integration_id,
            "created": session.created,
            "applicationId": self.application_id,
            "cartItems": cart_items,
            "firstSession": session.first_session,
            "updateCount": session.update_count,
            **session_totals(fields),
            "updated": session.updated,
        }

    def get_session(self, integration_id: str) -> dict[str, Any]:
        with self.lock:
            session = self.sessions.get(integration_id)
            # The specification lists no 404 here, so an unknown session is a bad request.
            if session is None:
                details = f"no customer session {integration_id!r}"
                raise TalonError(
                    400,
                    "Customer session not found",
                    [
                        {
                            "title": "Not found",
                            "details": details,
                            "source": {"parameter": "customerSessionId"},
                        }
                    ],
                )
            view = {"customerSession": self.session_view(session), "effects": session.effects}
            return copy.deepcopy(view)

    def return_items(self, integration_id: str, body: Any) -> dict[str, Any]:
        returned = body.get("return") if isinstance(body, dict) else None
        items = returned.get("returnedCartItems") if isinstance(returned, dict) else None
        if not isinstance(items, list):
            raise invalid_body("return.returnedCartItems must be a list", "/return")

        with self.lock:
            session = self.sessions.get(integration_id)
            if session is None or session.state not in ("closed", "partially_returned"):
                now = session.state if session else "unknown"
                raise TalonError(400, f"Only a closed session takes returns; this one is {now}")

            session.fields["state"] = "partially_returned"
            session.update_count += 1
            session.updated = timestamp()
            answer = self.integration_state(session, body.get("responseContent", []))
            answer["effects"] = []
            answer["return"] = {
                "id": next(self.ids),
                "created": session.updated,
                "applicationId": self.application_id,
                "accountId": self.account_id,
                "returnedCartItems": items,
                "eventId": next(self.ids),
                "sessionId": session.id,
                "sessionIntegrationId": integration_id,
                "profileIntegrationId": session.fields["profileId"],
            }
            return answer

    def update_profile(self, integration_id: str, body: Any) -> dict[str, Any]:
        attributes = body.get("attributes", {}) if isinstance(body, dict) else None
        if not isinstance(attributes, dict):
            raise invalid_body("attributes must be an object", "/attributes")

        with self.lock:
            profile = self.touch_profile(integration_id, timestamp())
            profile.attributes.update(attributes)
            return {
                "effects": [],
                "createdCoupons": [],
                "createdReferrals": [],
                "customerProfile": self.profile_view(profile),
            }

    def update_profiles(self, body: Any) -> list[dict[str, Any]]:
        profiles = body.get("customerProfiles") if isinstance(body, dict) else None
        if not isinstance(profiles, list) or not all(
            isinstance(entry, dict) and isinstance(entry.get("integrationId"), str)
            for entry in profiles
        ):
            details = "customerProfiles must be a list of objects with an integrationId"
            raise invalid_body(details, "/customerProfiles")

        with self.lock:
            states = []
            for entry in profiles:
                profile = self.touch_profile(entry["integrationId"], timestamp())
                profile.attributes.update(entry.get("attributes") or {})
                states.append({"customerProfile": self.profile_view(profile)})
            return states

    def touch_profile(self, integration_id: str, when: str) -> StoredProfile:
        profile = self.profiles.get(integration_id)
        if profile is None:
            profile = StoredProfile(next(self.ids), integration_id, when, when)
            self.profiles[integration_id] = profile
        profile.last_activity = when
        return profile

    def profile_view(self, profile: StoredProfile) -> dict[str, Any]:
        # Like Talon, only sessions that were closed and not cancelled count as sales.
        sold = [
            session_totals(session.fields)["total"]
            for session in self.sessions.values()
            if session.fields["profileId"] == profile.integration_id
            and session.state in ("closed", "partially_returned")
        ]
        return {
            "id": profile.id,
            "created": profile.created,
            "integrationId": profile.integration_id,
            "attributes": copy.deepcopy(profile.attributes),
            "accountId": self.account_id,
            "closedSessions": len(sold),
            "totalSales": sum(sold),
            "lastActivity": profile.last_activity,
            "audienceMemberships": [],
        }


# --- Faults, recordings and replies ----------------------------------------------------------

FaultKind = Literal["stall", "reset", "error", "invalid_json", "wrong_content_type", "huge_body"]


@dataclass(frozen=True)
class Fault:
    """A misbehaviour the stand-in shows on the next ``times`` requests (every request if None).

    Build one with the class methods. A stall and a huge body still process the request; a
    reset, an error, invalid JSON and a wrong content type leave every session untouched.
    """

    kind: FaultKind
    seconds: float = 0.0
    status: int = 0
    body: dict[str, Any] | None = None
    size: int = 0
    times: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.seconds <= MAX_STALL_SECONDS:
            raise ValueError(f"a stall lasts 0 to {MAX_STALL_SECONDS} seconds, not {self.seconds}")
        if not 0 <= self.size <= MAX_HUGE_BODY_BYTES:
            raise ValueError(
                f"a huge body has at most {MAX_HUGE_BODY_BYTES} bytes, not {self.size}"
            )
        if self.times is not None and self.times < 1:
            raise ValueError(
                f"times must be at least 1 (or None for every request), not {self.times}"
            )

    @classmethod
    def stall(cls, seconds: float, times: int | None = None) -> Fault:
        """Wait before answering; the wait ends early when the stand-in stops."""
        return cls("stall", seconds=seconds, times=times)

    @classmethod
    def reset(cls, times: int | None = None) -> Fault:
        """Drop the connection with a TCP reset instead of answering."""
        return cls("reset", times=times)

    @classmethod
    def error(
        cls, status: int, body: dict[str, Any] | None = None, times: int | None = None
    ) -> Fault:
        """Answer ``status`` with ``body`` (by default Talon's error shape for that status)."""
        return cls("error", status=status, body=body, times=times)

    @classmethod
    def invalid_json(cls, times: int | None = None) -> Fault:
        """Answer 200 as application/json with a body that is cut off mid-document."""
        return cls("invalid_json", times=times)

    @classmethod
    def wrong_content_type(cls, times: int | None = None) -> Fault:
        """Answer 200 with an HTML page, as a proxy in front of Talon might."""
        return cls("wrong_content_type", times=times)

    @classmethod
    def huge_body(cls, size: int = 5_000_000, times: int | None = None) -> Fault:
        """Answer normally, padded with a ``padding`` string to at least ``size`` bytes of JSON."""
        return cls("huge_body", size=size, times=times)


def default_error_body(status: int) -> dict[str, Any]:
    if status == 409:
        message = "Too many requests are updating this session at the same time"
    elif status == 429:
        message = "Too many requests"
    else:
        message = "The stand-in was told to fail this request"
    return {"message": message, "errors": [], "StatusCode": status}


@dataclass(frozen=True, repr=False)
class RecordedRequest:
    """One request the stand-in received, kept for tests to inspect.

    ``path`` is as sent (still URL-encoded, without the query), header names are lower case and
    ``body`` is the parsed JSON (None when the body was empty or not JSON). The API key is kept in
    ``headers`` for tests to check but stays out of ``repr``.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    def __repr__(self) -> str:
        headers = {
            name: "<hidden>" if name == "authorization" else value
            for name, value in self.headers.items()
        }
        return (
            f"RecordedRequest(method={self.method!r}, path={self.path!r}, query={self.query!r}, "
            f"headers={headers!r}, body={self.body!r})"
        )


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any] | None
    content_type: str = "application/json"
    raw: bytes | None = None

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode()


def padded(reply: Reply, size: int) -> Reply:
    body = dict(reply.body or {})
    body["padding"] = ""
    missing = size - len(json.dumps(body, separators=(",", ":")).encode())
    body["padding"] = "x" * max(missing, 0)
    return replace(reply, body=body)


HTML_PAGE = b"<html><body><h1>502 Bad Gateway</h1><p>upstream unavailable</p></body></html>"
CUT_OFF_JSON = b'{"effects": [{"campaignId": 1, "effectType": "setDisc'


# --- Routing ---------------------------------------------------------------------------------

Endpoint = Callable[[TalonBook, RecordedRequest], Reply]


def path_segments(path: str) -> list[str]:
    # Split before decoding, so an encoded "/" inside a session ID stays part of that ID.
    return [unquote(part) for part in path.split("/")[1:]]


def is_true(query: dict[str, list[str]], name: str) -> bool:
    return query.get(name, ["false"])[-1].lower() in ("true", "yes", "1")


def find_endpoint(method: str, path: str) -> Endpoint | None:
    """The operation the stand-in runs for this method and path; None for any other request."""
    match method, path_segments(path):
        case "PUT", ["v2", "customer_sessions", session_id]:
            return partial(put_session, session_id)
        case "GET", ["v2", "customer_sessions", session_id]:
            return partial(get_session, session_id)
        case "POST", ["v2", "customer_sessions", session_id, "returns"]:
            return partial(post_returns, session_id)
        case "PUT", ["v2", "customer_profiles", integration_id]:
            return partial(put_profile, integration_id)
        case "PUT", ["v2", "customer_profiles"]:
            return put_profiles
    return None


def session_id_of(method: str, path: str) -> str | None:
    match method, path_segments(path):
        case "PUT", ["v2", "customer_sessions", session_id]:
            return session_id
    return None


def put_session(session_id: str, book: TalonBook, request: RecordedRequest) -> Reply:
    problems = session_request_problems(request.body)
    if problems:
        raise TalonError(400, "Invalid request body", problems)

    dry = is_true(request.query, "dry")
    return Reply(200, book.update_session(session_id, request.body, dry))


def get_session(session_id: str, book: TalonBook, request: RecordedRequest) -> Reply:
    return Reply(200, book.get_session(session_id))


def post_returns(session_id: str, book: TalonBook, request: RecordedRequest) -> Reply:
    return Reply(200, book.return_items(session_id, request.body))


def put_profile(integration_id: str, book: TalonBook, request: RecordedRequest) -> Reply:
    return Reply(200, book.update_profile(integration_id, request.body))


def put_profiles(book: TalonBook, request: RecordedRequest) -> Reply:
    states = book.update_profiles(request.body)

    # Talon answers the bulk update with no content unless silent=no asks for the profiles.
    if request.query.get("silent", ["yes"])[-1] == "no":
        return Reply(200, {"integrationStates": states})
    return Reply(204, None)


# --- HTTP ------------------------------------------------------------------------------------


class StandInServer(ThreadingHTTPServer):
    """A threaded server that counts accepted connections and can drop the open ones on stop."""

    daemon_threads = True

    def __init__(self, port: int, stand_in: TalonStandIn) -> None:
        self.stand_in = stand_in
        self.accepted = 0
        self.open_sockets: set[socket.socket] = set()
        self.handler_threads: list[threading.Thread] = []
        self.tracking = threading.Lock()
        super().__init__((HOST, port), RequestHandler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        with self.tracking:
            self.accepted += 1
            self.open_sockets.add(connection)
        return connection, address

    def process_request(self, request: Any, client_address: Any) -> None:
        # Our own threads, so stopping can wait for them with a bound instead of forever.
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="talon-standin-connection",
            daemon=True,
        )
        with self.tracking:
            self.handler_threads = [alive for alive in self.handler_threads if alive.is_alive()]
            self.handler_threads.append(thread)
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self.tracking:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.tracking:
            sockets = list(self.open_sockets)
            threads = list(self.handler_threads)

        # Idle keep-alive connections would otherwise hold their threads until the idle timeout.
        for connection in sockets:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

        for thread in threads:
            thread.join(STOP_JOIN_SECONDS)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            logger.debug("client %s went away", client_address)
            return
        logger.exception("the stand-in failed on a request from %s", client_address)


class RequestHandler(BaseHTTPRequestHandler):
    """Reads one request, hands it to the stand-in and writes its reply, keeping the connection."""

    protocol_version = "HTTP/1.1"
    server_version = "TalonStandIn/1"
    timeout = IDLE_CONNECTION_SECONDS
    server: StandInServer

    def do_GET(self) -> None:
        self.serve()

    def do_PUT(self) -> None:
        self.serve()

    def do_POST(self) -> None:
        self.serve()

    def do_DELETE(self) -> None:
        self.serve()

    def do_PATCH(self) -> None:
        self.serve()

    def serve(self) -> None:
        raw_body = self.read_body()
        target = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=target.path,
            query=parse_qs(target.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=parse_json(raw_body),
        )

        try:
            reply = self.server.stand_in.respond(request)
        except Exception:
            logger.exception("the stand-in failed to answer %s %s", self.command, self.path)
            reply = Reply(500, TalonError(500, "The stand-in failed on this request").body())

        if reply is None:
            self.reset_connection()
        else:
            self.send(reply)

    def read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            # Without a trustworthy length the next request on this connection cannot be found.
            self.close_connection = True
            return b""
        return self.rfile.read(length)

    def send(self, reply: Reply) -> None:
        payload = reply.payload()
        self.send_response(reply.status)
        if payload:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def reset_connection(self) -> None:
        # A zero linger makes close() send a TCP reset; the read file must let go of the socket
        # first, or close() would only drop a reference.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


def parse_json(raw_body: bytes) -> Any:
    try:
        return json.loads(raw_body) if raw_body else None
    except ValueError:
        return None


def is_json_content_type(value: str | None) -> bool:
    return (value or "").split(";")[0].strip().lower() == "application/json"


# --- The stand-in ----------------------------------------------------------------------------


class TalonStandIn:
    """A local Talon.One Integration API on 127.0.0.1, started and stopped by ``with``.

    ``requests`` lists every request received, ``connections`` counts accepted TCP connections,
    ``set_fault`` makes the coming requests misbehave and ``set_response`` pins an answer.
    """

    def __init__(
        self,
        rules: Sequence[Rule] = DEMO_RULES,
        api_key: str = "demo-key",
        *,
        port: int = 0,
        application_id: int = 1,
        account_id: int = 1,
    ) -> None:
        self.book = TalonBook(rules, application_id, account_id)
        self.requests: list[RecordedRequest] = []
        self._authorization = f"ApiKey-v1 {api_key}"
        self._port = port
        self._lock = threading.Lock()
        self._fault: Fault | None = None
        self._fault_uses_left: int | None = None
        self._fixed_by_path: dict[str, Reply] = {}
        self._fixed_by_session: dict[str, Reply] = {}
        self._stopping = threading.Event()
        self._server: StandInServer | None = None
        self._serving: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.base_url if self._server else "not started"
        return f"TalonStandIn({where}, rules={len(self.rules)})"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.book.rules

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        return f"http://{HOST}:{self._server.server_port}"

    @property
    def connections(self) -> int:
        return self._server.accepted if self._server else 0

    def start(self) -> Self:
        """Listen on 127.0.0.1 (a free port unless one was given) and serve in the background."""
        self._stopping.clear()
        self._server = StandInServer(self._port, self)
        self._serving = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SERVE_POLL_SECONDS},
            name="talon-standin",
            daemon=True,
        )
        self._serving.start()
        return self

    def close(self) -> None:
        """Stop serving, cut open connections and wake stalled requests; waits are bounded."""
        if self._server is None or self._serving is None:
            return

        self._stopping.set()
        self._server.shutdown()
        self._server.drop_connections()
        self._server.server_close()
        self._serving.join(STOP_JOIN_SECONDS)
        self._server = None
        self._serving = None

    def set_fault(self, fault: Fault | None) -> None:
        """Make the coming requests misbehave as ``fault`` says; None restores normal answers."""
        with self._lock:
            self._fault = fault
            self._fault_uses_left = fault.times if fault else None

    def set_response(
        self, path_or_session_id: str, body: dict[str, Any] | None, status: int = 200
    ) -> None:
        """Answer ``body`` instead of evaluating, after the API key is checked.

        A key starting with "/" pins every request to that path (as sent, without the query); any
        other key is a session ID and pins its ``PUT /v2/customer_sessions/{id}``. None unpins.
        """
        fixed = (
            self._fixed_by_path if path_or_session_id.startswith("/") else self._fixed_by_session
        )
        with self._lock:
            if body is None:
                fixed.pop(path_or_session_id, None)
            else:
                fixed[path_or_session_id] = Reply(status, copy.deepcopy(body))

    def respond(self, request: RecordedRequest) -> Reply | None:
        """The reply to one request, or None when the connection is to be reset instead."""
        with self._lock:
            self.requests.append(request)
        fault = self._take_fault()

        if fault is None:
            return self._answer(request)
        match fault.kind:
            case "reset":
                return None
            case "error":
                return Reply(fault.status, fault.body or default_error_body(fault.status))
            case "invalid_json":
                return Reply(200, None, raw=CUT_OFF_JSON)
            case "wrong_content_type":
                return Reply(200, None, content_type="text/html; charset=utf-8", raw=HTML_PAGE)
            case "stall":
                stopped = self._stopping.wait(fault.seconds)
                return None if stopped else self._answer(request)
            case "huge_body":
                return padded(self._answer(request), fault.size)
        raise AssertionError(f"unknown fault {fault.kind}")

    def _take_fault(self) -> Fault | None:
        with self._lock:
            fault = self._fault
            if fault is not None and self._fault_uses_left is not None:
                self._fault_uses_left -= 1
                if self._fault_uses_left == 0:
                    self._fault = None
            return fault

    def _answer(self, request: RecordedRequest) -> Reply:
        endpoint = find_endpoint(request.method, request.path)
        try:
            if endpoint is None:
                raise TalonError(404, f"No endpoint answers {request.method} {request.path}")
            self._check_api_key(request)

            fixed = self._fixed_reply(request)
            if fixed is not None:
                return fixed

            if request.method in ("PUT", "POST"):
                check_json_body(request)
            return endpoint(self.book, request)
        except TalonError as refused:
            return Reply(refused.status, refused.body())

    def _check_api_key(self, request: RecordedRequest) -> None:
        if request.headers.get("authorization") != self._authorization:
            raise TalonError(401, "Invalid or missing API key: send Authorization: ApiKey-v1 <key>")

    def _fixed_reply(self, request: RecordedRequest) -> Reply | None:
        session_id = session_id_of(request.method, request.path)
        with self._lock:
            fixed = self._fixed_by_path.get(request.path)
            if fixed is None and session_id is not None:
                fixed = self._fixed_by_session.get(session_id)
        return replace(fixed, body=copy.deepcopy(fixed.body)) if fixed else None


def check_json_body(request: RecordedRequest) -> None:
    if not is_json_content_type(request.headers.get("content-type")):
        details = f"got {request.headers.get('content-type')!r}"
        raise TalonError(
            400,
            "The request body must be sent as application/json",
            [problem("Unsupported content type", details, "")],
        )
    if request.body is None:
        details = "the body is empty or not valid JSON"
        raise TalonError(
            400, "Invalid JSON in request body", [problem("Invalid JSON", details, "")]
        )


# --- Standalone use --------------------------------------------------------------------------


def banner(stand_in: TalonStandIn) -> str:
    """What the stand-in is, where it listens and which rules it applies, for people to read."""
    label = "Talon.One stand-in: a local fake of the Integration API. It is not Talon.One."
    lines = [
        label,
        f"Listening at {stand_in.base_url} (clients send Authorization: ApiKey-v1 <API key>).",
        "Promotion rules:",
    ]
    lines += [f"  - {rule.name}: {rule.description}" for rule in stand_in.rules]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.talon_standin",
        description="Serve a local stand-in for the Talon.One Integration API on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on; 0 picks one")
    parser.add_argument("--api-key", default="demo-key", help="the key clients must send")
    args = parser.parse_args(argv)

    stand_in = TalonStandIn(DEMO_RULES, args.api_key, port=args.port)
    try:
        stand_in.start()
    except OSError as exc:
        print(f"Cannot listen on {HOST}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    print(banner(stand_in), flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        # Polling keeps the main thread responsive to the signal handlers above.
        while not stop.wait(0.5):
            pass
    finally:
        stand_in.close()
    print("Stand-in stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
