"""From (current, desired) drafts to the commercetools update actions that close the gap.

Pure functions: no HTTP, no Pulumi. ``current`` is a live resource or what state recorded, in the
canonical form of ``drafts``.

Types change only by adding: new fields, new enum values, labels, input hints, order, name and
description. What the Types API cannot change in place (a field's type or ``required`` flag, the
resource type ids, removing an enum value) is reported by ``type_problems`` and refused, because
the only route, removing and re-adding, deletes that data on every cart. A field missing from the
desired draft is left in place for the same reason.
"""

from __future__ import annotations

from typing import Any

from infra.commercetools.drafts import canonical_triggers, public_destination

Action = dict[str, Any]

DEFAULT_INPUT_HINT = "SingleLine"
ENUM_TYPES = {"Enum": "addEnumValue", "LocalizedEnum": "addLocalizedEnumValue"}
ENUM_LABEL_ACTIONS = {
    "Enum": "changeEnumValueLabel",
    "LocalizedEnum": "changeLocalizedEnumValueLabel",
}


class UnsupportedChange(ValueError):
    """A type change commercetools cannot make in place; the message says which and why."""


def type_problems(current: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """Each change the Types API cannot make in place, as one sentence."""
    problems = []
    key = desired.get("key")
    if sorted(current.get("resourceTypeIds", [])) != sorted(desired.get("resourceTypeIds", [])):
        problems.append(
            f"type {key}: resourceTypeIds cannot change in place "
            f"({sorted(current['resourceTypeIds'])} to {sorted(desired['resourceTypeIds'])})"
        )

    current_fields = _fields_by_name(current)
    for field in desired.get("fieldDefinitions", []):
        old = current_fields.get(field["name"])
        if old is None:
            continue
        where = f"type {key}, field {field['name']}"
        if _shape(old["type"]) != _shape(field["type"]):
            problems.append(
                f"{where}: its type cannot change in place ({_describe(old['type'])} to "
                f"{_describe(field['type'])}); commercetools would have to delete the field and "
                "its data on every resource. Add a field with a new name instead"
            )
            continue
        if bool(old.get("required")) != bool(field.get("required")):
            problems.append(f"{where}: 'required' cannot change in place")
        removed = sorted(set(_enum_labels(old["type"])) - set(_enum_labels(field["type"])))
        if removed:
            problems.append(f"{where}: enum values cannot be removed ({', '.join(removed)})")
    return problems


def type_update_actions(current: dict[str, Any], desired: dict[str, Any]) -> list[Action]:
    """Actions that turn ``current`` into ``desired``; UnsupportedChange if it cannot be done."""
    problems = type_problems(current, desired)
    if problems:
        raise UnsupportedChange("; ".join(problems))

    actions: list[Action] = []
    if current.get("key") != desired["key"]:
        actions.append({"action": "changeKey", "key": desired["key"]})
    if current.get("name") != desired.get("name"):
        actions.append({"action": "changeName", "name": desired["name"]})
    if current.get("description") != desired.get("description"):
        actions.append(_without_none({"action": "setDescription", **_pick(desired, "description")}))

    current_fields = _fields_by_name(current)
    for field in desired.get("fieldDefinitions", []):
        old = current_fields.get(field["name"])
        if old is None:
            actions.append({"action": "addFieldDefinition", "fieldDefinition": field})
        else:
            actions.extend(_field_actions(old, field))

    order = _field_order(current, desired)
    if order is not None:
        actions.append({"action": "changeFieldDefinitionOrder", "fieldNames": order})
    return actions


def extension_update_actions(
    current: dict[str, Any], desired: dict[str, Any], *, destination_changed: bool
) -> list[Action]:
    """Actions that turn ``current`` into ``desired``.

    commercetools masks credentials when an extension is read back, so whether they changed is
    decided by the caller from state (``destination_changed``), never from the live resource.
    """
    actions: list[Action] = []
    if current.get("key") != desired.get("key"):
        actions.append(_without_none({"action": "setKey", "key": desired.get("key")}))

    current_destination = public_destination(current.get("destination"))
    desired_destination = public_destination(desired.get("destination"))
    if destination_changed or current_destination != desired_destination:
        actions.append({"action": "changeDestination", "destination": desired["destination"]})

    desired_triggers = canonical_triggers(desired.get("triggers") or [])
    if canonical_triggers(current.get("triggers") or []) != desired_triggers:
        actions.append({"action": "changeTriggers", "triggers": desired_triggers})

    if current.get("timeoutInMs") != desired.get("timeoutInMs"):
        action = {"action": "setTimeoutInMs", "timeoutInMs": desired.get("timeoutInMs")}
        actions.append(_without_none(action))
    return actions


def _field_actions(old: dict[str, Any], new: dict[str, Any]) -> list[Action]:
    name = new["name"]
    actions: list[Action] = []
    if old.get("label") != new.get("label"):
        actions.append({"action": "changeLabel", "fieldName": name, "label": new["label"]})
    new_hint = new.get("inputHint", DEFAULT_INPUT_HINT)
    if old.get("inputHint", DEFAULT_INPUT_HINT) != new_hint:
        actions.append({"action": "changeInputHint", "fieldName": name, "inputHint": new_hint})

    enum_kind = _enum_kind(new["type"])
    if enum_kind is not None:
        old_labels = _enum_labels(old["type"])
        for value_key, label in _enum_labels(new["type"]).items():
            value = {"key": value_key, "label": label}
            if value_key not in old_labels:
                actions.append({"action": ENUM_TYPES[enum_kind], "fieldName": name, "value": value})
            elif old_labels[value_key] != label:
                action = ENUM_LABEL_ACTIONS[enum_kind]
                actions.append({"action": action, "fieldName": name, "value": value})
    return actions


def _field_order(current: dict[str, Any], desired: dict[str, Any]) -> list[str] | None:
    """The full field order to set, or None when the desired fields are already in order.

    New fields are appended by addFieldDefinition; fields only commercetools has go last.
    """
    wanted = [field["name"] for field in desired.get("fieldDefinitions", [])]
    existing = [field["name"] for field in current.get("fieldDefinitions", [])]
    after_adding = existing + [name for name in wanted if name not in existing]
    if [name for name in after_adding if name in wanted] == wanted:
        return None
    return wanted + [name for name in existing if name not in wanted]


def _fields_by_name(draft: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {field["name"]: field for field in draft.get("fieldDefinitions", [])}


def _shape(field_type: dict[str, Any]) -> dict[str, Any]:
    """A field type without its enum values: what may not change in place."""
    shape = {k: v for k, v in field_type.items() if k != "values"}
    if isinstance(shape.get("elementType"), dict):
        shape["elementType"] = _shape(shape["elementType"])
    return shape


def _enum_kind(field_type: dict[str, Any]) -> str | None:
    if field_type.get("name") == "Set" and isinstance(field_type.get("elementType"), dict):
        return _enum_kind(field_type["elementType"])
    return field_type.get("name") if field_type.get("name") in ENUM_TYPES else None


def _enum_labels(field_type: dict[str, Any]) -> dict[str, Any]:
    if field_type.get("name") == "Set" and isinstance(field_type.get("elementType"), dict):
        return _enum_labels(field_type["elementType"])
    return {value["key"]: value.get("label") for value in field_type.get("values", [])}


def _describe(field_type: dict[str, Any]) -> str:
    if field_type.get("name") == "Set" and isinstance(field_type.get("elementType"), dict):
        return f"Set of {_describe(field_type['elementType'])}"
    return str(field_type.get("name"))


def _pick(draft: dict[str, Any], name: str) -> dict[str, Any]:
    return {name: draft.get(name)}


def _without_none(action: Action) -> Action:
    # Leaving a field out is how commercetools update actions unset a value.
    return {k: v for k, v in action.items() if v is not None}
