"""Pages of customers cut into batches of profiles, and each app's request body for a batch.

A customer every app already confirmed is counted, not sent again; one that maps to nothing, or
whose e-mail is not verified when only verified profiles are wanted, is skipped with a reason.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from handler.migration.checkpoint import Ledger
from handler.profile import profile_attributes
from handler.settings import Settings

TALON_BATCH_LIMIT = 1000  # profiles per bulk request: Talon.One's documented maximum

UNVERIFIED = "e-mail not verified"
UNVERIFIED_IN_QUERY = "e-mail not verified (left out by the query)"
NO_ATTRIBUTES = "no mapped field has a value"


@dataclass
class Batch:
    """Consecutive customers, ids in (after, through], and the profiles they give each app."""

    number: int
    after: str | None
    through: str = ""
    customers: int = 0
    already_sent: int = 0
    # Each profile with the apps that have not confirmed it yet.
    profiles: list[tuple[dict[str, Any], frozenset[str]]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Plan:
    """What a run sends where: the apps, the mapping, and what earlier runs already sent."""

    settings: Settings
    apps: tuple[str, ...]
    ledgers: dict[str, Ledger]
    batch_size: int

    @property
    def resume_after(self) -> str | None:
        """Read from here: the first customer some app has not confirmed is after this id."""
        cursors = [self.ledgers[app].through for app in self.apps]
        if any(cursor is None for cursor in cursors):
            return None
        return min(cursor for cursor in cursors if cursor is not None)


def batches(pages: Iterable[list[dict[str, Any]]], plan: Plan) -> Iterator[Batch]:
    """Customers in id order, cut into batches of at most ``plan.batch_size`` profiles."""
    every_app = frozenset(plan.apps)
    mapping = plan.settings.customer_profile
    batch = Batch(1, plan.resume_after)

    for page in pages:
        for customer in page:
            customer_id = customer["id"]
            batch.customers += 1
            batch.through = customer_id

            waiting = frozenset(a for a in plan.apps if not plan.ledgers[a].covers(customer_id))
            if not waiting:
                batch.already_sent += 1
            elif mapping.only_verified_profiles and not customer.get("isEmailVerified"):
                # The query leaves these out; a customer can change between query and read.
                batch.skipped[UNVERIFIED] += 1
            elif attributes := profile_attributes(customer, mapping):
                profile = {"integrationId": customer_id, "attributes": attributes}
                batch.profiles.append((profile, every_app if waiting == every_app else waiting))
            else:
                batch.skipped[NO_ATTRIBUTES] += 1

            if len(batch.profiles) == plan.batch_size:
                yield batch
                batch = Batch(batch.number + 1, batch.through)

    if batch.customers:
        yield batch


class InvalidBatch(ValueError):
    """A batch Talon.One would refuse for its shape; it is not sent."""


def request_bodies(batch: Batch, apps: Iterable[str]) -> dict[str, tuple[bytes, int]]:
    """Each app's ``PUT /v2/customer_profiles`` body and profile count; apps with none are left
    out. Apps waiting for the same profiles share one encoded body."""
    check_profiles(profile for profile, _ in batch.profiles)

    encoded: dict[tuple[int, ...], bytes] = {}
    bodies = {}
    for app in apps:
        chosen = tuple(i for i, (_, waiting) in enumerate(batch.profiles) if app in waiting)
        if not chosen:
            continue
        if chosen not in encoded:
            profiles = [batch.profiles[i][0] for i in chosen]
            encoded[chosen] = _encode({"customerProfiles": profiles})
        bodies[app] = (encoded[chosen], len(chosen))
    return bodies


def check_profiles(profiles: Iterable[dict[str, Any]]) -> None:
    count = 0
    for profile in profiles:
        count += 1
        integration_id = profile.get("integrationId")
        if not isinstance(integration_id, str) or not 1 <= len(integration_id) <= 1000:
            raise InvalidBatch("an integrationId is not a string of 1 to 1000 characters")
        if not isinstance(profile.get("attributes"), dict):
            raise InvalidBatch(f"the attributes of {integration_id} are not an object")
    if count > TALON_BATCH_LIMIT:
        raise InvalidBatch(f"{count} profiles in one request; Talon.One takes {TALON_BATCH_LIMIT}")


def _encode(body: dict[str, Any]) -> bytes:
    try:
        # NaN and Infinity are not JSON; Talon.One would refuse the whole batch.
        return json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise InvalidBatch(f"a profile is not JSON ({exc})") from None
