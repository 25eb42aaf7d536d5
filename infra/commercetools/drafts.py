"""commercetools drafts in one canonical form, so equal intent always compares equal.

The dynamic providers keep these forms as resource inputs and outputs; ``diff`` compares them.
"""

from __future__ import annotations

from typing import Any

TYPE_FIELDS = ("key", "name", "description", "resourceTypeIds", "fieldDefinitions")
EXTENSION_FIELDS = ("key", "destination", "triggers", "timeoutInMs")

# Parts of a destination commercetools masks when it is read back.
SECRET_DESTINATION_FIELDS = ("accessKey", "accessSecret")
SECRET_AUTHENTICATION_FIELDS = ("headerValue", "key")


def type_draft(props: dict[str, Any]) -> dict[str, Any]:
    """The TypeDraft in ``props`` (resource inputs, outputs or a live type)."""
    draft = {name: props[name] for name in TYPE_FIELDS if props.get(name) is not None}
    draft.setdefault("fieldDefinitions", [])
    return draft


def extension_draft(props: dict[str, Any]) -> dict[str, Any]:
    """The ExtensionDraft in ``props``, with triggers in canonical form."""
    draft = {name: props[name] for name in EXTENSION_FIELDS if props.get(name) is not None}
    draft["triggers"] = canonical_triggers(props.get("triggers") or [])
    if "timeoutInMs" in draft:
        draft["timeoutInMs"] = whole_number(draft["timeoutInMs"])
    return draft


def whole_number(value: Any) -> Any:
    """Numbers cross the Pulumi engine as floats; commercetools wants integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def canonical_triggers(triggers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Triggers sorted by resource, actions sorted, and an empty condition left out.

    commercetools refuses an empty condition string, so one never reaches the API.
    """
    canonical = []
    for trigger in triggers:
        entry: dict[str, Any] = {
            "resourceTypeId": trigger["resourceTypeId"],
            "actions": sorted(trigger.get("actions") or []),
        }
        condition = (trigger.get("condition") or "").strip()
        if condition:
            entry["condition"] = condition
        canonical.append(entry)
    return sorted(canonical, key=lambda entry: entry["resourceTypeId"])


def public_destination(destination: Any) -> Any:
    """The parts of a destination commercetools shows when read back (no credentials)."""
    if not isinstance(destination, dict):
        return destination
    public = {k: v for k, v in destination.items() if k not in SECRET_DESTINATION_FIELDS}
    authentication = destination.get("authentication")
    if isinstance(authentication, dict):
        public["authentication"] = {
            k: v for k, v in authentication.items() if k not in SECRET_AUTHENTICATION_FIELDS
        }
    return public
