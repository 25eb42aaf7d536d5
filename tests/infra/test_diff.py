"""From current and desired drafts to commercetools update actions, without any HTTP."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.commercetools.diff import (
    UnsupportedChange,
    extension_update_actions,
    type_problems,
    type_update_actions,
)
from infra.commercetools.drafts import canonical_triggers, extension_draft, public_destination


def field(name: str, type_: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "label": {"en": name.title()},
        "required": False,
        "type": type_ or {"name": "String"},
        "inputHint": "SingleLine",
        **extra,
    }


def enum(*keys: str, localized: bool = False) -> dict[str, Any]:
    label = (lambda key: {"en": key.upper()}) if localized else str.upper
    name = "LocalizedEnum" if localized else "Enum"
    return {"name": name, "values": [{"key": key, "label": label(key)} for key in keys]}


CART_TYPE: dict[str, Any] = {
    "key": "cart-meta",
    "name": {"en": "Cart"},
    "resourceTypeIds": ["order"],
    "fieldDefinitions": [field("alpha"), field("beta", {"name": "Boolean"})],
}


def changed(**changes: Any) -> dict[str, Any]:
    draft = copy.deepcopy(CART_TYPE)
    draft.update(changes)
    return draft


def test_an_unchanged_type_needs_no_action() -> None:
    assert type_update_actions(CART_TYPE, copy.deepcopy(CART_TYPE)) == []


def test_a_new_field_is_added_in_place() -> None:
    desired = changed(fieldDefinitions=[*CART_TYPE["fieldDefinitions"], field("gamma")])

    assert type_update_actions(CART_TYPE, desired) == [
        {"action": "addFieldDefinition", "fieldDefinition": field("gamma")}
    ]


def test_a_field_type_change_is_refused_with_a_message_naming_the_field() -> None:
    desired = changed(fieldDefinitions=[field("alpha", {"name": "Number"}), field("beta")])

    with pytest.raises(UnsupportedChange) as caught:
        type_update_actions(CART_TYPE, desired)

    message = str(caught.value)
    assert (
        "type cart-meta, field alpha: its type cannot change in place (String to Number)" in message
    )
    assert "field beta: its type cannot change in place (Boolean to String)" in message
    assert "delete the field and its data" in message


@pytest.mark.parametrize(
    ("desired", "expected"),
    [
        (changed(resourceTypeIds=["customer"]), "resourceTypeIds cannot change in place"),
        (
            changed(
                fieldDefinitions=[field("alpha", required=True), CART_TYPE["fieldDefinitions"][1]]
            ),
            "field alpha: 'required' cannot change in place",
        ),
        (
            changed(
                fieldDefinitions=[
                    field("alpha", {"name": "Set", "elementType": {"name": "Number"}})
                ]
            ),
            "(String to Set of Number)",
        ),
    ],
    ids=["resource-type-ids", "required", "set-of"],
)
def test_changes_the_api_cannot_make_are_problems(desired, expected) -> None:
    problems = type_problems(CART_TYPE, desired)

    assert len(problems) == 1
    assert expected in problems[0]


def test_removing_an_enum_value_is_refused() -> None:
    current = changed(fieldDefinitions=[field("state", enum("open", "closed"))])
    desired = changed(fieldDefinitions=[field("state", enum("open"))])

    assert type_problems(current, desired) == [
        "type cart-meta, field state: enum values cannot be removed (closed)"
    ]


@pytest.mark.parametrize(
    ("current_type", "desired_type", "action"),
    [
        (enum("a"), enum("a", "b"), "addEnumValue"),
        (enum("a", localized=True), enum("a", "b", localized=True), "addLocalizedEnumValue"),
        (
            {"name": "Set", "elementType": enum("a")},
            {"name": "Set", "elementType": enum("a", "b")},
            "addEnumValue",
        ),
    ],
    ids=["enum", "localized-enum", "set-of-enum"],
)
def test_a_new_enum_value_is_added(current_type, desired_type, action) -> None:
    current = changed(fieldDefinitions=[field("state", current_type)])
    desired = changed(fieldDefinitions=[field("state", desired_type)])

    actions = type_update_actions(current, desired)

    assert [(a["action"], a["fieldName"], a["value"]["key"]) for a in actions] == [
        (action, "state", "b")
    ]


def test_labels_input_hints_name_and_enum_labels_change_in_place() -> None:
    current = changed(fieldDefinitions=[field("alpha"), field("state", enum("a"))])
    relabelled = {"name": "Enum", "values": [{"key": "a", "label": "Open"}]}
    desired = changed(
        name={"en": "Cart metadata"},
        fieldDefinitions=[
            field("alpha", label={"en": "Alpha!"}, inputHint="MultiLine"),
            field("state", relabelled),
        ],
    )

    assert type_update_actions(current, desired) == [
        {"action": "changeName", "name": {"en": "Cart metadata"}},
        {"action": "changeLabel", "fieldName": "alpha", "label": {"en": "Alpha!"}},
        {"action": "changeInputHint", "fieldName": "alpha", "inputHint": "MultiLine"},
        {
            "action": "changeEnumValueLabel",
            "fieldName": "state",
            "value": {"key": "a", "label": "Open"},
        },
    ]


def test_a_field_only_commercetools_has_is_kept_and_stays_last_when_reordering() -> None:
    current = changed(
        fieldDefinitions=[field("alpha"), field("legacy"), field("beta", {"name": "Boolean"})]
    )
    desired = changed(fieldDefinitions=[field("beta", {"name": "Boolean"}), field("alpha")])

    assert type_update_actions(current, desired) == [
        {"action": "changeFieldDefinitionOrder", "fieldNames": ["beta", "alpha", "legacy"]}
    ]


def test_an_added_field_at_the_end_needs_no_reordering() -> None:
    current = changed(fieldDefinitions=[field("alpha"), field("legacy")])
    desired = changed(fieldDefinitions=[field("alpha"), field("gamma")])

    actions = type_update_actions(current, desired)

    assert [a["action"] for a in actions] == ["addFieldDefinition"]


EXTENSION = {
    "key": "t1ct-dev",
    "destination": {
        "type": "HTTP",
        "url": "https://fn.example/",
        "authentication": {"type": "AuthorizationHeader", "headerValue": "Bearer one"},
    },
    "triggers": [{"resourceTypeId": "cart", "actions": ["Create", "Update"]}],
    "timeoutInMs": 2000,
}


def read_back(extension: dict[str, Any]) -> dict[str, Any]:
    """The extension as commercetools returns it: credentials masked."""
    live = copy.deepcopy(extension)
    live["destination"]["authentication"]["headerValue"] = "****"
    return live


def test_an_extension_read_back_with_masked_credentials_needs_no_action() -> None:
    assert (
        extension_update_actions(read_back(EXTENSION), EXTENSION, destination_changed=False) == []
    )


def test_new_credentials_are_sent_though_they_cannot_be_compared() -> None:
    actions = extension_update_actions(read_back(EXTENSION), EXTENSION, destination_changed=True)

    assert actions == [{"action": "changeDestination", "destination": EXTENSION["destination"]}]


def test_a_moved_destination_is_noticed_on_the_live_extension() -> None:
    live = read_back(EXTENSION)
    live["destination"]["url"] = "https://old.example/"

    actions = extension_update_actions(live, EXTENSION, destination_changed=False)

    assert [a["action"] for a in actions] == ["changeDestination"]


def test_key_triggers_and_timeout_changes_become_their_actions() -> None:
    current = {**EXTENSION, "key": "old", "timeoutInMs": 1000, "triggers": []}

    actions = extension_update_actions(current, EXTENSION, destination_changed=False)

    assert actions == [
        {"action": "setKey", "key": "t1ct-dev"},
        {"action": "changeTriggers", "triggers": EXTENSION["triggers"]},
        {"action": "setTimeoutInMs", "timeoutInMs": 2000},
    ]


def test_trigger_order_and_action_order_do_not_count_as_changes() -> None:
    current = {
        **EXTENSION,
        "triggers": [
            {"resourceTypeId": "order", "actions": ["Create"]},
            {"resourceTypeId": "cart", "actions": ["Update", "Create"], "condition": ""},
        ],
    }
    desired = {
        **EXTENSION,
        "triggers": [
            {"resourceTypeId": "cart", "actions": ["Create", "Update"]},
            {"resourceTypeId": "order", "actions": ["Create"]},
        ],
    }

    assert extension_update_actions(current, desired, destination_changed=False) == []


def test_an_empty_condition_is_never_sent() -> None:
    triggers = [
        {"resourceTypeId": "cart", "actions": ["Create"], "condition": "   "},
        {"resourceTypeId": "customer", "actions": ["Create"], "condition": " email is defined "},
    ]

    assert canonical_triggers(triggers) == [
        {"resourceTypeId": "cart", "actions": ["Create"]},
        {"resourceTypeId": "customer", "actions": ["Create"], "condition": "email is defined"},
    ]
    assert (
        "condition" not in extension_draft({**EXTENSION, "triggers": triggers[:1]})["triggers"][0]
    )


def test_the_public_part_of_a_lambda_destination_keeps_only_the_arn() -> None:
    destination = {"type": "AWSLambda", "arn": "arn:x", "accessKey": "AKIA", "accessSecret": "s"}

    assert public_destination(destination) == {"type": "AWSLambda", "arn": "arn:x"}
