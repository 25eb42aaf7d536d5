"""Loyalty balances as storefronts read them from the cart and customer fields (pure; no I/O).

Talon.One reports the programs a profile belongs to in the ``loyalty`` block of a session or
profile answer (when asked with ``responseContent: ["loyalty"]``), and the points one cart moves
as ``addLoyaltyPoints`` and ``deductLoyaltyPoints`` effects. Both fields hold JSON text:

- customer ``talon_one_customer_loyalty_points``: ``[{id, name, title, balance, currency}]``, the
  accelerator's shape; ``currency`` names the app the balance comes from, so each app replaces
  only its own entries;
- cart ``talon_one_cart_loyalty_points``: ``[{id, name, title, balance, pending, spending,
  currency}]``, where ``pending`` is what this cart earns and ``spending`` what it deducts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from handler.money import ZERO, json_number


@dataclass(frozen=True)
class Program:
    """One loyalty program of a profile and its confirmed balance."""

    id: int
    name: str
    title: str
    balance: Decimal


class _Ledger(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    current_balance: Decimal = Field(default=ZERO, alias="currentBalance", allow_inf_nan=False)


class _Program(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    name: str = ""
    title: str = ""
    ledger: _Ledger | None = None


def programs_of(loyalty: Any) -> tuple[Program, ...] | None:
    """The programs in an answer's ``loyalty`` block, by id; None when the answer has no block.

    A program entry Talon.One sends in another shape is left out rather than failing the rest.
    """
    if not isinstance(loyalty, dict):
        return None
    raw_programs = loyalty.get("programs")
    if not isinstance(raw_programs, dict):
        return None

    programs = []
    for raw in raw_programs.values():
        try:
            parsed = _Program.model_validate(raw)
        except ValidationError:
            continue
        balance = parsed.ledger.current_balance if parsed.ledger else ZERO
        programs.append(Program(parsed.id, parsed.name, parsed.title, balance))
    return tuple(sorted(programs, key=lambda program: program.id))


def cart_loyalty(
    programs: tuple[Program, ...] | None,
    added: Mapping[int, Decimal],
    deducted: Mapping[int, Decimal],
    currency: str,
) -> str | None:
    """The cart field's text; None when the cart has neither programs nor points moving.

    A program that only the effects name (the profile is not yet a member) has no known balance.
    """
    known = {program.id: program for program in programs or ()}
    ids = sorted({*known, *added, *deducted})
    entries = []
    for program_id in ids:
        program = known.get(program_id)
        entries.append(
            {
                "id": program_id,
                "name": program.name if program else "",
                "title": program.title if program else "",
                "balance": program.balance if program else None,
                "pending": added.get(program_id, ZERO),
                "spending": deducted.get(program_id, ZERO),
                "currency": currency,
            }
        )
    return _encode(entries) if entries else None


def customer_loyalty(stored: Any, answered: Mapping[str, tuple[Program, ...]]) -> Any:
    """The customer field's value once each app in ``answered`` replaced its own entries.

    ``answered`` maps an app's label (its currency, or its name) to the programs it reported.
    Entries of other apps are kept. The stored value comes back unchanged when it already says
    the same, so a second run writes nothing; None means the field should be absent.
    """
    if not answered:
        return stored

    kept = [
        entry
        for entry in _stored_entries(stored)
        if not isinstance(entry, dict) or entry.get("currency") not in answered
    ]
    fresh = [
        {
            "id": program.id,
            "name": program.name,
            "title": program.title,
            "balance": program.balance,
            "currency": label,
        }
        for label, programs in answered.items()
        for program in programs
    ]
    entries = sorted(
        [entry for entry in kept if isinstance(entry, dict)] + fresh,
        key=lambda entry: (str(entry.get("currency")), str(entry.get("id"))),
    )

    if entries == _stored_entries(stored):
        return stored
    return _encode(entries) if entries else None


def _stored_entries(stored: Any) -> list[Any]:
    if not isinstance(stored, str):
        return []
    try:
        entries = json.loads(stored, parse_float=Decimal)
    except json.JSONDecodeError:
        return []
    return entries if isinstance(entries, list) else []


def _number(value: Any) -> Any:
    # Points are JSON numbers, written as Talon.One wrote them.
    if isinstance(value, Decimal):
        return json_number(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_FIELD_JSON = json.JSONEncoder(default=_number, ensure_ascii=False, separators=(",", ":"))


def _encode(entries: list[dict[str, Any]]) -> str:
    return _FIELD_JSON.encode(entries)
