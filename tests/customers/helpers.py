"""Customers, profile answers and a multi-app fake Talon.One for the customer tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from handler.app import Runtime
from handler.extension import ExtensionRequest
from handler.session import Mappings
from handler.settings import App, Routing, Settings
from handler.talon import Answer, TalonClient
from tests.support.contract import validate_talon_request, validate_talon_response

ACCELERATOR = Path(__file__).resolve().parents[1] / "data" / "reference-accelerator"
CUSTOMER_TYPE_ID = "customer-type-id-1"
FOREIGN_TYPE_ID = "foreign-type-id-1"


def fixture(folder: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ACCELERATOR / folder / f"{name}.json").read_text())
    return data


def talon_app(name: str, currency: str | None = None) -> App:
    return App(base_url=f"https://{name.lower()}.talon.test", api_key="k" * 40, currency=currency)


def customer_settings(*apps: tuple[str, str | None], **overrides: Any) -> Settings:
    """Settings with the apps given as (name, currency); one "eu" EUR app by default."""
    named = {name: talon_app(name, currency) for name, currency in apps or (("eu", "EUR"),)}
    values: dict[str, Any] = {
        "apps": named,
        "customer_type_id": CUSTOMER_TYPE_ID,
        # The most commercetools allows: a busy test machine must not run out of time.
        "extension_timeout_ms": 10_000,
    }
    values.update(overrides)
    # Carts need to know which app evaluates them once there are several.
    values.setdefault("routing", Routing(fallback=next(iter(values["apps"]), None)))
    return Settings(**values)


def customer(
    customer_id: str = "customer-1",
    *,
    fields: dict[str, Any] | None = None,
    type_id: str | None = CUSTOMER_TYPE_ID,
    **extra: Any,
) -> dict[str, Any]:
    """A customer as commercetools sends it; ``fields=None`` leaves it without a custom type."""
    raw: dict[str, Any] = {
        "id": customer_id,
        "version": 1,
        "email": "jane@example.com",
        "isEmailVerified": True,
        "addresses": [],
        **extra,
    }
    if fields is not None:
        raw["custom"] = {"type": {"typeId": "type", "id": type_id}, "fields": fields}
    return raw


def customer_request(obj: dict[str, Any], action: str = "Update") -> dict[str, Any]:
    return {"action": action, "resource": {"typeId": "customer", "id": obj["id"], "obj": obj}}


def as_request(obj: dict[str, Any]) -> ExtensionRequest:
    return ExtensionRequest("Update", "customer", obj["id"], obj)


def effect(effect_type: str, rule: str = "rule", **props: Any) -> dict[str, Any]:
    envelope = {"campaignId": 1, "rulesetId": 1, "ruleIndex": 0, "ruleName": rule}
    return {**envelope, "effectType": effect_type, "props": props}


def program(program_id: int, balance: float, name: str = "points", title: str = "Points") -> Any:
    """A loyalty program entry of an answer's ``loyalty.programs``, as Talon.One writes it."""
    ledger = {
        "currentBalance": balance,
        "pendingBalance": 0,
        "expiredBalance": 0,
        "spentBalance": 0,
        "tentativeCurrentBalance": balance,
    }
    return {"id": program_id, "name": name, "title": title, "ledger": ledger}


def profile_answer(*effects: dict[str, Any], programs: list[Any] | None = None) -> dict[str, Any]:
    """A profile update answer; ``programs`` adds the loyalty block."""
    answer: dict[str, Any] = {
        "effects": list(effects),
        "createdCoupons": [],
        "createdReferrals": [],
    }
    if programs is not None:
        answer["loyalty"] = {"programs": {str(entry["id"]): entry for entry in programs}}
    return answer


@dataclass
class Received:
    method: str
    url: str
    host: str
    query: dict[str, list[str]]
    body: dict[str, Any]


class FakeTalon:
    """Talon.One for several apps, told apart by host: each request is checked against the spec
    and answered with what the test scripted for that host (an answer body, or an error raised).

    Answers are checked against the spec too, unless ``check_answers`` is off (the accelerator's
    recorded answers predate the current spec).
    """

    def __init__(
        self,
        answers: dict[str, dict[str, Any] | BaseException] | None = None,
        *,
        check_answers: bool = True,
    ) -> None:
        self.answers = answers or {}
        self.check_answers = check_answers
        self.received: list[Received] = []

    def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, deadline: float
    ) -> Answer:
        validate_talon_request(method, url, headers, body)
        parts = urlsplit(url)
        host = (parts.hostname or "").split(".")[0]
        self.received.append(
            Received(method, url, host, parse_qs(parts.query), json.loads(body or b"{}"))
        )

        answer = self.answers.get(host, profile_answer())
        if isinstance(answer, BaseException):
            raise answer
        if self.check_answers:
            validate_talon_response(method, url, 200, answer)
        return Answer(200, "application/json", json.dumps(answer, default=float).encode())

    @property
    def hosts(self) -> list[str]:
        return [entry.host for entry in self.received]


def runtime_with(settings: Settings, talon: Any) -> Runtime:
    return Runtime(settings, Mappings.from_settings(settings), TalonClient(talon))


def fields_after(raw: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    """The customer's custom fields once ``actions`` (setCustomType/setCustomField) applied."""
    fields = dict((raw.get("custom") or {}).get("fields") or {})
    for action in actions:
        if action["action"] == "setCustomType":
            fields = dict(action.get("fields") or {})
        elif action["action"] == "setCustomField" and "value" in action:
            fields[action["name"]] = action["value"]
        elif action["action"] == "setCustomField":
            fields.pop(action["name"], None)
        else:
            raise AssertionError(f"unexpected customer action {action['action']}")
    return fields


def loyalty_entries(text: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(text, parse_float=Decimal)
    return entries
