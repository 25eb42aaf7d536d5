"""Customer fields as profile attributes: the accelerator's flattened record and mapping format."""

from __future__ import annotations

from typing import Any

import pytest

from handler.profile import flattened, iso_utc, profile_attributes
from handler.settings import CustomerProfileMapping, settings_from_environ
from tests.customers.helpers import customer, fixture

ADDRESS_PARTS = (
    "Title",
    "Salutation",
    "FirstName",
    "LastName",
    "StreetName",
    "StreetNumber",
    "AdditionalStreetInfo",
    "PostalCode",
    "City",
    "Region",
    "State",
    "Country",
    "Company",
    "Department",
    "Building",
    "Apartment",
    "POBox",
    "Phone",
    "Mobile",
    "Email",
    "Fax",
    "AdditionalAddressInfo",
)


def mapped(raw: dict[str, Any], mappings: dict[str, str]) -> dict[str, Any]:
    return profile_attributes(raw, CustomerProfileMapping(mappings=mappings))


def updated_customer() -> dict[str, Any]:
    """The accelerator's customer with every documented field and one address."""
    obj: dict[str, Any] = fixture("commercetools", "update-customer-event")["resource"]["obj"]
    return obj


def test_accelerator_test_mapping_sends_the_full_name() -> None:
    # The accelerator's own test configuration, read from the environment as a shop would set it.
    settings = settings_from_environ(
        {"T1CT_CUSTOMER_PROFILE": '{"customerProfile":{"mappings":{"name":"Name"}}}'}
    )

    attributes = profile_attributes(updated_customer(), settings.customer_profile)

    assert attributes == {"Name": "John Doe"}


def test_every_core_field_is_mapped_as_it_is() -> None:
    mappings = {
        "id": "Id",
        "email": "Email",
        "firstName": "FirstName",
        "lastName": "LastName",
        "customerNumber": "Number",
        "middleName": "MiddleName",
        "title": "Title",
        "salutation": "Salutation",
        "companyName": "Company",
        "vatId": "VatId",
        "defaultShippingAddressId": "ShippingId",
        "defaultBillingAddressId": "BillingId",
        "externalId": "ExternalId",
        "isEmailVerified": "Verified",
    }

    assert mapped(updated_customer(), mappings) == {
        "Id": "f449c925-4c9e-47ab-a7dd-b6839ae3857a",
        "Email": "example@example.com",
        "FirstName": "John",
        "LastName": "Doe",
        "Number": "mb-number-123",
        "MiddleName": "Peter",
        "Title": "Doctor",
        "Salutation": "Sir",
        "Company": "Company S.A",
        "VatId": "123-456-78-90",
        "ShippingId": "kX3xt3rH",
        "BillingId": "kX3xt3rH",
        "ExternalId": "EXternal ID Example",
        "Verified": True,
    }


def test_an_empty_attribute_name_keeps_the_field_name() -> None:
    assert mapped(updated_customer(), {"email": "", "vatId": "Vat"}) == {
        "email": "example@example.com",
        "Vat": "123-456-78-90",
    }


def test_dates_become_iso_utc_with_milliseconds() -> None:
    attributes = mapped(updated_customer(), {"createdAt": "Created", "dateOfBirth": "Birthday"})

    assert attributes == {
        "Created": "2021-03-08T11:34:08.966Z",
        "Birthday": "1990-12-09T00:00:00.000Z",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1990-12-09", "1990-12-09T00:00:00.000Z"),
        ("2021-03-08T11:34:08.966Z", "2021-03-08T11:34:08.966Z"),
        ("2021-03-08T11:34:08+02:00", "2021-03-08T09:34:08.000Z"),
        ("2021-03-08T11:34:08.123456Z", "2021-03-08T11:34:08.123Z"),
        ("2021-03-08T11:34:08", "2021-03-08T11:34:08.000Z"),
        ("09.12.1990", None),
        ("", None),
        (19901209, None),
        (None, None),
    ],
)
def test_iso_utc_is_strict(value: Any, expected: str | None) -> None:
    assert iso_utc(value) == expected


def test_an_unreadable_date_is_left_out_rather_than_guessed() -> None:
    raw = customer(dateOfBirth="9th of December")

    assert mapped(raw, {"dateOfBirth": "Birthday", "email": "Email"}) == {
        "Email": "jane@example.com"
    }


@pytest.mark.parametrize("prefix", ["defaultBillingAddress", "defaultShippingAddress"])
def test_every_documented_address_part_is_mapped_under_its_prefix(prefix: str) -> None:
    mappings = {prefix + part: part for part in ADDRESS_PARTS}

    attributes = mapped(updated_customer(), mappings)

    assert attributes["StreetName"] == "Street"
    assert attributes["City"] == "Wrocław"
    assert attributes["POBox"] == "PO Box"
    assert attributes["AdditionalAddressInfo"] == "Additional Address Info"
    assert set(attributes) == set(ADDRESS_PARTS)


def test_billing_and_shipping_addresses_are_told_apart() -> None:
    raw = customer(
        addresses=[
            {"id": "home", "key": "home-key", "city": "Berlin", "country": "DE"},
            {"id": "work", "city": "Paris", "country": "FR"},
        ],
        defaultBillingAddressId="work",
        defaultShippingAddressId="home",
    )
    mappings = {
        "defaultBillingAddressCity": "BillingCity",
        "defaultShippingAddressCity": "ShippingCity",
        "defaultShippingAddressKey": "ShippingKey",
        "defaultBillingAddressId": "BillingId",
        "defaultBillingAddressKey": "BillingKey",
    }

    assert mapped(raw, mappings) == {
        "BillingCity": "Paris",
        "ShippingCity": "Berlin",
        "ShippingKey": "home-key",
        "BillingId": "work",
    }


def test_a_default_address_id_without_its_address_maps_no_address_fields() -> None:
    raw = customer(addresses=[{"id": "other", "city": "Rome"}], defaultBillingAddressId="gone")

    assert mapped(raw, {"defaultBillingAddressCity": "City"}) == {}


def test_custom_fields_are_mapped_by_name_and_shadow_core_fields() -> None:
    raw = customer(fields={"tier": "gold", "email": "custom@example.com", "score": 7})

    attributes = mapped(raw, {"tier": "Tier", "email": "Email", "score": ""})

    assert attributes == {"Tier": "gold", "Email": "custom@example.com", "score": 7}


def test_fields_the_customer_lacks_or_leaves_empty_are_not_sent() -> None:
    raw = customer(firstName="Jane", middleName=None)
    mappings = {"name": "Name", "middleName": "Middle", "vatId": "Vat", "nonsense": "X"}

    # Only one of the two names: no full name, where the accelerator sent null.
    assert mapped(raw, mappings) == {}


def test_no_mapping_sends_no_attributes() -> None:
    assert mapped(updated_customer(), {}) == {}


def test_the_record_holds_only_fields_with_values() -> None:
    record = flattened(customer())

    assert None not in record.values()
    assert record["email"] == "jane@example.com"
    assert "name" not in record


@pytest.mark.parametrize(
    "custom",
    [None, "text", {"type": {"typeId": "type", "id": "t"}}, {"fields": None}],
)
def test_a_customer_without_usable_custom_fields_still_maps(custom: Any) -> None:
    raw = customer()
    raw["custom"] = custom

    assert mapped(raw, {"email": "Email"}) == {"Email": "jane@example.com"}


@pytest.mark.parametrize(
    "addresses", [None, "nope", [None, 3, "x"], [{"id": "a", "city": None}], []]
)
def test_odd_addresses_never_crash(addresses: Any) -> None:
    raw = customer(addresses=addresses, defaultBillingAddressId="a")

    assert mapped(raw, {"defaultBillingAddressCity": "City", "email": "E"}) == {
        "E": "jane@example.com"
    }


@pytest.mark.parametrize(
    "variable",
    [
        '{"customerProfile": {"onlyVerifiedProfiles": true}}',
        '{"customerProfile": {}}',
        "{}",
    ],
)
def test_a_mapping_setting_without_mappings_maps_nothing(variable: str) -> None:
    # The accelerator threw on a missing "mappings" key and failed the customer's write.
    settings = settings_from_environ({"T1CT_CUSTOMER_PROFILE": variable})

    assert profile_attributes(updated_customer(), settings.customer_profile) == {}
