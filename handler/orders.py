"""Order events: move the order's Talon.One session, and record on the order what reached it.

The session is the one the cart built (its id is the order's cart id). ``order_plan`` works out
what the session still needs; this module sends it within one deadline and turns the outcome
into update actions on the order's record fields (``order_state``). An order event is never
blocked: what could not be sent is written to the pending-changes field, and goes again on the
next event of the order or with ``python -m handler reconcile``.

Exactly once rests on the record: a change is recorded in the same write as the order change
that triggered it, so a repeated event finds it done. Without the record (a lost answer, a
foreign custom type) Talon.One itself stops a repeat: it refuses to close a closed session, and
the session is then read back (``GET``) to tell a repeat from a real refusal; a return carries an
``Idempotency-Key`` made from its return item ids, which Talon.One honours for 24 hours.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from handler.cart_fields import field_actions
from handler.extension import unreadable_fields
from handler.order_plan import Change, OrderPlan, plan_order
from handler.order_state import Order, OrderRecord, read_record, record_fields
from handler.routing import route
from handler.settings import App, Settings
from handler.talon import TalonClient, TalonError

# Calls of one change: the client already retries a quick failure once. One more attempt after a
# pause gives a concurrent update of the same session (409) time to finish, and covers a 500,
# which the client does not retry; a connection refused twice means Talon.One is down. The
# deadline decides whether the attempt fits.
ATTEMPTS = 2
RETRY_PAUSE_S = 0.1
# A call started with less time than this cannot get an answer.
MIN_CALL_S = 0.1

WAITING_FOR_CLOSE = "waits for the session to close"

# The session states in which a state change counts as done.
REACHED = {
    "close": frozenset({"closed", "partially_returned", "cancelled"}),
    "cancel": frozenset({"cancelled"}),
}


@dataclass(frozen=True)
class Pending:
    change: Change
    reason: str


@dataclass(frozen=True)
class OrderSync:
    """The outcome of one order: what was sent, what is pending, and the actions recording it."""

    outcome: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    app: str | None = None
    session_state: str | None = None
    sent: tuple[str, ...] = ()
    pending: tuple[Pending, ...] = ()
    plan: OrderPlan = field(default_factory=OrderPlan)
    unwritable: tuple[str, ...] = ()

    def log_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"outcome": self.outcome}
        if self.app is not None:
            fields["app"] = self.app
        if self.session_state is not None:
            fields["session_state"] = self.session_state
        if self.sent:
            fields["sent"] = list(self.sent)
        if self.pending:
            fields["pending"] = [pending.change.kind for pending in self.pending]
        if self.plan.returns_waiting:
            fields["returns_waiting"] = self.plan.returns_waiting
        if self.plan.returns_outside_session:
            fields["returns_outside_session"] = self.plan.returns_outside_session
        if self.unwritable:
            # The record could not be kept: repeats of this order are not recognised as done.
            fields["record_unwritable"] = list(self.unwritable)
        return fields


def handle_order(
    raw: dict[str, Any],
    settings: Settings,
    talon: TalonClient,
    budget_s: float,
    log: dict[str, Any],
) -> list[dict[str, Any]]:
    """The extension's answer to an order Create or Update: record actions, never a refusal."""
    try:
        order = Order.model_validate(raw)
    except ValidationError as exc:
        log["outcome"] = "unreadable_order"
        log["problems"] = unreadable_fields(exc)
        return []

    result = sync_order(order, settings, talon, budget_s)
    log.update(result.log_fields())
    return result.actions


def sync_order(order: Order, settings: Settings, talon: TalonClient, budget_s: float) -> OrderSync:
    """Send what the order's session still needs, within ``budget_s`` seconds."""
    session_id = order.session_id
    if session_id is None:
        # Imported orders and orders made without a cart have no session to move.
        return OrderSync("no_cart")

    routed = route(order, settings)
    if routed is None:
        return OrderSync("no_app")

    record = read_record(order)
    plan = plan_order(order, record, settings.order_close_on)
    sender = _Sender(talon, routed.app, session_id, time.monotonic() + budget_s)
    reached, sent, pending = _send_all(plan.changes, record, sender)

    entries = [_pending_entry(item, routed.name, session_id) for item in pending]
    fields = field_actions(order, record_fields(order, reached, entries), settings)

    outcome = "pending" if pending else "synced" if sent else "up_to_date"
    return OrderSync(
        outcome,
        fields.actions,
        app=routed.name,
        session_state=reached.session_state,
        sent=tuple(sent),
        pending=tuple(pending),
        plan=plan,
        unwritable=fields.unwritable,
    )


def _send_all(
    changes: tuple[Change, ...], record: OrderRecord, sender: _Sender
) -> tuple[OrderRecord, list[str], list[Pending]]:
    state = record.session_state
    returned = set(record.returned)
    sent: list[str] = []
    pending: list[Pending] = []

    for change in changes:
        # Found cancelled (say by a close that met a cancelled session): nothing else applies.
        if state == "cancelled":
            break
        if change.kind == "return" and state not in ("closed", "partially_returned"):
            pending.append(Pending(change, WAITING_FOR_CLOSE))
            continue

        try:
            state = sender.send(change)
        except TalonError as exc:
            pending.append(Pending(change, _reason(exc)))
            continue
        returned.update(change.return_item_ids)
        sent.append(change.kind)

    return OrderRecord(state, frozenset(returned)), sent, pending


@dataclass
class _Sender:
    """Sends the changes of one session, every call within one deadline."""

    talon: TalonClient
    app: App
    session_id: str
    deadline: float

    @property
    def path(self) -> str:
        return f"/v2/customer_sessions/{quote(self.session_id, safe='')}"

    def send(self, change: Change) -> str:
        """Send one change; return the session state it leaves, or raise TalonError."""
        if change.kind == "return":
            body = {"return": {"returnedCartItems": change.returned_cart_items()}}
            self._call("POST", f"{self.path}/returns", body, key=change.idempotency_key)
            return "partially_returned"

        target = "closed" if change.kind == "close" else "cancelled"
        try:
            self._call("PUT", self.path, {"customerSession": {"state": target}})
        except TalonError as failure:
            # Talon.One refuses a move the session has already made: a repeated event, or an
            # earlier attempt that landed although its answer was lost. Look before reporting.
            found = self._state_if_reached(change) if failure.status == 400 else None
            if found is None:
                raise
            return found
        return target

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        key: str | None = None,
        attempts: int = ATTEMPTS,
    ) -> dict[str, Any]:
        attempt = 1
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining < MIN_CALL_S:
                raise TalonError("no_time", "no time left before the deadline")
            try:
                result = self.talon.call(
                    self.app, method, path, body, remaining, idempotency_key=key
                )
            except TalonError as exc:
                # An unreadable answer, even with a 2xx status (a proxy's page, a wrong URL),
                # proves nothing: the change stays pending, and sending it again is safe (a
                # repeated close or cancel is recognised, a return carries its idempotency key).
                if attempt >= attempts or not _worth_retrying(exc):
                    raise
                if self.deadline - time.monotonic() - RETRY_PAUSE_S < MIN_CALL_S:
                    raise
            else:
                return result.data
            attempt += 1
            time.sleep(RETRY_PAUSE_S)

    def _state_if_reached(self, change: Change) -> str | None:
        """The session's state if it already is where ``change`` wants it, else None."""
        try:
            data = self._call("GET", self.path, None, attempts=1)
        except TalonError:
            return None

        session = data.get("customerSession")
        state = session.get("state") if isinstance(session, dict) else None
        return state if isinstance(state, str) and state in REACHED[change.kind] else None


def _pending_entry(item: Pending, app_name: str, session_id: str) -> dict[str, Any]:
    # The app and session are kept so people (and the reconcile report) see where it goes.
    return {
        **item.change.describe(),
        "app": app_name,
        "session_id": session_id,
        "reason": item.reason,
    }


def _worth_retrying(exc: TalonError) -> bool:
    status = exc.status or 0
    return status == 409 or status >= 500


def _reason(exc: TalonError) -> str:
    """Why a change did not go: stable wording, so an unchanged failure rewrites nothing."""
    if exc.status is not None:
        return f"Talon.One answered HTTP {exc.status}"
    reasons = {
        "timeout": "Talon.One did not answer in time",
        "no_time": "no time was left for it",
        "connection": "Talon.One could not be reached",
    }
    return reasons.get(exc.kind, "Talon.One's answer could not be used")
