"""A real commercetools HTTP API for tests: ``@labdigital/commercetools-mock`` 4.4.0 under Node.

``start_mock()`` runs ``tools/ctmock_server.mjs`` on 127.0.0.1 and yields a ``CommercetoolsMock``.
The mock keeps every project in memory and accepts any project key, so each test takes a fresh
``Project`` and sees only what it created. API and OAuth (``/oauth/token``) share one host, and no
token is needed. The mock never calls API Extensions: a test feeds ``extension_input(cart)`` to the
handler itself and applies the returned actions with ``Project.apply_actions``.

Three things ``tools/ctmock_server.mjs`` adds to the mock (pinned by
``tests/tooling/test_ctmock_sort.py`` and ``tests/tooling/test_ctmock_query.py``):

- Query endpoints honour ``sort``. Mock 4.4.0 on its own ignores it and answers in insertion order,
  which made paging by id (``sort=id asc`` with ``where=id > "<last>"``) skip resources.
- ``Project.import_resources`` stores whole resources without the API's checks. Creating a
  customer through the API scans every stored customer, so large projects are seeded this way.
- Queries copy only the page they return. Mock 4.4.0 copies every stored resource of the type
  before filtering, about a second per page on a project of 100,000 customers; now such a page
  takes tens of milliseconds (a query still scans the whole collection), with the same results.

Other query behaviour: ``total`` is always returned, whatever ``withTotal`` says.

What mock 4.4.0 does with the cart update actions the handler returns (each line is pinned by
``tests/tooling/test_ctmock_cart_actions.py``):

- ``setCustomType``: works; replaces all fields; no ``type`` removes the custom type.
- ``setCustomField``: works, and no ``value`` removes the field. Unlike the real API it accepts
  names the type does not define and removing a field that is not set. A cart without a custom
  type gets 400 ``InvalidOperation``.
- ``addLineItem`` by sku: works; ``custom`` and ``key`` are kept. ``externalPrice`` is ignored:
  the line stays in ``Platform`` mode at the product price. A sku already in the cart is merged
  into that line (quantity added, the new ``custom`` dropped), even with an external price.
- ``changeLineItemQuantity`` by id: works, 0 removes the line; ``externalPrice`` is ignored.
  By ``lineItemKey`` it always fails ("not found").
- ``removeLineItem`` by id: works, with or without ``quantity``.
- ``setLineItemPrice``: works, switches to ``ExternalPrice`` and back when the price is left out.
- ``setLineItemCustomType`` and ``setLineItemCustomField``: work; the field needs a typed line.
- ``addCustomLineItem``: works with negative money, ``key``, ``taxCategory`` (gets a ``taxRate``),
  ``priceMode`` and ``custom``. Unlike the real API it needs no tax category, and adding the same
  slug twice gives two items instead of one with a larger quantity.
- ``changeCustomLineItemMoney`` (by id or key) and ``removeCustomLineItem`` (by id or key): work.
- ``setDirectDiscounts``: stores the list (each gets an ``id``) and keeps it across later
  changes, ``[]`` clears it; nothing is discounted, ``discountedPricePerQuantity`` stays empty.
- Missing, 400 ``InvalidInput`` "Invalid action ...": ``setLineItemTotalPrice``,
  ``setCustomLineItemCustomField``, ``setCustomLineItemCustomType``,
  ``changeCustomLineItemPriceMode``.
- ``totalPrice`` is recomputed after every line and custom line change, as the sum of line
  totals (its ``fractionDigits`` reads 0). Line items get no tax rate from a product's tax
  category, so ``taxedPrice`` covers custom line items only.
- One failing action rejects the whole update. A stale version gets 409, but only when the
  actions change something.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from handler.custom_types import TYPE_DRAFTS

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_SCRIPT = REPO_ROOT / "tools" / "ctmock_server.mjs"
MOCK_PACKAGE = REPO_ROOT / "node_modules" / "@labdigital" / "commercetools-mock"

READY_LINE = re.compile(r"^ctmock ready (?P<url>http://127\.0\.0\.1:\d+)$")

# Node needs about half a second to load the mock; a busy two-core CI machine can take far longer.
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 30.0

PRODUCT_TYPE_KEY = "ctmock-product"
# Resources per import request: a few megabytes, well below the server's 16 MB body limit.
IMPORT_CHUNK = 2000


class MockServerError(RuntimeError):
    """The mock server could not be started; the message carries what Node printed."""


class UnexpectedStatus(AssertionError):
    """The mock answered a request that a test expected to succeed with another status."""

    def __init__(self, response: requests.Response, expected: Sequence[int]) -> None:
        request = response.request
        super().__init__(
            f"{request.method} {request.url} answered {response.status_code}, "
            f"expected {' or '.join(map(str, expected))}: {response.text}"
        )
        self.response = response


@dataclass(frozen=True)
class Project:
    """One commercetools project on the mock, with small helpers over its HTTP API."""

    key: str
    base_url: str
    http: requests.Session = field(repr=False)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/{self.key}"

    def url(self, resource_path: str, *parts: str) -> str:
        return "/".join((self.api_url, resource_path.strip("/"), *parts))

    def create(self, resource_path: str, draft: Mapping[str, Any]) -> dict[str, Any]:
        response = self.http.post(self.url(resource_path), json=draft, timeout=REQUEST_TIMEOUT_S)
        return _expect(response, 200, 201)

    def get(self, resource_path: str, resource_id: str) -> dict[str, Any]:
        response = self.http.get(self.url(resource_path, resource_id), timeout=REQUEST_TIMEOUT_S)
        return _expect(response, 200)

    def get_by_key(self, resource_path: str, key: str) -> dict[str, Any]:
        url = self.url(resource_path, f"key={key}")
        return _expect(self.http.get(url, timeout=REQUEST_TIMEOUT_S), 200)

    def query(self, resource_path: str, **params: Any) -> dict[str, Any]:
        """Runs a query such as ``where='key="x"'``; returns the paged result."""
        url = self.url(resource_path)
        return _expect(self.http.get(url, params=params, timeout=REQUEST_TIMEOUT_S), 200)

    def update(
        self,
        resource_path: str,
        resource_id: str,
        version: int,
        actions: Sequence[Mapping[str, Any]],
    ) -> requests.Response:
        """Sends update actions and returns the raw response, so tests can check rejections."""
        body: dict[str, Any] = {"version": version, "actions": list(actions)}
        url = self.url(resource_path, resource_id)
        return self.http.post(url, json=body, timeout=REQUEST_TIMEOUT_S)

    def apply_actions(
        self,
        resource_path: str,
        resource: Mapping[str, Any],
        actions: Sequence[Mapping[str, Any]],
    ) -> dict[str, Any]:
        """Applies actions to the resource at its current version and returns the new resource."""
        response = self.update(resource_path, resource["id"], resource["version"], actions)
        return _expect(response, 200)

    def delete(self, resource_path: str, resource_id: str, version: int) -> requests.Response:
        url = self.url(resource_path, resource_id)
        return self.http.delete(url, params={"version": version}, timeout=REQUEST_TIMEOUT_S)

    def import_resources(
        self, type_id: str, resources: Iterable[Mapping[str, Any]], chunk: int = IMPORT_CHUNK
    ) -> int:
        """Stores whole resources of ``type_id`` (e.g. "customer") as given, skipping the API's
        validation and uniqueness checks; a missing id, version or timestamp is filled in.
        Returns how many were stored."""
        url = f"{self.base_url}/__ctmock/import/{self.key}/{type_id}"
        stored = 0
        for part in _chunks(resources, chunk):
            response = self.http.post(url, json=part, timeout=REQUEST_TIMEOUT_S)
            stored += int(_expect(response, 200)["imported"])
        return stored


@dataclass(frozen=True)
class CommercetoolsMock:
    """A running mock server; ``base_url`` serves the API and OAuth alike."""

    base_url: str
    http: requests.Session = field(repr=False)

    def project(self, key: str | None = None) -> Project:
        """A project on this mock; without a key, a new one that no other test uses."""
        return Project(key or f"test-{uuid.uuid4().hex[:12]}", self.base_url, self.http)


@contextlib.contextmanager
def start_mock(*, port: int = 0, strict: bool = False) -> Iterator[CommercetoolsMock]:
    """Runs the mock server for the duration of the block; port 0 lets the OS pick a free one.

    ``strict`` makes the mock validate drafts against the API schema, as the real API does.
    """
    server = _NodeServer(port, strict)
    try:
        base_url = server.wait_until_ready()
        with requests.Session() as http:
            yield CommercetoolsMock(base_url, http)
    finally:
        server.stop()


def seed_custom_types(project: Project) -> list[dict[str, Any]]:
    """Creates the connector's custom types (``handler.custom_types.TYPE_DRAFTS``)."""
    return [project.create("types", draft) for draft in TYPE_DRAFTS]


def create_tax_category(
    project: Project,
    country: str = "DE",
    rate: float = 0.19,
    *,
    included_in_price: bool = True,
) -> dict[str, Any]:
    rate_draft = {
        "name": f"{country} standard",
        "amount": rate,
        "includedInPrice": included_in_price,
        "country": country,
    }
    draft = {
        "key": f"standard-{country.lower()}",
        "name": "Standard",
        "rates": [rate_draft],
    }
    return project.create("tax-categories", draft)


def create_product(
    project: Project,
    sku: str,
    prices: Mapping[str, int],
    name: str = "Test product",
    tax_category: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Creates a published product whose master variant has ``sku`` and one price per currency.

    Prices carry no country, so the mock selects them for a cart of any country in that currency.
    """
    product_type = _ensure_product_type(project)
    price_drafts = [
        {"value": {"currencyCode": currency, "centAmount": cents}}
        for currency, cents in prices.items()
    ]

    draft: dict[str, Any] = {
        "key": _slug(sku),
        "productType": {"typeId": "product-type", "id": product_type["id"]},
        "name": {"en": name},
        "slug": {"en": _slug(sku)},
        "masterVariant": {"sku": sku, "prices": price_drafts},
        "publish": True,
    }
    if tax_category is not None:
        draft["taxCategory"] = {"typeId": "tax-category", "id": tax_category["id"]}
    return project.create("products", draft)


def create_cart(project: Project, draft: Mapping[str, Any]) -> dict[str, Any]:
    return project.create("carts", draft)


def extension_input(
    resource: Mapping[str, Any], action: str = "Update", type_id: str = "cart"
) -> dict[str, Any]:
    """The body commercetools POSTs to an API Extension for this resource."""
    return {
        "action": action,
        "resource": {"typeId": type_id, "id": resource["id"], "obj": dict(resource)},
    }


def _ensure_product_type(project: Project) -> dict[str, Any]:
    found: list[dict[str, Any]] = project.query("product-types", where=f'key="{PRODUCT_TYPE_KEY}"')[
        "results"
    ]
    if found:
        return found[0]
    draft = {
        "key": PRODUCT_TYPE_KEY,
        "name": "Test product",
        "description": "",
        "attributes": [],
    }
    return project.create("product-types", draft)


def _chunks(items: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    part: list[Mapping[str, Any]] = []
    for item in items:
        part.append(item)
        if len(part) == size:
            yield part
            part = []
    if part:
        yield part


def _slug(text: str) -> str:
    # Keys and slugs allow fewer characters than SKUs, and need at least two.
    return re.sub(r"[^A-Za-z0-9_-]", "-", text).ljust(2, "-")


def _expect(response: requests.Response, *statuses: int) -> dict[str, Any]:
    if response.status_code not in statuses:
        raise UnexpectedStatus(response, statuses)
    body: dict[str, Any] = response.json()
    return body


class _NodeServer:
    """The node process, and a thread that collects everything it prints."""

    def __init__(self, port: int, strict: bool) -> None:
        node = shutil.which("node")
        if node is None:
            raise MockServerError("node is not on PATH: install Node.js 20 or newer and npm")
        if not MOCK_PACKAGE.is_dir():
            raise MockServerError(f"{MOCK_PACKAGE} is missing: run `npm ci` in {REPO_ROOT}")

        # With --exit-with-stdin the server also stops if this process dies without cleaning up.
        self.process = subprocess.Popen(
            [node, str(SERVER_SCRIPT), str(port), "--exit-with-stdin"],
            cwd=REPO_ROOT,
            env={**os.environ, "CTMOCK_STRICT": "1" if strict else "0"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            encoding="utf-8",
            errors="replace",
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def wait_until_ready(self) -> str:
        """Returns the base URL from the server's ready line."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                raise MockServerError(self._failure("exited before it was ready"))
            if match := READY_LINE.match(line):
                return match["url"]

        raise MockServerError(self._failure(f"was not ready after {START_TIMEOUT_S:.0f} s"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)

        self._reader.join(timeout=STOP_TIMEOUT_S)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    def _drain(self) -> None:
        # Reading for the server's whole life keeps a full pipe from ever blocking it.
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip("\n"))
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _failure(self, what: str) -> str:
        printed = "\n".join(self.output) or "(nothing)"
        hint = ""
        if "ERR_MODULE_NOT_FOUND" in printed:
            hint = f"\nnode_modules looks incomplete: run `npm ci` in {REPO_ROOT}"
        return f"commercetools mock server {what}; it printed:\n{printed}{hint}"
