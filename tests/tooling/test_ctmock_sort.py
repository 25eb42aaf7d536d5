"""What tools/ctmock_server.mjs adds to the mock: `sort` on queries, and bulk imports.

Mock 4.4.0 on its own answers queries in insertion order whatever `sort` says, so paging by id
(`sort=id asc` with `where=id > "<last>"`) skipped resources. These tests pin the fix.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tools.ctmock import Project

CUSTOMERS = 40


@pytest.fixture
def customers(ct_project: Project) -> list[dict[str, Any]]:
    """Customers created through the API, in creation order (random ids, so not in id order)."""
    created = []
    for number in range(CUSTOMERS):
        draft = {"email": f"sort-{number:02d}@example.com", "firstName": f"F{CUSTOMERS - number}"}
        created.append(ct_project.create("customers", draft)["customer"])
    return created


def ids(page: dict[str, Any]) -> list[str]:
    return [resource["id"] for resource in page["results"]]


def test_sort_by_id_ascending_and_descending(
    ct_project: Project, customers: list[dict[str, Any]]
) -> None:
    every_id = sorted(customer["id"] for customer in customers)

    ascending = ct_project.query("customers", sort="id asc", limit=CUSTOMERS)
    descending = ct_project.query("customers", sort="id desc", limit=CUSTOMERS)

    assert ids(ascending) == every_id
    assert ids(descending) == every_id[::-1]


def test_sort_by_another_field(ct_project: Project, customers: list[dict[str, Any]]) -> None:
    page = ct_project.query("customers", sort="email desc", limit=5)

    emails = [customer["email"] for customer in page["results"]]
    assert emails == [f"sort-{number:02d}@example.com" for number in range(39, 34, -1)]


def test_without_sort_the_order_is_still_insertion_order(
    ct_project: Project, customers: list[dict[str, Any]]
) -> None:
    page = ct_project.query("customers", limit=CUSTOMERS)

    assert ids(page) == [customer["id"] for customer in customers]


def test_id_cursor_paging_visits_every_customer_once_in_id_order(
    ct_project: Project, customers: list[dict[str, Any]]
) -> None:
    seen: list[str] = []
    last = None
    for _ in range(CUSTOMERS):  # bounded: at least one customer per page
        params: dict[str, Any] = {"sort": "id asc", "limit": 7}
        if last is not None:
            params["where"] = f'id > "{last}"'
        page = ids(ct_project.query("customers", **params))
        if not page:
            break
        seen += page
        last = page[-1]

    assert seen == sorted(customer["id"] for customer in customers)


def test_imported_customers_page_by_id_with_created_ones(ct_project: Project) -> None:
    created = ct_project.create("customers", {"email": "created@example.com"})["customer"]
    imported = [
        {**created, "id": str(uuid.uuid4()), "email": f"imported-{n}@example.com"}
        for n in range(25)
    ]

    stored = ct_project.import_resources("customer", imported, chunk=10)

    assert stored == 25
    page = ct_project.query("customers", sort="id asc", limit=100)
    assert ids(page) == sorted([created["id"], *(customer["id"] for customer in imported)])
    fetched = ct_project.get("customers", imported[3]["id"])
    assert fetched["email"] == "imported-3@example.com"


def test_import_fills_in_what_a_resource_lacks(ct_project: Project) -> None:
    ct_project.import_resources("customer", [{"email": "bare@example.com"}])

    (customer,) = ct_project.query("customers")["results"]
    assert customer["email"] == "bare@example.com"
    assert uuid.UUID(customer["id"])
    assert customer["version"] == 1
    assert customer["createdAt"].endswith("Z")


def test_import_refuses_a_body_that_is_not_a_list(ct_project: Project) -> None:
    url = f"{ct_project.base_url}/__ctmock/import/{ct_project.key}/customer"

    response = ct_project.http.post(url, json={"email": "x@example.com"}, timeout=10)

    assert response.status_code == 400
