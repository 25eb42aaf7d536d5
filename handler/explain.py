"""Why did this cart get that? ``python -m handler explain --cart-id ID [--json]``.

The support tool reads one cart from commercetools (``CTP_*`` variables), builds the Talon.One
session exactly as the handler does, and asks the routed Application in dry-run mode: Talon.One
evaluates the session but stores nothing and spends no budget. It then prints, in plain language or
as one JSON object: the app chosen and why, the session sent, each effect with its campaign and
rule, the rejected coupon and referral codes with their reasons, the rules that did not apply, the
update actions the handler would return for the cart as it is now, and notes.

Nothing secret is printed (API keys, client secrets, tokens), and no personal data except the
customer id: session attributes mapped from personal cart fields are withheld.

Exit status: 0 when the cart was explained; 2, with one line on stderr, when a setting is missing
or invalid, the cart does not exist, or commercetools or Talon.One cannot be asked.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO
from urllib.parse import quote

import requests
from pydantic import ValidationError
from pydantic_core import from_json

from handler.app import CartEvaluation, Runtime, evaluate_cart
from handler.cart import Cart
from handler.cart_actions import unavailable_plan
from handler.commercetools import Commercetools, CommercetoolsError, Connection
from handler.effects import (
    AddFreeItem,
    CodeAccepted,
    CodeRejected,
    Effect,
    SetDiscount,
    SetDiscountPerAdditionalCost,
    SetDiscountPerItem,
    ShowNotification,
    parse_effects,
)
from handler.money import fraction_digits, minor_to_decimal
from handler.routing import RoutedApp, route
from handler.runtime import RuntimeUnavailable, build_runtime
from handler.session import CartTooLarge
from handler.settings import Routing, Settings, SettingsError
from handler.talon import TalonError

PROG = "python -m handler explain"

# Asked for on top of what the handler asks for. All are allowed with dry=true; the spec forbids
# only campaignEligibility next to triggeredCampaigns and ruleFailureReasons.
EXTRA_CONTENT = ("triggeredCampaigns", "ruleFailureReasons", "coupons", "referral")

# A person is waiting, not commercetools: Talon.One gets more time than in the extension.
TALON_BUDGET_S = 10.0

WITHHELD = "<withheld: personal data>"

# Cart fields (and parts of addresses) that hold personal data; an attribute mapped from a path
# through any of them is withheld. Compared in lower case.
PERSONAL_SOURCES = frozenset(
    name.lower()
    for name in (
        "customerEmail",
        "email",
        "anonymousId",
        "shippingAddress",
        "billingAddress",
        "itemShippingAddresses",
        "firstName",
        "lastName",
        "middleName",
        "salutation",
        "phone",
        "mobile",
        "fax",
        "streetName",
        "streetNumber",
        "additionalStreetInfo",
        "additionalAddressInfo",
        "postalCode",
        "company",
        "dateOfBirth",
    )
)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# What Talon.One's rejection codes mean, for people who do not know them by heart.
REASONS = {
    "CouponNotFound": "no coupon with this code exists",
    "CouponExpired": "the coupon has expired",
    "CouponStartDateInFuture": "the coupon is not valid yet",
    "CouponLimitReached": "the coupon has been redeemed as often as it may be",
    "CampaignLimitReached": "the campaign has used up its budget",
    "ProfileLimitReached": "this customer has used it as often as they may",
    "CouponPartOfNotRunningCampaign": "its campaign is not running",
    "CouponPartOfNotTriggeredCampaign": "its campaign did not apply to this cart",
    "CouponRecipientDoesNotMatch": "the coupon belongs to another customer",
    "CouponRejectedByCondition": "the cart does not meet the coupon's conditions",
    "CouponReservationRequired": "the coupon must be reserved for this customer first",
    "EffectCouldNotBeApplied": "the promotion could not be applied to this cart",
    "ProfileRequired": "only a logged-in customer can use it",
    "CouponCodeTooLong": "the code is longer than Talon.One accepts, so it was not sent",
    "AdvocateNotFound": "the customer who shared the code is unknown",
    "ReferralNotFound": "no referral code like this exists",
    "ReferralExpired": "the referral code has expired",
    "ReferralStartDateInFuture": "the referral code is not valid yet",
    "ReferralLimitReached": "the referral code has been used as often as it may",
    "ReferralCustomerAlreadyReferred": "this customer was referred before",
    "ReferralPartOfNotRunningCampaign": "its campaign is not running",
    "ReferralPartOfNotTriggeredCampaign": "its campaign did not apply to this cart",
    "ReferralRecipientDoesNotMatch": "the referral code is meant for another customer",
    "ReferralRecipientIdSameAsAdvocate": "customers cannot refer themselves",
    "ReferralRejectedByCondition": "the cart does not meet the referral's conditions",
}


class ExplainFailed(Exception):
    """The cart could not be explained; the message is the one line printed."""


@dataclass
class Report:
    """The explanation, in the shape ``--json`` prints; the text form reads the same parts."""

    app: dict[str, Any]
    session: dict[str, Any]
    effects: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    rule_failures: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "session": self.session,
            "effects": self.effects,
            "rejections": self.rejections,
            "ruleFailures": self.rule_failures,
            "actions": self.actions,
            "notes": self.notes,
        }


# --- Command line ----------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Explain what Talon.One and the handler do with one cart (a dry run: "
        "nothing is stored). Reads CTP_* and T1CT_* settings from the environment.",
    )
    parser.add_argument("--cart-id", required=True, help="the commercetools cart id")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    try:
        with _quiet_handler_logs():
            report = explain(args.cart_id, os.environ)
    except ExplainFailed as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2

    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False, default=_json_value))
    else:
        write_text(report, sys.stdout)
    return 0


@contextlib.contextmanager
def _quiet_handler_logs() -> Iterator[None]:
    # The runtime logs a settings problem as a JSON line; the tool says it once, in its own words.
    # A handler on the "handler" logger keeps Python's last-resort stderr handler out of it.
    logger = logging.getLogger("handler")
    quiet = logging.NullHandler()
    logger.addHandler(quiet)
    try:
        yield
    finally:
        logger.removeHandler(quiet)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# --- Gathering -------------------------------------------------------------------------------


def explain(cart_id: str, environ: Mapping[str, str]) -> Report:
    """Fetch the cart, ask Talon.One in dry-run mode and explain the answer."""
    if not cart_id.strip():
        raise ExplainFailed("--cart-id is empty")
    connection = _connection(environ)
    runtime = _runtime(environ)

    raw_cart = fetch_cart(connection, cart_id)
    cart = _readable(raw_cart)
    settings = runtime.settings

    routed = route(cart, settings)
    if routed is None:
        return Report(_unrouted(cart, settings), _unsent(cart), notes=[NOT_ROUTED])

    try:
        evaluation = evaluate_cart(
            cart,
            raw_cart,
            routed.app,
            runtime,
            dry=True,
            extra_content=EXTRA_CONTENT,
            budget_s=TALON_BUDGET_S,
        )
    except CartTooLarge as exc:
        return _too_large(cart, routed, settings, exc)
    except TalonError as exc:
        raise ExplainFailed(_talon_failure(routed, exc)) from None

    return explain_answer(cart, routed, evaluation, runtime)


def _connection(environ: Mapping[str, str]) -> Connection:
    try:
        return Connection.from_environ(environ)
    except SettingsError as exc:
        raise ExplainFailed(f"commercetools settings are invalid: {exc}") from None


def _runtime(environ: Mapping[str, str]) -> Runtime:
    try:
        runtime = build_runtime(environ)
    except RuntimeUnavailable as exc:
        raise ExplainFailed(f"handler settings are invalid: {exc}") from None

    if not runtime.settings.apps:
        raise ExplainFailed("handler settings are invalid: T1CT_APPS sets up no Talon.One app")
    return runtime


def fetch_cart(connection: Connection, cart_id: str) -> dict[str, Any]:
    """The cart as commercetools stores it; ExplainFailed when it cannot be read."""
    where = f"commercetools ({connection.api_url}, project {connection.project_key})"
    with requests.Session() as http:
        client = Commercetools(connection, session=http)
        try:
            raw = client.get(f"/carts/{quote(cart_id, safe='')}")
        except CommercetoolsError as exc:
            raise ExplainFailed(f"{where} refused to read the cart: {exc}") from None
        except requests.RequestException as exc:
            # Only the kind of failure: the exception text may carry request details.
            raise ExplainFailed(f"{where} could not be reached: {type(exc).__name__}") from None
        except (ValueError, KeyError):
            raise ExplainFailed(f"{where} answered something that is not its API") from None

    if raw is None:
        raise ExplainFailed(f"cart {cart_id!r} was not found in {where}")
    return raw


def _readable(raw_cart: dict[str, Any]) -> Cart:
    try:
        return Cart.model_validate(raw_cart)
    except ValidationError as exc:
        where = ".".join(map(str, exc.errors(include_input=False)[0]["loc"]))
        raise ExplainFailed(f"the cart cannot be read (at {where})") from None


def _talon_failure(routed: RoutedApp, exc: TalonError) -> str:
    where = f"Talon.One app {routed.name!r} ({routed.app.base_url})"
    if exc.kind == "status":
        return f"{where} refused the dry run: {exc}"
    if exc.kind == "invalid_response":
        return f"{where} answered the dry run with something unusable: {exc}"
    return f"{where} could not be reached: {exc} ({exc.kind})"


# --- The app ---------------------------------------------------------------------------------

NOT_ROUTED = "No Talon.One app evaluates this cart, so the handler leaves it unchanged."


def _unsent(cart: Cart) -> dict[str, Any]:
    """The session part of a report when nothing was sent: the cart it is about."""
    return {
        "id": cart.id,
        "currency": cart.currency,
        "customerId": cart.customer_id,
        "sent": False,
        "customerSession": None,
        "responseContent": [],
    }


def _routing_value(cart: Cart, routing: Routing) -> tuple[str | None, str]:
    """The cart property that picks the app, and how to name it in a sentence."""
    if routing.by == "currency":
        return cart.currency or None, f"the cart's currency {cart.currency or '(none)'}"
    if routing.by == "store":
        key = cart.store.resolved_key if cart.store else None
        return key, f"the cart's store {key}" if key else "the cart (no store)"
    value = cart.fields.get(routing.field)
    text = value if isinstance(value, str) and value else None
    return text, f"the cart field {routing.field} = {text}" if text else "the cart field (empty)"


def _routing_reason(cart: Cart, settings: Settings, name: str) -> str:
    routing = settings.routing
    value, described = _routing_value(cart, routing)

    if routing.by == "cart_field" and value == name:
        return f"{described} names it"
    if value is not None and routing.apps.get(value) == name:
        return f"T1CT_ROUTING maps {described} to it"
    if routing.fallback == name:
        return f"T1CT_ROUTING does not map {described}, so its fallback app is used"
    return "it is the only app and T1CT_ROUTING has no table, so it evaluates every cart"


def _routed(cart: Cart, settings: Settings, routed: RoutedApp) -> dict[str, Any]:
    return {
        "name": routed.name,
        "baseUrl": routed.app.base_url,
        "reason": _routing_reason(cart, settings, routed.name),
        "dryRun": True,
    }


def _unrouted(cart: Cart, settings: Settings) -> dict[str, Any]:
    _, described = _routing_value(cart, settings.routing)
    reason = f"T1CT_ROUTING maps no app to {described} and has no fallback app"
    return {"name": None, "baseUrl": None, "reason": reason, "dryRun": True}


def _too_large(cart: Cart, routed: RoutedApp, settings: Settings, exc: CartTooLarge) -> Report:
    report = Report(_routed(cart, settings, routed), _unsent(cart))
    report.notes.append(f"The cart is too large for Talon.One ({exc}), so it was not sent.")

    if settings.cart_failure_policy == "closed":
        report.notes.append("T1CT_CART_FAILURE_POLICY is closed: the handler rejects the update.")
        return report
    plan = unavailable_plan(cart, settings)
    report.actions = [_action(action) for action in plan.actions]
    report.notes.append("The handler keeps the cart's promotions and flags them unavailable.")
    report.notes += _counted(plan.notes)
    return report


# --- Talon.One's answer ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What the effect lines need to know beyond the effect itself."""

    currency: str
    rounding: str
    items: list[dict[str, Any]]
    campaigns: dict[int, str]
    coupons: dict[int, str]


def explain_answer(
    cart: Cart, routed: RoutedApp, evaluation: CartEvaluation, runtime: Runtime
) -> Report:
    """The report for one evaluated cart."""
    settings = runtime.settings
    data = _answer_data(evaluation.answer.content)
    session, withheld = _shown_session(cart, evaluation, runtime)
    context = _context(cart, settings, session, data)
    raw_effects = data.get("effects")
    effects = raw_effects if isinstance(raw_effects, list) else []

    report = Report(_routed(cart, settings, routed), session)
    report.effects = [_effect(raw, context) for raw in effects]
    report.rejections = _rejections(effects, evaluation, context)
    report.rule_failures = _rule_failures(data.get("ruleFailureReasons"), context)
    report.actions = [_action(action) for action in evaluation.plan.actions]
    report.notes = _notes(evaluation, context, withheld, effects)
    return report


def _context(
    cart: Cart, settings: Settings, session: dict[str, Any], data: dict[str, Any]
) -> _Context:
    items = session["customerSession"].get("cartItems", [])
    return _Context(
        currency=cart.currency,
        rounding=settings.rounding_mode,
        items=items if isinstance(items, list) else [],
        campaigns=_campaign_names(data),
        coupons=_coupon_codes(data),
    )


def _campaign_names(data: dict[str, Any]) -> dict[int, str]:
    """Campaign names from the triggered campaigns and the rule failures, by campaign id."""
    names: dict[int, str] = {}
    for failure in _objects(data.get("ruleFailureReasons")):
        if isinstance(failure.get("campaignID"), int) and failure.get("campaignName"):
            names[failure["campaignID"]] = str(failure["campaignName"])
    for campaign in _objects(data.get("triggeredCampaigns")):
        if isinstance(campaign.get("id"), int) and campaign.get("name"):
            names[campaign["id"]] = str(campaign["name"])
    return names


def _coupon_codes(data: dict[str, Any]) -> dict[int, str]:
    """Coupon codes by coupon id: effects name the coupon that triggered them only by its id."""
    codes: dict[int, str] = {}
    for coupon in _objects(data.get("coupons")):
        if isinstance(coupon.get("id"), int) and isinstance(coupon.get("value"), str):
            codes[coupon["id"]] = coupon["value"]
    for raw in _objects(data.get("effects")):
        coupon_id = raw.get("triggeredByCoupon")
        code = _props(raw).get("value")
        if raw.get("effectType") == "acceptCoupon" and isinstance(coupon_id, int) and code:
            codes.setdefault(coupon_id, str(code))
    return codes


def _props(raw: dict[str, Any]) -> dict[str, Any]:
    props = raw.get("props")
    return props if isinstance(props, dict) else {}


def _answer_data(content: bytes) -> dict[str, Any]:
    # The cart flow reads only the effects and the loyalty block; the report shows more of it.
    data = from_json(content)
    return data if isinstance(data, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


# --- The session -----------------------------------------------------------------------------


def _shown_session(
    cart: Cart, evaluation: CartEvaluation, runtime: Runtime
) -> tuple[dict[str, Any], int]:
    """The session as sent, personal data withheld; and how many values were withheld."""
    body = evaluation.session.body
    sent = dict(body["customerSession"])
    personal = {
        transformation.attribute
        for transformation in runtime.mappings.cart.transformations
        if any(part.lower() in PERSONAL_SOURCES for part in transformation.path)
    }

    attributes, withheld = _withheld(sent.get("attributes", {}), personal)
    if "attributes" in sent:
        sent["attributes"] = attributes

    items = []
    for item in sent.get("cartItems", []):
        item_attributes, count = _withheld(item.get("attributes", {}), set())
        withheld += count
        items.append({**item, "attributes": item_attributes} if "attributes" in item else item)
    sent["cartItems"] = items

    shown = {
        **_unsent(cart),
        "id": evaluation.session.session_id,
        "sent": True,
        "customerSession": sent,
        "responseContent": list(body["responseContent"]),
    }
    return shown, withheld


def _withheld(attributes: dict[str, Any], personal: set[str]) -> tuple[dict[str, Any], int]:
    shown: dict[str, Any] = {}
    count = 0
    for name, value in attributes.items():
        if name in personal or _has_email(value):
            shown[name] = WITHHELD
            count += 1
        else:
            shown[name] = value
    return shown, count


def _has_email(value: Any) -> bool:
    if isinstance(value, str):
        return bool(EMAIL.search(value))
    if isinstance(value, dict):
        return any(_has_email(member) for member in value.values())
    if isinstance(value, list):
        return any(_has_email(member) for member in value)
    return False


# --- Effects ---------------------------------------------------------------------------------


def _effect(raw: Any, context: _Context) -> dict[str, Any]:
    """One effect as Talon.One sent it, with its campaign, rule, coupon and a summary."""
    envelope = raw if isinstance(raw, dict) else {}
    campaign_id = envelope.get("campaignId")
    rule = str(envelope.get("ruleName") or "")
    coupon = _triggering_coupon(envelope.get("triggeredByCoupon"), context)

    parsed = parse_effects([raw])
    typed = parsed.effects[0] if parsed.effects else None
    effect_type = str(envelope.get("effectType"))
    if typed is not None:
        summary = _effect_summary(typed, context)
    elif parsed.invalid:
        summary = f"{effect_type} with props the handler cannot read (ignored)"
    else:
        summary = f"{effect_type} (the handler does not act on this effect type)"

    line = f"{_origin(campaign_id, rule, context)} -> {summary}"
    # An accepted or rejected coupon is named in the summary already.
    if coupon and not effect_type.endswith("Coupon"):
        line += f" (coupon {coupon})"
    return {
        "type": effect_type,
        "campaignId": campaign_id,
        "campaign": context.campaigns.get(campaign_id) if isinstance(campaign_id, int) else None,
        "rule": rule or None,
        "coupon": coupon,
        "handled": typed is not None,
        "summary": line,
        "props": envelope.get("props"),
    }


def _triggering_coupon(coupon_id: Any, context: _Context) -> str | None:
    if not isinstance(coupon_id, int):
        return None
    return context.coupons.get(coupon_id, f"with id {coupon_id}")


def _origin(campaign_id: Any, rule: str, context: _Context) -> str:
    """Who caused an effect: "Campaign 'Summer' rule '10% off'", by id when the name is missing."""
    if not isinstance(campaign_id, int) or campaign_id == 0:
        campaign = "No campaign"
    elif campaign_id in context.campaigns:
        campaign = f"Campaign '{context.campaigns[campaign_id]}'"
    else:
        campaign = f"Campaign {campaign_id}"
    return f"{campaign} rule '{rule}'" if rule else campaign


def _effect_summary(effect: Effect, context: _Context) -> str:
    props = effect.props
    if isinstance(props, SetDiscount):
        return f"{_money(props.value, context)} off the cart ('{props.name}')"
    if isinstance(props, SetDiscountPerItem):
        return f"{_money(props.value, context)} off {_item(props, context)}"
    if isinstance(props, SetDiscountPerAdditionalCost):
        return f"{_money(props.value, context)} off the additional cost '{props.additional_cost}'"
    if isinstance(props, AddFreeItem):
        quantity = f" x{props.desired_quantity}" if props.desired_quantity else ""
        name = f" ('{props.name}')" if props.name else ""
        return f"adds free item {props.sku}{quantity}{name}"
    if isinstance(props, CodeRejected):
        return f"rejects {_code_kind(effect.type)} {props.value}: {_reason(props.rejection_reason)}"
    if isinstance(props, CodeAccepted):
        return f"accepts {_code_kind(effect.type)} {props.value}"
    if isinstance(props, ShowNotification):
        title = f"{props.title}: " if props.title else ""
        return f"shows the shopper an {props.notification_type} notification: {title}{props.body}"
    return effect.type


def _item(props: SetDiscountPerItem, context: _Context) -> str:
    position = int(props.position) if props.position == props.position.to_integral_value() else -1
    if not 0 <= position < len(context.items):
        return f"cart item {props.position}, which the session does not have"
    sku = context.items[position].get("sku")
    unit = f", unit {int(props.sub_position) + 1}" if props.sub_position is not None else ""
    return f"cart item {position} (SKU {sku}{unit})"


def _code_kind(effect_type: str) -> str:
    return "referral code" if "Referral" in effect_type else "coupon"


def _reason(reason: str) -> str:
    meaning = REASONS.get(reason)
    if not reason:
        return "no reason given"
    return f"{reason} ({meaning})" if meaning else reason


def _money(value: Decimal, context: _Context) -> str:
    digits = fraction_digits(context.currency)
    amount = value.quantize(Decimal(1).scaleb(-digits), rounding=context.rounding)
    return f"{amount:f} {context.currency}".rstrip()


# --- Rejections and rule failures ------------------------------------------------------------


def _rejections(
    effects: list[Any], evaluation: CartEvaluation, context: _Context
) -> list[dict[str, Any]]:
    """Codes Talon.One rejected, and codes the handler never sent because they are too long."""
    rejections = []
    for raw in _objects(effects):
        effect_type = raw.get("effectType")
        props = _props(raw)
        if effect_type not in ("rejectCoupon", "rejectReferral"):
            continue
        rejections.append(
            _rejection(
                _code_kind(str(effect_type)),
                str(props.get("value", "")),
                str(props.get("rejectionReason", "")),
                raw.get("campaignId"),
                str(raw.get("ruleName") or ""),
                context,
            )
        )

    for code in evaluation.session.coupons.too_long:
        rejections.append(_rejection("coupon", code, "CouponCodeTooLong", None, "", context))
    return rejections


def _rejection(
    kind: str, code: str, reason: str, campaign_id: Any, rule: str, context: _Context
) -> dict[str, Any]:
    campaign = campaign_id if isinstance(campaign_id, int) and campaign_id else None
    summary = f"{kind.capitalize()} {code} rejected: {_reason(reason)}"
    # A code no campaign knows is rejected by Talon.One itself; only a campaign is worth naming.
    if campaign is not None or rule:
        summary += f" [{_origin(campaign_id, rule, context)}]"
    return {
        "kind": kind,
        "code": code,
        "reason": reason,
        "meaning": REASONS.get(reason),
        "campaignId": campaign,
        "campaign": context.campaigns.get(campaign) if campaign is not None else None,
        "rule": rule or None,
        "summary": summary,
    }


def _rule_failures(raw_failures: Any, context: _Context) -> list[dict[str, Any]]:
    failures = []
    for raw in _objects(raw_failures):
        campaign_id = raw.get("campaignID")
        rule = str(raw.get("ruleName") or "")
        coupon = raw.get("couponValue")
        referral = raw.get("referralValue")
        details = raw.get("details")

        line = f"{_origin(campaign_id, rule, context)} did not apply"
        line += f" to coupon {coupon}" if coupon else ""
        line += f" to referral code {referral}" if referral else ""
        line += f": {details}" if details else ""
        failures.append(
            {
                "campaignId": campaign_id,
                "campaign": raw.get("campaignName"),
                "rule": rule or None,
                "coupon": coupon,
                "referral": referral,
                "conditionIndex": raw.get("conditionIndex"),
                "effectIndex": raw.get("effectIndex"),
                "details": details,
                "summary": line,
            }
        )
    return failures


# --- Actions ---------------------------------------------------------------------------------


def _action(action: dict[str, Any]) -> dict[str, Any]:
    return {"summary": _action_summary(action), "action": action}


def _action_summary(action: dict[str, Any]) -> str:
    name = action.get("action")
    if name == "setCustomType":
        fields = ", ".join(action.get("fields", {})) or "no fields"
        return f"give the cart the custom type {action['type'].get('key')} with {fields}"
    if name == "setCustomField":
        if "value" not in action:
            return f"remove the cart field {action['name']}"
        return f"set the cart field {action['name']} to {_short(action['value'])}"
    if name == "setDirectDiscounts":
        return _direct_discounts_summary(action.get("discounts", []))
    if name == "addLineItem":
        product = action.get("sku") or action.get("productId")
        return f"add the free item {product} x{action.get('quantity')} at price 0"
    if name == "changeLineItemQuantity":
        return f"change the free item line {action['lineItemId']} to {action['quantity']}"
    if name == "removeLineItem":
        return f"remove the free item line {action['lineItemId']}"
    if name == "addCustomLineItem":
        label = next(iter(action.get("name", {}).values()), action.get("slug"))
        return f"add the custom line '{label}' of {_draft_money(action['money'])}"
    if name == "changeCustomLineItemMoney":
        money = _draft_money(action["money"])
        return f"change the custom line {action['customLineItemId']} to {money}"
    if name == "removeCustomLineItem":
        return f"remove the custom line {action['customLineItemId']}"
    if name == "setLineItemTotalPrice":
        return _total_price_summary(action)
    return str(name)


def _direct_discounts_summary(discounts: list[dict[str, Any]]) -> str:
    if not discounts:
        return "remove every Direct Discount"
    parts = []
    for discount in discounts:
        money = discount["value"]["money"][0]
        target = discount["target"]
        where = {"totalPrice": "the cart", "shipping": "shipping"}.get(
            target["type"], f"line items where {target.get('predicate')}"
        )
        parts.append(f"{_draft_money(money)} off {where}")
    return f"set {len(discounts)} Direct Discount(s): " + "; ".join(parts)


def _total_price_summary(action: dict[str, Any]) -> str:
    external = action.get("externalTotalPrice")
    if external is None:
        return f"give line {action['lineItemId']} its commercetools price back"
    total = _draft_money(external["totalPrice"])
    return f"set the total of line {action['lineItemId']} to {total}"


def _draft_money(money: dict[str, Any]) -> str:
    amount = minor_to_decimal(money["centAmount"], money["fractionDigits"])
    return f"{amount:f} {money['currencyCode']}"


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, default=_json_value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- Notes -----------------------------------------------------------------------------------


def _notes(
    evaluation: CartEvaluation, context: _Context, withheld: int, effects: list[Any]
) -> list[str]:
    notes = ["Dry run: Talon.One evaluated the session but stored nothing."]
    parsed = evaluation.parsed

    notes += [f"Not acted on by the handler: {name} (x{n})" for name, n in parsed.unknown.items()]
    notes += [f"Ignored, unreadable props: {name} (x{n})" for name, n in parsed.invalid.items()]
    notes += _counted(evaluation.plan.notes)

    campaign_ids = {raw.get("campaignId") for raw in _objects(effects)} - {0, None}
    if campaign_ids - set(context.campaigns):
        notes.append("Talon.One named not every campaign; those are shown by id.")
    if withheld:
        notes.append(f"{withheld} attribute value(s) withheld as personal data.")
    if not evaluation.plan.actions:
        notes.append("No update actions: the cart already shows what Talon.One decided.")
    return notes


def _counted(counter: Mapping[str, int]) -> list[str]:
    return [f"{note} (x{count})" if count > 1 else note for note, count in counter.items()]


# --- Text ------------------------------------------------------------------------------------


def write_text(report: Report, out: TextIO) -> None:
    """The report for people to read."""
    session = report.session
    customer = session["customerId"] or "none (anonymous cart)"
    currency = session["currency"] or "no currency"
    out.write(f"Cart {session['id']} in {currency}, customer {customer}\n")
    app = report.app
    if app["name"] is None:
        out.write(f"App: none, because {app['reason']}\n")
    else:
        out.write(f"App: {app['name']} at {app['baseUrl']}, because {app['reason']}\n")

    _write_session(session, out)
    _write_list("Effects", [effect["summary"] for effect in report.effects], out)
    _write_list("Rejected codes", [entry["summary"] for entry in report.rejections], out)
    _write_list("Rules that did not apply", [f["summary"] for f in report.rule_failures], out)
    actions = [f"{n}. {a['summary']}" for n, a in enumerate(report.actions, start=1)]
    _write_list("Update actions the handler would return", actions, out)
    _write_list("Notes", report.notes, out)


def _write_list(title: str, lines: list[str], out: TextIO) -> None:
    out.write(f"\n{title} ({len(lines)}):\n")
    for line in lines or ["none"]:
        out.write(f"  {line}\n")


def _write_session(session: dict[str, Any], out: TextIO) -> None:
    sent = session["customerSession"]
    if sent is None:
        out.write("\nSession sent to Talon.One: none\n")
        return
    currency = session["currency"]
    out.write(f"\nSession sent to Talon.One: {session['id']} (dry run)\n")

    items = sent.get("cartItems", [])
    out.write(f"  Items ({len(items)}):\n")
    for position, item in enumerate(items):
        out.write(f"    {position}. {_item_line(item, currency)}\n")

    costs = sent.get("additionalCosts", {})
    cost_text = ", ".join(
        f"{name} {_sent_amount(cost.get('price'), currency)}" for name, cost in costs.items()
    )
    out.write(f"  Coupon codes: {', '.join(sent.get('couponCodes', [])) or 'none'}\n")
    out.write(f"  Referral code: {_referral_text(sent)}\n")
    out.write(f"  Additional costs: {cost_text or 'none'}\n")
    out.write(f"  Attributes: {_short(sent.get('attributes') or {}, 200)}\n")
    out.write(f"  Asked for: {', '.join(session['responseContent'])}\n")


def _item_line(item: dict[str, Any], currency: str) -> str:
    price = _sent_amount(item.get("price"), currency)
    line = f"{item['sku']} x{item['quantity']}"
    line += f" at {price} {currency}" if price is not None else " without a price"
    line += f", category {item['category']}" if item.get("category") else ""
    line += f", attributes {_short(item['attributes'], 120)}" if item.get("attributes") else ""
    return line


def _sent_amount(value: Any, currency: str) -> str | None:
    """An amount as sent (a JSON number), with at least the currency's fraction digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    amount = Decimal(str(value))
    exponent = amount.as_tuple().exponent
    digits = max(fraction_digits(currency), -exponent if isinstance(exponent, int) else 0)
    return f"{amount:.{digits}f}"


def _referral_text(sent: dict[str, Any]) -> str:
    if "referralCode" not in sent:
        return "not sent (Talon.One keeps what it has)"
    return sent["referralCode"] or '"" (clears the stored code)'


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
