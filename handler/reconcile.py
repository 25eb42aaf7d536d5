"""``python -m handler reconcile``: send every order change still waiting for Talon.One.

Order events never wait for Talon.One: a change that could not be sent is written to the order's
``talon_one_order_pending_changes`` field. This tool finds those orders in commercetools (paging
by id), runs each through the same order sync as the extension, with a longer budget, and saves
the outcome on the order with update actions (sent changes leave the pending list, failures stay
with their reason). It prints a summary and exits 0 when nothing is left pending, 1 when
something is, and 2 when it cannot run (settings, commercetools unreachable).

commercetools credentials come from the ``CTP_*`` variables, handler settings from ``T1CT_*``.
Running it twice, or alongside order events, is safe: what reached Talon.One is recorded on the
order, a refused state change is checked against the session instead of being reported, and a
return carries the same idempotency key each time. Should the order change between reading and
saving it, the commercetools client re-reads it and saves the same record values; whatever that
overwrites is worked out again from the order on its next event.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

import requests
from pydantic import ValidationError

from handler.commercetools import Commercetools, CommercetoolsError, Connection
from handler.logs import configure_logging, log_event
from handler.order_state import Order
from handler.orders import sync_order
from handler.runtime import RuntimeUnavailable, build_runtime
from handler.settings import Settings, SettingsError
from handler.talon import TalonClient

PENDING_ORDERS = "custom(fields(talon_one_order_pending_changes is defined))"
# Seconds each order may spend on Talon.One: room for the retries the extension has no time for.
DEFAULT_BUDGET_S = 10.0


@dataclass
class OrderResult:
    order_id: str
    sent: tuple[str, ...] = ()
    # (change, reason) for each change that is still not in Talon.One.
    pending: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Summary:
    orders: list[OrderResult] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(len(result.sent) for result in self.orders)

    @property
    def still_pending(self) -> int:
        return sum(len(result.pending) for result in self.orders)

    def write(self, out: TextIO) -> None:
        for result in self.orders:
            if result.sent:
                print(f"order {result.order_id}: sent {', '.join(result.sent)}", file=out)
            for change, reason in result.pending:
                print(f"order {result.order_id}: {change} still pending: {reason}", file=out)
        print(
            f"Orders with pending changes: {len(self.orders)}; changes sent: {self.sent}; "
            f"still pending: {self.still_pending}.",
            file=out,
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m handler reconcile",
        description="Send every order change still waiting for Talon.One, and report the result.",
    )
    parser.add_argument(
        "--budget",
        type=_seconds,
        default=DEFAULT_BUDGET_S,
        metavar="SECONDS",
        help=f"time each order may spend on Talon.One (default {DEFAULT_BUDGET_S:g})",
    )
    args = parser.parse_args(argv)
    configure_logging()

    try:
        runtime = build_runtime()
        commercetools = Commercetools(Connection.from_environ())
    except (RuntimeUnavailable, SettingsError) as exc:
        print(f"settings are invalid: {exc}", file=sys.stderr)
        return 2

    try:
        summary = reconcile(commercetools, runtime.settings, runtime.talon, args.budget)
    except (CommercetoolsError, requests.RequestException) as exc:
        print(f"commercetools could not be read: {_brief(exc)}", file=sys.stderr)
        return 2

    summary.write(sys.stdout)
    return 0 if summary.still_pending == 0 else 1


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 300:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 300")
    return value


def reconcile(
    commercetools: Commercetools, settings: Settings, talon: TalonClient, budget_s: float
) -> Summary:
    """Sync every order with pending changes, one page of orders at a time."""
    summary = Summary()
    for page in commercetools.pages_by_id("/orders", where=PENDING_ORDERS):
        for raw in page:
            summary.orders.append(reconcile_order(commercetools, raw, settings, talon, budget_s))
    return summary


def reconcile_order(
    commercetools: Commercetools,
    raw: dict[str, Any],
    settings: Settings,
    talon: TalonClient,
    budget_s: float,
) -> OrderResult:
    result = OrderResult(str(raw.get("id", "")))
    try:
        order = Order.model_validate(raw)
    except ValidationError:
        result.pending.append(("all changes", "the order could not be read"))
        return result

    synced = sync_order(order, settings, talon, budget_s)
    result.sent = synced.sent
    result.pending = [(item.change.kind, item.reason) for item in synced.pending]
    if synced.outcome in ("no_cart", "no_app"):
        result.pending.append(("all changes", _NOT_SYNCED[synced.outcome]))

    # Saving the record is what keeps the next run from sending the same changes again.
    if synced.actions:
        try:
            commercetools.update("/orders", raw, synced.actions)
        except (CommercetoolsError, requests.RequestException) as exc:
            result.pending.append(("record", f"the order could not be updated: {_brief(exc)}"))
    if synced.unwritable:
        result.pending.append(("record", "the order's custom type lacks the record fields"))

    log_event("order_reconciled", logging.INFO, order_id=result.order_id, **synced.log_fields())
    return result


_NOT_SYNCED = {
    "no_cart": "the order has no cart, so no Talon.One session",
    "no_app": "no Talon.One app is set up for this order",
}


def _brief(exc: Exception) -> str:
    # A transport error's text carries the whole URL and more; its kind says enough.
    if isinstance(exc, CommercetoolsError):
        return str(exc)
    return type(exc).__name__
