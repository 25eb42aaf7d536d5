"""What Talon.One's profile answers ask of a customer, as update actions (pure; no I/O).

Every app that answered a profile update contributes two things:

- the referral codes its rules created (``referralCreated``). They are stored in the
  accelerator's multi-currency format: the codes one rule created across apps form one entry,
  ``EUR__CODE-1__USD__CODE-2``, each code behind its app's label (the app's currency, or its name
  when it has none). Existing entries are never dropped, and a code already stored under the same
  label is not added again;
- its loyalty balances, which replace that app's entries in the loyalty field.

Only fields that change get an action, so a customer that already shows everything gets none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handler import custom_types as ct
from handler.cart import CustomFields
from handler.cart_fields import ConnectorType, custom_field_actions
from handler.effects import CodeCreated, Effect
from handler.loyalty import Program, customer_loyalty

# Label and code alternate in a stored entry: LABEL__CODE__LABEL__CODE.
SEPARATOR = "__"

# A (label, code) pair; a stored entry without labels is one pair with an empty label.
Pair = tuple[str, str]


@dataclass(frozen=True)
class ProfileAnswer:
    """What one app answered: its label, its effects, and its programs (None: not reported)."""

    label: str
    effects: tuple[Effect, ...]
    programs: tuple[Program, ...] | None


@dataclass(frozen=True)
class CustomerPlan:
    actions: list[dict[str, Any]]
    referral_codes_added: int = 0
    unwritable: tuple[str, ...] = ()


def plan_customer(
    custom: CustomFields | None, answers: list[ProfileAnswer], connector: ConnectorType
) -> CustomerPlan:
    """The actions that store the answers' referral codes and balances on the customer."""
    current = custom.fields if custom else {}
    wanted: dict[str, Any] = {}

    stored_codes = current.get(ct.CUSTOMER_REFERRAL_CODES)
    stored = list(stored_codes) if isinstance(stored_codes, list) else []
    added = new_referral_entries(stored, created_referrals(answers))
    if added:
        wanted[ct.CUSTOMER_REFERRAL_CODES] = stored + added

    # Several apps may share a label (two apps in one currency): their programs add up.
    answered: dict[str, tuple[Program, ...]] = {}
    for answer in answers:
        if answer.programs is not None:
            answered[answer.label] = answered.get(answer.label, ()) + answer.programs
    wanted[ct.CUSTOMER_LOYALTY_POINTS] = customer_loyalty(
        current.get(ct.CUSTOMER_LOYALTY_POINTS), answered
    )

    fields = custom_field_actions(custom, wanted, connector)
    return CustomerPlan(fields.actions, len(added), fields.unwritable)


def created_referrals(answers: list[ProfileAnswer]) -> list[list[Pair]]:
    """The codes the answers created, grouped by the rule that created them, in answer order."""
    by_rule: dict[str, list[Pair]] = {}
    for answer in answers:
        for effect in answer.effects:
            if effect.type == "referralCreated" and isinstance(effect.props, CodeCreated):
                by_rule.setdefault(effect.rule_name, []).append((answer.label, effect.props.value))
    return list(by_rule.values())


def new_referral_entries(stored: list[Any], created: list[list[Pair]]) -> list[str]:
    """The entries to append: each created group without the codes already stored."""
    known = {pair for entry in stored if isinstance(entry, str) for pair in _pairs(entry)}
    entries = []
    for group in created:
        fresh = [pair for pair in dict.fromkeys(group) if pair not in known]
        if fresh:
            known.update(fresh)
            entries.append(SEPARATOR.join(f"{label}{SEPARATOR}{code}" for label, code in fresh))
    return entries


def _pairs(entry: str) -> list[Pair]:
    parts = entry.split(SEPARATOR)
    if len(parts) < 2 or len(parts) % 2:
        return [("", entry)]
    return list(zip(parts[0::2], parts[1::2], strict=True))
