"""A commercetools customer as Talon.One customer profile attributes (pure; no I/O).

The customer is first flattened into one record, in the JavaScript accelerator's layout so that
its attribute mappings keep working: the core fields, ``name``, the default billing and shipping
address fields under the prefixes ``defaultBillingAddress`` and ``defaultShippingAddress``, then
every custom field by its own name (later entries win). The mapping then picks fields from that
record by name. Fields the customer does not have, or has without a value, are left out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handler.settings import CustomerProfileMapping

CORE_FIELDS = (
    "id",
    "email",
    "firstName",
    "lastName",
    "customerNumber",
    "middleName",
    "title",
    "salutation",
    "companyName",
    "vatId",
    "defaultShippingAddressId",
    "defaultBillingAddressId",
    "externalId",
    "isEmailVerified",
)
DATE_FIELDS = ("createdAt", "dateOfBirth")
BILLING_PREFIX = "defaultBillingAddress"
SHIPPING_PREFIX = "defaultShippingAddress"


def profile_attributes(customer: dict[str, Any], mapping: CustomerProfileMapping) -> dict[str, Any]:
    """The attributes sent for ``customer``: each mapped field present, under its Talon.One name."""
    record = flattened(customer)
    return {
        (attribute or field): record[field]
        for field, attribute in mapping.mappings.items()
        if field in record
    }


def flattened(customer: dict[str, Any]) -> dict[str, Any]:
    """Every field a mapping can name, without the ones that have no value."""
    record: dict[str, Any] = {name: customer.get(name) for name in CORE_FIELDS}

    first, last = customer.get("firstName"), customer.get("lastName")
    if isinstance(first, str) and isinstance(last, str):
        record["name"] = f"{first} {last}"
    for name in DATE_FIELDS:
        record[name] = iso_utc(customer.get(name))

    record.update(_address_fields(customer, "defaultBillingAddressId", BILLING_PREFIX))
    record.update(_address_fields(customer, "defaultShippingAddressId", SHIPPING_PREFIX))

    custom = customer.get("custom")
    fields = custom.get("fields") if isinstance(custom, dict) else None
    if isinstance(fields, dict):
        record.update(fields)

    return {name: value for name, value in record.items() if value is not None}


def iso_utc(value: Any) -> str | None:
    """A date or date-time as ISO 8601 in UTC with milliseconds; None when it is not one.

    ``1990-12-09`` becomes ``1990-12-09T00:00:00.000Z``: a date, or a time without an offset,
    counts as UTC whatever the machine's time zone.
    """
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _address_fields(customer: dict[str, Any], id_field: str, prefix: str) -> dict[str, Any]:
    address_id = customer.get(id_field)
    addresses = customer.get("addresses")
    if not address_id or not isinstance(addresses, list):
        return {}

    address = next(
        (entry for entry in addresses if isinstance(entry, dict) and entry.get("id") == address_id),
        None,
    )
    if address is None:
        return {}
    # "streetName" becomes "defaultBillingAddressStreetName", "pOBox" "...POBox".
    return {prefix + key[:1].upper() + key[1:]: value for key, value in address.items() if key}
