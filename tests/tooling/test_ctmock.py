"""The commercetools mock server and its helpers (tools/ctmock.py, tools/ctmock_server.mjs)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
import requests

from handler.custom_types import TYPE_DRAFTS
from tools import ctmock
from tools.ctmock import (
    CommercetoolsMock,
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


def test_server_listens_on_loopback_and_is_gone_after_the_block() -> None:
    with start_mock() as mock:
        assert mock.base_url.startswith("http://127.0.0.1:")
        assert requests.get(f"{mock.base_url}/any-project/types", timeout=10).status_code == 200

    with pytest.raises(requests.ConnectionError):
        requests.get(f"{mock.base_url}/any-project/types", timeout=10)


def test_server_exits_when_its_parent_closes_stdin() -> None:
    # Given a server started the way start_mock starts it
    command = ["node", str(ctmock.SERVER_SCRIPT), "0", "--exit-with-stdin"]
    server = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ctmock.REPO_ROOT
    )
    assert server.stdin is not None
    assert server.stdout is not None

    # When it is ready and its parent goes away
    assert server.stdout.readline().startswith("ctmock ready http://127.0.0.1:")
    server.stdin.close()

    # Then it stops by itself, cleanly
    try:
        assert server.wait(timeout=30) == 0
    finally:
        server.kill()
        server.wait()
        server.stdout.close()


def test_missing_node_modules_asks_for_npm_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ctmock, "MOCK_PACKAGE", tmp_path / "node_modules" / "missing")

    with pytest.raises(MockServerError, match="run `npm ci`"), start_mock():
        pass


def test_a_server_that_cannot_start_reports_what_node_printed() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(MockServerError, match="EADDRINUSE"), start_mock(port=port):
            pass


def test_each_project_sees_only_its_own_resources(ct_mock: CommercetoolsMock) -> None:
    first, second = ct_mock.project(), ct_mock.project()

    create_tax_category(first)

    assert first.key != second.key
    assert first.query("tax-categories")["total"] == 1
    assert second.query("tax-categories")["total"] == 0


def test_seed_custom_types_creates_every_connector_type(ct_project: Project) -> None:
    seed_custom_types(ct_project)

    for draft in TYPE_DRAFTS:
        stored = ct_project.get_by_key("types", draft["key"])
        names = [field["name"] for field in stored["fieldDefinitions"]]
        assert names == [field["name"] for field in draft["fieldDefinitions"]]


def test_a_product_can_be_added_by_sku_in_each_of_its_currencies(ct_project: Project) -> None:
    tax = create_tax_category(ct_project)
    create_product(ct_project, "SHOE-42", {"EUR": 4990, "USD": 5490}, tax_category=tax)

    for currency, country, cents in (("EUR", "DE", 4990), ("USD", "US", 5490)):
        draft = {"currency": currency, "country": country}
        cart = create_cart(ct_project, {**draft, "lineItems": [{"sku": "SHOE-42", "quantity": 2}]})
        assert cart["lineItems"][0]["price"]["value"]["centAmount"] == cents
        assert cart["totalPrice"]["centAmount"] == 2 * cents


def test_get_of_a_missing_resource_raises_with_status_and_url(ct_project: Project) -> None:
    with pytest.raises(UnexpectedStatus, match=r"GET .*/carts/nope answered 404"):
        ct_project.get("carts", "nope")


def test_update_with_a_stale_version_returns_the_409(ct_project: Project) -> None:
    cart = create_cart(ct_project, {"currency": "EUR", "country": "DE"})
    ct_project.apply_actions("carts", cart, [{"action": "setCountry", "country": "AT"}])

    stale = [{"action": "setCountry", "country": "FR"}]
    response = ct_project.update("carts", cart["id"], cart["version"], stale)

    assert response.status_code == 409


def test_mock_skips_the_version_check_when_nothing_changes(ct_project: Project) -> None:
    cart = create_cart(ct_project, {"currency": "EUR", "country": "DE"})
    same = [{"action": "setCountry", "country": "AT"}]
    ct_project.apply_actions("carts", cart, same)

    response = ct_project.update("carts", cart["id"], cart["version"], same)

    assert response.status_code == 200


def test_delete_removes_the_resource(ct_project: Project) -> None:
    cart = create_cart(ct_project, {"currency": "EUR", "country": "DE"})

    assert ct_project.delete("carts", cart["id"], cart["version"]).status_code == 200

    with pytest.raises(UnexpectedStatus):
        ct_project.get("carts", cart["id"])


def test_extension_input_wraps_the_resource_like_commercetools() -> None:
    cart = {"id": "c-1", "version": 3, "lineItems": []}

    body = extension_input(cart, action="Create")

    assert body == {"action": "Create", "resource": {"typeId": "cart", "id": "c-1", "obj": cart}}
