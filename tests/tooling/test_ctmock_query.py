"""Queries on the mock copy only the page they return (tools/ctmock_server.mjs,
copyOnlyTheQueriedPage): the results must be what mock 4.4.0 gave when it copied everything.

The mock filters with its own predicate code over the stored objects, sorts them stably (ties
keep insertion order), then copies and expands only the page. It also keeps each collection's
sorted order between queries, until the collection changes. These tests pin the results against
the same filter, sort and slice done here, that expansion (which writes into the resources it
expands) never reaches the stored resources, and that the kept order follows every change.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tools.ctmock import Project

# Few last names, so the sort has many ties and insertion order decides among them.
LAST_NAMES = ("Adams", "Brown", "Clark", "Adams", "Davis", "Brown")
CUSTOMERS = 48


@pytest.fixture
def imported(ct_project: Project) -> list[dict[str, Any]]:
    """Customers stored in this order, with random ids (so id order is not insertion order)."""
    customers = [
        {
            "id": str(uuid.uuid4()),
            "email": f"query-{number:02d}@example.com",
            "firstName": f"F{number:02d}",
            "lastName": LAST_NAMES[number % len(LAST_NAMES)],
        }
        for number in range(CUSTOMERS)
    ]
    assert ct_project.import_resources("customer", customers) == CUSTOMERS
    return customers


def ids(page: dict[str, Any]) -> list[str]:
    return [resource["id"] for resource in page["results"]]


@pytest.mark.parametrize("offset", [0, 5, 30])
def test_filtered_sorted_limited_query_matches_filtering_sorting_and_slicing_everything(
    ct_project: Project, imported: list[dict[str, Any]], offset: int
) -> None:
    matching = [customer for customer in imported if customer["lastName"] != "Davis"]
    # Python's sort is stable with reverse=True too: ties stay in insertion order.
    expected = sorted(matching, key=lambda customer: customer["lastName"], reverse=True)

    page = ct_project.query(
        "customers", where='lastName != "Davis"', sort="lastName desc", limit=7, offset=offset
    )

    assert ids(page) == [customer["id"] for customer in expected[offset : offset + 7]]
    assert (page["count"], page["total"], page["offset"], page["limit"]) == (
        len(expected[offset : offset + 7]),
        len(matching),
        offset,
        7,
    )
    first = page["results"][0]
    assert first["email"] == expected[offset]["email"]
    assert first["version"] == 1


def test_id_cursor_page_matches_the_ids_after_the_cursor(
    ct_project: Project, imported: list[dict[str, Any]]
) -> None:
    every_id = sorted(customer["id"] for customer in imported)
    cursor = every_id[10]

    page = ct_project.query("customers", where=f'id > "{cursor}"', sort="id asc", limit=12)

    assert ids(page) == every_id[11:23]
    assert page["total"] == CUSTOMERS - 11


def test_an_invalid_predicate_is_still_a_400(
    ct_project: Project, imported: list[dict[str, Any]]
) -> None:
    url = ct_project.url("customers")

    response = ct_project.http.get(url, params={"where": "lastName ==", "sort": "id asc"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_expanding_a_page_leaves_the_stored_resources_unexpanded(ct_project: Project) -> None:
    """Expansion writes `obj` into the returned resources, so they must be copies: a later
    query or read of the same customers has no `obj`."""
    group = ct_project.create("customer-groups", {"groupName": "Gold", "key": "gold"})
    reference = {"typeId": "customer-group", "id": group["id"]}
    ct_project.import_resources(
        "customer",
        [{"email": f"group-{n}@example.com", "customerGroup": reference} for n in range(3)],
    )

    expanded = ct_project.query("customers", sort="email asc", expand="customerGroup")
    assert [c["customerGroup"]["obj"]["key"] for c in expanded["results"]] == ["gold"] * 3

    plain = ct_project.query("customers", sort="email asc")
    assert [c["customerGroup"] for c in plain["results"]] == [reference] * 3
    fetched = ct_project.get("customers", plain["results"][0]["id"])
    assert fetched["customerGroup"] == reference


def test_sorted_queries_follow_creates_updates_and_deletes(
    ct_project: Project, imported: list[dict[str, Any]]
) -> None:
    def emails_by_last_name() -> list[str]:
        page = ct_project.query("customers", sort="lastName asc", limit=100)
        return [customer["email"] for customer in page["results"]]

    before = emails_by_last_name()  # keeps this sort's order on the server
    assert before[0] == "query-00@example.com"

    first = ct_project.get("customers", imported[0]["id"])
    ct_project.apply_actions("customers", first, [{"action": "setLastName", "lastName": "Zed"}])
    last = imported[1]
    ct_project.delete("customers", last["id"], 1).raise_for_status()
    ct_project.create("customers", {"email": "new@example.com", "lastName": "Aaron"})

    after = emails_by_last_name()

    assert after[0] == "new@example.com"
    assert after[-1] == "query-00@example.com"
    assert last["email"] not in after
    assert len(after) == CUSTOMERS
