"""Customer events: the customer goes to Talon.One as a profile, and the answers come back.

On Create and Update the customer's mapped fields are sent with
``PUT /v2/customer_profiles/{customer id}?runRuleEngine=true`` to every app that receives
customers, one after another. Each app gets a fair share of the time left, so a slow app cannot
use up the time of the ones after it. The referral codes and loyalty balances in the answers
become update actions on the customer.

A customer event never fails the customer's write: an app that cannot be asked is logged and
skipped, and whatever goes wrong leaves the customer as it is.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from handler.cart import CustomFields
from handler.cart_fields import customer_type
from handler.effects import parse_effects
from handler.extension import ExtensionRequest, unreadable_fields
from handler.loyalty import programs_of
from handler.profile import profile_attributes
from handler.profile_effects import ProfileAnswer, plan_customer
from handler.settings import App, Settings
from handler.talon import TalonError

if TYPE_CHECKING:
    from handler.app import Runtime

# Balances come back with the profile update itself, so no extra call reads them.
PROFILE_RESPONSE_CONTENT = ["loyalty"]
# Below this an app's share of the time is not worth a request.
MIN_CALL_S = 0.05


class Customer(BaseModel):
    """The parts of a commercetools customer the flow itself reads; the mapping reads the rest."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    is_email_verified: bool | None = Field(default=None, alias="isEmailVerified")
    custom: CustomFields | None = None


def customer_actions(
    request: ExtensionRequest, runtime: Runtime, log: dict[str, Any]
) -> list[dict[str, Any]]:
    """The update actions for one customer event; never raises."""
    try:
        return _sync(request, runtime, log)
    except Exception as exc:
        # A defect here must not cost the shop a customer sign-up or an address change.
        log.update(outcome="internal_error", error=type(exc).__name__)
        return []


def customer_apps(settings: Settings) -> list[tuple[str, App]]:
    """The apps that receive customer profiles: those named, or every app."""
    names = settings.customer_apps or tuple(settings.apps)
    return [(name, settings.apps[name]) for name in names if name in settings.apps]


def app_label(name: str, app: App) -> str:
    """How an app is named in the customer's fields: its currency, or its name without one."""
    return app.currency or name


def _sync(request: ExtensionRequest, runtime: Runtime, log: dict[str, Any]) -> list[dict[str, Any]]:
    settings = runtime.settings
    try:
        customer = Customer.model_validate(request.obj)
    except ValidationError as exc:
        log["outcome"] = "unreadable_customer"
        log["problems"] = unreadable_fields(exc)
        return []

    if settings.customer_profile.only_verified_profiles and not customer.is_email_verified:
        log["outcome"] = "unverified_skipped"
        return []

    apps = customer_apps(settings)
    if not apps:
        log["outcome"] = "no_app"
        return []

    attributes = profile_attributes(request.obj, settings.customer_profile)
    body = {"attributes": attributes, "responseContent": PROFILE_RESPONSE_CONTENT}
    log["attributes"] = len(attributes)
    answers = _send_profile(request.resource_id, body, apps, runtime, log)
    if not answers:
        log["outcome"] = "talon_unavailable"
        return []

    plan = plan_customer(customer.custom, answers, customer_type(settings))
    log["outcome"] = "synced" if len(answers) == len(apps) else "partly_synced"
    if plan.referral_codes_added:
        log["referral_codes_added"] = plan.referral_codes_added
    if plan.unwritable:
        log["unwritable_fields"] = list(plan.unwritable)
    return plan.actions


def _send_profile(
    customer_id: str,
    body: dict[str, Any],
    apps: list[tuple[str, App]],
    runtime: Runtime,
    log: dict[str, Any],
) -> list[ProfileAnswer]:
    path = f"/v2/customer_profiles/{quote(customer_id, safe='')}"
    deadline = time.monotonic() + runtime.talon_budget_s
    answers: list[ProfileAnswer] = []
    report: dict[str, dict[str, Any]] = {}
    unknown: Counter[str] = Counter()
    invalid: Counter[str] = Counter()

    for index, (name, app) in enumerate(apps):
        share = (deadline - time.monotonic()) / (len(apps) - index)
        if share < MIN_CALL_S:
            report[name] = {"error": "no_time"}
            continue
        try:
            result = runtime.talon.call(
                app, "PUT", path, body, share, query={"runRuleEngine": "true"}
            )
        except TalonError as exc:
            report[name] = {"error": exc.kind, "status": exc.status}
            continue

        report[name] = {"status": result.status, "ms": round(result.duration_ms, 2)}
        parsed = parse_effects(result.data.get("effects"))
        unknown.update(parsed.unknown)
        invalid.update(parsed.invalid)
        programs = programs_of(result.data.get("loyalty"))
        answers.append(ProfileAnswer(app_label(name, app), tuple(parsed.effects), programs))

    log["apps"] = report
    if unknown:
        log["unknown_effects"] = dict(unknown)
    if invalid:
        log["invalid_effects"] = dict(invalid)
    return answers
