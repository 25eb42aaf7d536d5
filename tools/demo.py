"""A shopper's cart journey through the bridge, on local servers only: ``make demo``.

The demo starts the commercetools mock, a promotion engine (the local Talon.One stand-in, or a real
Talon.One when ``DEMO_TALON_URL`` and ``DEMO_TALON_API_KEY`` are set) and the handler's HTTP entry
(``python -m handler serve``). It then plays a cart through a few steps. After each step it calls
the handler the way commercetools calls an API Extension, applies the actions it answers on the
mock and prints the cart.

commercetools-mock 4.4.0 stores Direct Discounts without applying them and ignores external
prices, so the totals printed are computed here: line totals, with the connector's free items at
zero, minus the Direct Discounts.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

import requests

from handler import custom_types as ct
from handler.money import fraction_digits, minor_to_decimal
from tools.ctmock import (
    MOCK_PACKAGE,
    REPO_ROOT,
    MockServerError,
    Project,
    UnexpectedStatus,
    create_cart,
    create_product,
    create_tax_category,
    extension_input,
    seed_custom_types,
    start_mock,
)
from tools.talon_standin import DEMO_RULES, FREE_ITEM_SKU, SUMMER_COUPON, Rule, TalonStandIn

WIDTH = 100
CURRENCY = "EUR"
COUNTRY = "DE"
PROJECT_KEY = "bridge-demo"
APP_NAME = "demo"
UNKNOWN_COUPON = "WINTER50"

HANDLER_START_TIMEOUT_S = 20.0
HANDLER_STOP_TIMEOUT_S = 5.0
HTTP_TIMEOUT_S = 10.0
LISTENING_LINE = re.compile(r"listening on (?P<url>http://127\.0\.0\.1:\d+)")

MOCK_NOTE = (
    "Totals are computed by the demo, because the commercetools mock does not apply discounts."
)
Output = Callable[[str], None]


class DemoError(Exception):
    """The demo cannot go on; the message says why in one line."""


# --- The shop ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    cents: int


PRODUCTS = (
    Product("SHIRT", "Shirt", 2500),
    Product("JEANS", "Jeans", 7990),
    # Only ever added by the free-item rule, at an external price of zero.
    Product(FREE_ITEM_SKU, "Socks", 500),
)


def seed_shop(project: Project) -> str:
    """Create the connector's types, a tax category and the products; return the cart type id."""
    types = seed_custom_types(project)
    tax_category = create_tax_category(project, COUNTRY)

    for product in PRODUCTS:
        prices = {CURRENCY: product.cents}
        create_product(project, product.sku, prices, product.name, tax_category)

    cart_type_id: str = next(t["id"] for t in types if t["key"] == ct.CART_TYPE_KEY)
    return cart_type_id


# --- The promotion engine ----------------------------------------------------------------------


@dataclass(frozen=True)
class TalonTarget:
    """Where the handler sends carts, and how the demo names it."""

    base_url: str
    api_key: str
    label: str
    rules: tuple[Rule, ...] = ()


def real_talon(environ: Mapping[str, str]) -> TalonTarget | None:
    """A real Talon.One when the environment names one; None for the local stand-in."""
    url = environ.get("DEMO_TALON_URL", "")
    api_key = environ.get("DEMO_TALON_API_KEY", "")
    if not url and not api_key:
        return None
    if not url or not api_key:
        raise DemoError("set both DEMO_TALON_URL and DEMO_TALON_API_KEY, or neither")

    return TalonTarget(url, api_key, f"Talon.One at {url} (from DEMO_TALON_URL)")


@contextlib.contextmanager
def promotion_engine(real: TalonTarget | None) -> Iterator[TalonTarget]:
    if real is not None:
        yield real
        return

    api_key = secrets.token_hex(16)
    with TalonStandIn(DEMO_RULES, api_key) as stand_in:
        label = f"local Talon.One stand-in (not Talon.One) at {stand_in.base_url}"
        yield TalonTarget(stand_in.base_url, api_key, label, stand_in.rules)


# --- The handler, as a subprocess --------------------------------------------------------------


@dataclass
class HandlerProcess:
    """The handler's HTTP entry running in a child process, with what it printed."""

    process: subprocess.Popen[str]
    stdout: queue.Queue[str] = field(default_factory=queue.Queue)
    stderr: deque[str] = field(default_factory=lambda: deque(maxlen=50))
    readers: list[threading.Thread] = field(default_factory=list)


@dataclass(frozen=True)
class Handler:
    url: str
    token: str


def handler_environment(talon: TalonTarget, cart_type_id: str, token: str) -> dict[str, str]:
    # Settings the shell may hold would change what the demo shows, so none are inherited.
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("T1CT_")}
    app = {"base_url": talon.base_url, "api_key": talon.api_key}
    return {
        **inherited,
        "T1CT_APPS": json.dumps({APP_NAME: app}),
        "T1CT_CART_TYPE_ID": cart_type_id,
        "T1CT_AUTH_TOKENS": token,
        # The demo cart has no shipping, so no additional cost is sent to Talon.One.
        "T1CT_SHIPPING_COST_NAME": "",
    }


@contextlib.contextmanager
def run_handler(talon: TalonTarget, cart_type_id: str) -> Iterator[Handler]:
    """Serve the handler on a port the OS picks; stopped when the block ends, however it ends."""
    token = secrets.token_urlsafe(24)
    # Port 0: the handler binds a free port itself and prints it, so no other process can take it.
    command = [sys.executable, "-m", "handler", "serve", "--port", "0"]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=handler_environment(talon, cart_type_id, token),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    child = HandlerProcess(process)
    try:
        start_readers(child)
        yield Handler(wait_until_listening(child), token)
    finally:
        stop_handler(child)


def start_readers(child: HandlerProcess) -> None:
    # Both pipes are read for the child's whole life, so a full pipe never blocks it.
    stdout, stderr = child.process.stdout, child.process.stderr
    assert stdout is not None
    assert stderr is not None
    child.readers = [
        threading.Thread(target=read_lines, args=(stdout, child.stdout.put), daemon=True),
        threading.Thread(target=read_lines, args=(stderr, child.stderr.append), daemon=True),
    ]
    for reader in child.readers:
        reader.start()


def read_lines(pipe: IO[str], keep: Callable[[str], None]) -> None:
    for line in pipe:
        keep(line.rstrip("\n"))


def wait_until_listening(child: HandlerProcess) -> str:
    deadline = time.monotonic() + HANDLER_START_TIMEOUT_S
    while (remaining := deadline - time.monotonic()) > 0:
        with contextlib.suppress(queue.Empty):
            line = child.stdout.get(timeout=min(remaining, 0.1))
            if match := LISTENING_LINE.search(line):
                return match["url"]
        if child.process.poll() is not None:
            raise DemoError(f"the handler exited before listening: {last_error_line(child)}")

    raise DemoError(f"the handler was not listening after {HANDLER_START_TIMEOUT_S:.0f} s")


def last_error_line(child: HandlerProcess) -> str:
    # The process has ended; its stderr reader finishes as soon as the pipe is drained.
    child.readers[1].join(timeout=HANDLER_STOP_TIMEOUT_S)
    lines = [line for line in child.stderr if line.strip()]
    return lines[-1] if lines else f"exit status {child.process.returncode}, nothing on stderr"


def stop_handler(child: HandlerProcess) -> None:
    process = child.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=HANDLER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=HANDLER_STOP_TIMEOUT_S)

    for reader in child.readers:
        reader.join(timeout=HANDLER_STOP_TIMEOUT_S)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


def ask_handler(
    http: requests.Session, handler: Handler, cart: dict[str, Any], action: str
) -> list[dict[str, Any]]:
    """POST the extension input as commercetools would; return the update actions answered."""
    body = extension_input(cart, action)
    headers = {"Authorization": handler.token}
    try:
        response = http.post(handler.url, json=body, headers=headers, timeout=HTTP_TIMEOUT_S)
    except requests.RequestException as exc:
        raise DemoError(f"the handler did not answer: {exc}") from None

    if response.status_code != 200:
        raise DemoError(f"the handler answered HTTP {response.status_code}: {response.text}")
    actions: list[dict[str, Any]] = response.json()["actions"]
    return actions


# --- What the shopper sees ---------------------------------------------------------------------


@dataclass(frozen=True)
class LineView:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    free: bool


@dataclass(frozen=True)
class DiscountView:
    name: str
    target: str
    amount: Decimal


@dataclass(frozen=True)
class CartView:
    currency: str
    lines: tuple[LineView, ...]
    discounts: tuple[DiscountView, ...]
    coupon_codes: tuple[str, ...]
    rejections: tuple[tuple[str, str], ...]
    notifications: tuple[str, ...]
    promotions_unavailable: bool
    total: Decimal


def view_cart(cart: dict[str, Any]) -> CartView:
    currency = cart["totalPrice"]["currencyCode"]
    fields = (cart.get("custom") or {}).get("fields", {})
    lines = tuple(view_line(line, currency) for line in cart["lineItems"])
    discounts = view_discounts(cart, currency, fields)

    # What the shopper would pay if commercetools applied the handler's actions fully.
    total = sum((line.total for line in lines), Decimal(0))
    total -= sum((discount.amount for discount in discounts), Decimal(0))

    return CartView(
        currency=currency,
        lines=lines,
        discounts=discounts,
        coupon_codes=tuple(fields.get(ct.CART_COUPON_CODES, ())),
        rejections=tuple(
            (entry["code"], entry["reason"])
            for entry in json_field(fields, ct.CART_COUPON_REJECTIONS)
        ),
        notifications=tuple(
            describe_notification(entry) for entry in json_field(fields, ct.CART_NOTIFICATIONS)
        ),
        promotions_unavailable=bool(fields.get(ct.CART_PROMOTIONS_UNAVAILABLE)),
        total=total,
    )


def view_line(line: dict[str, Any], currency: str) -> LineView:
    effect = ((line.get("custom") or {}).get("fields") or {}).get(ct.LINE_ITEM_EFFECT)
    free = effect == ct.EFFECT_FREE_ITEM
    # The handler asked for an external price of zero, which the mock ignores.
    cents = 0 if free else line["price"]["value"]["centAmount"]
    unit_price = amount_of(cents, currency)
    return LineView(
        sku=line["variant"].get("sku") or line["productId"],
        name=line["name"].get("en") or next(iter(line["name"].values()), ""),
        quantity=line["quantity"],
        unit_price=unit_price,
        total=unit_price * line["quantity"],
        free=free,
    )


def view_discounts(
    cart: dict[str, Any], currency: str, fields: dict[str, Any]
) -> tuple[DiscountView, ...]:
    # The handler writes the applied-discounts field in the order of its Direct Discounts.
    applied = json_field(fields, ct.CART_APPLIED_DISCOUNTS)
    skus = {line["id"]: line["variant"].get("sku", "") for line in cart["lineItems"]}
    views = []
    for index, direct in enumerate(cart.get("directDiscounts") or []):
        entry = applied[index] if index < len(applied) else {}
        views.append(
            DiscountView(
                name=entry.get("name", "(unnamed Direct Discount)"),
                target=discount_target(entry, skus),
                amount=direct_amount(direct, currency),
            )
        )
    return tuple(views)


def discount_target(entry: dict[str, Any], skus: dict[str, str]) -> str:
    target = entry.get("target", "")
    if target == "lineItem":
        return skus.get(entry.get("lineItemId", ""), "a line")
    return {"cart": "order", "shipping": "shipping"}.get(target, target or "?")


def direct_amount(direct: dict[str, Any], currency: str) -> Decimal:
    money = direct["value"].get("money") or []
    cents = next((m["centAmount"] for m in money if m["currencyCode"] == currency), 0)
    return amount_of(cents, currency)


def amount_of(cents: int, currency: str) -> Decimal:
    return minor_to_decimal(cents, fraction_digits(currency))


def json_field(fields: dict[str, Any], name: str) -> list[dict[str, Any]]:
    raw = fields.get(name)
    values: list[dict[str, Any]] = json.loads(raw) if raw else []
    return values


def describe_notification(entry: dict[str, Any]) -> str:
    """One readable line for an entry of the notifications field that storefronts show."""
    kind, body, code = entry.get("type", "Info"), entry.get("body", ""), entry.get("code", "")
    match entry.get("effect"):
        case "acceptCoupon":
            text = f"coupon {body} accepted"
        case "rejectCoupon":
            text = f"coupon {body} rejected: {code}"
        case "acceptReferral":
            text = f"referral code {body} accepted"
        case "rejectReferral":
            text = f"referral code {body} rejected: {code}"
        case _:
            text = ": ".join(part for part in (entry.get("title"), body) if part)
    return f"{kind:<5} {text}"


# --- Printing ----------------------------------------------------------------------------------


def format_money(amount: Decimal, currency: str) -> str:
    digits = fraction_digits(currency)
    return f"{amount:,.{digits}f}"


# Column widths of the cart table; amounts line up under "Line total".
SKU_W, NAME_W, QTY_W, PRICE_W = 12, 22, 4, 12
LABEL_W = NAME_W + 1 + QTY_W + 1 + PRICE_W


def render_cart(view: CartView) -> list[str]:
    if not view.lines:
        rows = ["  (the cart is empty)"]
    else:
        header = f"{'Name':<{NAME_W}} {'Qty':>{QTY_W}} {'Unit price':>{PRICE_W}}"
        rows = [f"  {'SKU':<{SKU_W}} {header} {'Line total':>{PRICE_W}}"]
        rows += [render_line(line, view.currency) for line in view.lines]

    rows += render_discounts(view)
    rows += render_codes(view)
    rows += render_notifications(view)
    if view.promotions_unavailable:
        rows.append("  Promotions temporarily unavailable: Talon.One could not be asked.")

    total = format_money(view.total, view.currency)
    rows.append(f"  {'Total':<{SKU_W}} {'':<{LABEL_W}} {total:>{PRICE_W}} {view.currency}")
    return rows


def render_line(line: LineView, currency: str) -> str:
    unit = format_money(line.unit_price, currency)
    total = format_money(line.total, currency)
    mark = "  FREE" if line.free else ""
    columns = f"{line.name:<{NAME_W}} {line.quantity:>{QTY_W}} {unit:>{PRICE_W}}"
    return f"  {line.sku:<{SKU_W}} {columns} {total:>{PRICE_W}}{mark}"


def render_discounts(view: CartView) -> list[str]:
    rows = []
    for discount in view.discounts:
        label = f"{discount.name} (on {discount.target})"
        amount = format_money(-discount.amount, view.currency)
        rows.append(f"  {'Discount':<{SKU_W}} {label:<{LABEL_W}} {amount:>{PRICE_W}}")
    return rows


def render_codes(view: CartView) -> list[str]:
    rows = []
    if view.coupon_codes:
        rows.append(f"  {'Coupons':<{SKU_W}} {', '.join(view.coupon_codes)}")
    for code, reason in view.rejections:
        rows.append(f"  {'Rejected':<{SKU_W}} {code} ({reason})")
    return rows


def render_notifications(view: CartView) -> list[str]:
    rows = []
    for notification in view.notifications:
        label = "Notice"
        for line in textwrap.wrap(notification, WIDTH - SKU_W - 3):
            rows.append(f"  {label:<{SKU_W}} {line}")
            label = ""
    return rows


def render_actions(action: str, actions: Sequence[dict[str, Any]]) -> str:
    if not actions:
        return f"{action} call: the handler answered no actions"
    counts = Counter(entry["action"] for entry in actions)
    names = ", ".join(f"{name} x{n}" if n > 1 else name for name, n in counts.items())
    return f"{action} call: the handler answered {len(actions)} action(s): {names}"


def render_rules(rules: Sequence[Rule]) -> list[str]:
    rows = []
    for rule in rules:
        rows += textwrap.wrap(
            f"{rule.name}: {rule.description}",
            WIDTH,
            initial_indent="  - ",
            subsequent_indent="    ",
        )
    return rows


# --- The journey -------------------------------------------------------------------------------


ShopperChange = Callable[[dict[str, Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    change: ShopperChange


@dataclass(frozen=True)
class Snapshot:
    """The cart after one step, once the handler's actions are applied."""

    key: str
    title: str
    # The extension action commercetools would send: Create for a new cart, else Update.
    action: str
    actions: tuple[dict[str, Any], ...]
    view: CartView


@dataclass(frozen=True)
class Journey:
    snapshots: tuple[Snapshot, ...]
    # What the handler answered when asked again about the final cart: nothing, if it is stable.
    final_actions: tuple[dict[str, Any], ...]

    def step(self, key: str) -> Snapshot:
        return next(snapshot for snapshot in self.snapshots if snapshot.key == key)


def add_item(sku: str, quantity: int) -> ShopperChange:
    return lambda cart: [{"action": "addLineItem", "sku": sku, "quantity": quantity}]


def change_quantity(sku: str, quantity: int) -> ShopperChange:
    def change(cart: dict[str, Any]) -> list[dict[str, Any]]:
        line = shopper_line(cart, sku)
        return [
            {"action": "changeLineItemQuantity", "lineItemId": line["id"], "quantity": quantity}
        ]

    return change


def apply_coupon(code: str) -> ShopperChange:
    return lambda cart: [set_coupon_codes([*coupon_codes(cart), code])]


def remove_coupon(code: str) -> ShopperChange:
    def change(cart: dict[str, Any]) -> list[dict[str, Any]]:
        kept = [kept for kept in coupon_codes(cart) if kept.casefold() != code.casefold()]
        return [set_coupon_codes(kept)]

    return change


def shopper_line(cart: dict[str, Any], sku: str) -> dict[str, Any]:
    lines: list[dict[str, Any]] = cart["lineItems"]
    for line in lines:
        effect = ((line.get("custom") or {}).get("fields") or {}).get(ct.LINE_ITEM_EFFECT)
        if line["variant"].get("sku") == sku and effect is None:
            return line
    raise DemoError(f"the cart has no line of {sku} to change")


def coupon_codes(cart: dict[str, Any]) -> list[str]:
    codes: list[str] = (cart.get("custom") or {}).get("fields", {}).get(ct.CART_COUPON_CODES, [])
    return codes


def set_coupon_codes(codes: list[str]) -> dict[str, Any]:
    # The storefront writes the connector's multi-code field; no value removes the field.
    action: dict[str, Any] = {"action": "setCustomField", "name": ct.CART_COUPON_CODES}
    if codes:
        action["value"] = codes
    return action


JOURNEY = (
    Step("add-shirt", "The shopper adds a shirt", add_item("SHIRT", 1)),
    Step("add-jeans", "The shopper adds jeans (items now above 100)", add_item("JEANS", 1)),
    Step(
        "apply-coupon",
        f"The shopper applies coupon {SUMMER_COUPON.value}",
        apply_coupon(SUMMER_COUPON.value),
    ),
    Step(
        "unknown-coupon",
        f"The shopper tries the unknown coupon {UNKNOWN_COUPON}",
        apply_coupon(UNKNOWN_COUPON),
    ),
    Step("two-shirts", "The shopper takes a second shirt", change_quantity("SHIRT", 2)),
    Step(
        "remove-coupon",
        f"The shopper removes coupon {SUMMER_COUPON.value}",
        remove_coupon(SUMMER_COUPON.value),
    ),
)


@dataclass
class Shop:
    """The demo's commercetools project and handler, and where the story is told."""

    project: Project
    handler: Handler
    http: requests.Session
    out: Output
    steps_shown: int = 0

    def open_cart(self) -> tuple[dict[str, Any], Snapshot]:
        draft = {
            "currency": CURRENCY,
            "country": COUNTRY,
            "custom": {"type": {"typeId": "type", "key": ct.CART_TYPE_KEY}, "fields": {}},
        }
        cart = create_cart(self.project, draft)
        return self.settle("open-cart", "The shopper opens a cart", cart, "Create")

    def play(self, step: Step, cart: dict[str, Any]) -> tuple[dict[str, Any], Snapshot]:
        cart = self.project.apply_actions("carts", cart, step.change(cart))
        return self.settle(step.key, step.title, cart, "Update")

    def settle(
        self, key: str, title: str, cart: dict[str, Any], action: str
    ) -> tuple[dict[str, Any], Snapshot]:
        """Let the handler react to the cart's change, as commercetools would, and show it."""
        actions = ask_handler(self.http, self.handler, cart, action)
        if actions:
            cart = self.project.apply_actions("carts", cart, actions)

        snapshot = Snapshot(key, title, action, tuple(actions), view_cart(cart))
        self.show(snapshot)
        return cart, snapshot

    def show(self, snapshot: Snapshot) -> None:
        self.steps_shown += 1
        self.out("")
        self.out(f"{self.steps_shown}. {snapshot.title}")
        self.out(f"   {render_actions(snapshot.action, snapshot.actions)}")
        for row in render_cart(snapshot.view):
            self.out(row)


def play_journey(shop: Shop) -> Journey:
    cart, opened = shop.open_cart()
    snapshots = [opened]

    for step in JOURNEY:
        cart, snapshot = shop.play(step, cart)
        snapshots.append(snapshot)

    # A cart that already shows its promotions must get no actions: the handler is idempotent.
    final_actions = ask_handler(shop.http, shop.handler, cart, "Update")
    shop.out("")
    shop.out(f"{len(snapshots) + 1}. The handler is asked again about the final cart")
    shop.out(f"   {render_actions('Update', final_actions)}")
    return Journey(tuple(snapshots), tuple(final_actions))


# --- Running it --------------------------------------------------------------------------------


def run_demo(environ: Mapping[str, str], out: Output) -> Journey:
    """Start everything, play the journey and stop everything again; raise DemoError on failure."""
    real = real_talon(environ)
    if not MOCK_PACKAGE.is_dir():
        raise DemoError("node_modules missing: run `npm ci` (or `make demo`, which runs it)")

    out("commercetools <-> Talon.One bridge demo")
    out(MOCK_NOTE)

    with start_mock() as mock, promotion_engine(real) as talon:
        project = mock.project(PROJECT_KEY)
        cart_type_id = seed_shop(project)
        describe_setup(out, mock.base_url, talon)

        with run_handler(talon, cart_type_id) as handler, requests.Session() as http:
            out(f"Handler:       {handler.url} (python -m handler serve)")
            return play_journey(Shop(project, handler, http, out))


def describe_setup(out: Output, mock_url: str, talon: TalonTarget) -> None:
    prices = [f"{p.sku} {format_money(amount_of(p.cents, CURRENCY), CURRENCY)}" for p in PRODUCTS]
    out("")
    out(f"commercetools: mock at {mock_url}, project {PROJECT_KEY}")
    out(f"Products:      {', '.join(prices)} ({CURRENCY})")
    out(f"Promotions:    {talon.label}")
    if talon.rules:
        out("Its demo rules:")
        for row in render_rules(talon.rules):
            out(row)
    else:
        out("  The campaigns of that Talon.One Application decide what happens below.")


def say(text: str) -> None:
    print(text, flush=True)


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Let SIGTERM unwind like Ctrl-C does, so every server is stopped on the way out."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


FAILURES = (DemoError, MockServerError, UnexpectedStatus, requests.RequestException, OSError)


def main() -> int:
    with sigterm_as_exit():
        try:
            run_demo(os.environ, say)
        except FAILURES as exc:
            reason, *details = str(exc).strip().splitlines() or [type(exc).__name__]
            print(f"demo failed: {reason}", file=sys.stderr)
            for detail in details:
                print(f"  {detail}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("demo interrupted; every server it started is stopped", file=sys.stderr)
            return 130
    say("")
    say("Demo finished; every server it started is stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
