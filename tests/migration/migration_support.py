"""What the migration tests share: seeded customers, a Talon.One stand-in that notes the profiles
it accepted, and the settings that point the command at both."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support.contract import validate_talon_request
from tools.ctmock import CommercetoolsMock, Project
from tools.talon_standin import Fault, RecordedRequest, Reply, TalonStandIn

API_KEY = "migration-key-never-printed"
CUSTOMERS = 300
MAPPING = {"firstName": "FirstName", "name": "Name", "defaultBillingAddressCity": "City"}
BULK_PATH = "/v2/customer_profiles"


def customer_draft(number: int) -> dict[str, Any]:
    """Every tenth customer has neither a name nor an address, so nothing the mapping names;
    every seventh has not verified their e-mail address."""
    draft: dict[str, Any] = {
        "email": f"customer-{number}@example.com",
        "isEmailVerified": number % 7 != 0,
    }
    if number % 10 != 0:
        draft["firstName"] = f"Ada{number}"
        draft["lastName"] = "Lovelace"
        draft["addresses"] = [{"country": "DE", "city": f"City{number}"}]
        draft["defaultBillingAddress"] = 0
    return draft


def expected_attributes(number: int) -> dict[str, Any]:
    return {"FirstName": f"Ada{number}", "Name": f"Ada{number} Lovelace", "City": f"City{number}"}


@dataclass(frozen=True)
class Seeded:
    """A project holding CUSTOMERS customers; ``numbers`` maps each customer id to its draft."""

    project: Project
    numbers: dict[str, int]

    def ids(self, *, verified_only: bool = False) -> set[str]:
        """The customers the mapping gives at least one attribute."""
        return {
            customer_id
            for customer_id, number in self.numbers.items()
            if number % 10 != 0 and (not verified_only or number % 7 != 0)
        }


@dataclass(frozen=True)
class Run:
    """What one run of the command returned and printed."""

    code: int
    out: str
    err: str


Migrate = Callable[..., Run]


def seed(mock: CommercetoolsMock) -> Seeded:
    project = mock.project()
    numbers = {}
    for number in range(CUSTOMERS):
        customer = project.create("customers", customer_draft(number))["customer"]
        numbers[customer["id"]] = number
    return Seeded(project, numbers)


class ProfileTalon(TalonStandIn):
    """The stand-in, noting the integration id of every profile in each bulk update it accepted.

    ``after_accepting(n, then)`` runs ``then`` once the n-th bulk update has been accepted (before
    its answer goes out), e.g. to make the following requests fail.
    """

    def __init__(self) -> None:
        super().__init__(api_key=API_KEY)
        self.accepted: list[str] = []
        self.accepted_requests = 0
        self._notes = threading.Lock()
        self._cue: tuple[int, Callable[[], object]] | None = None

    def after_accepting(self, requests: int, then: Callable[[], object]) -> None:
        self._cue = (requests, then)

    def fail_after(self, requests: int, fault: Fault) -> None:
        self.after_accepting(requests, lambda: self.set_fault(fault))

    def respond(self, request: RecordedRequest) -> Reply | None:
        reply = super().respond(request)
        if reply is None or reply.status >= 300 or request.path != BULK_PATH:
            return reply

        with self._notes:
            self.accepted += [entry["integrationId"] for entry in request.body["customerProfiles"]]
            self.accepted_requests += 1
            cue = self._cue if self._cue and self._cue[0] == self.accepted_requests else None
        if cue is not None:
            cue[1]()
        return reply

    def duplicates(self) -> dict[str, int]:
        return {key: n for key, n in Counter(self.accepted).items() if n > 1}

    def attributes(self, customer_id: str) -> dict[str, Any]:
        return dict(self.book.profiles[customer_id].attributes)


def environment(
    project: Project,
    talons: dict[str, ProfileTalon],
    *,
    only_verified: bool = False,
    mapping: dict[str, str] | None = None,
    customer_apps: str | None = None,
) -> dict[str, str]:
    """CTP_* and T1CT_* variables pointing the command at the mock and the stand-ins."""
    apps = {name: {"base_url": t.base_url, "api_key": API_KEY} for name, t in talons.items()}
    profile = {"onlyVerifiedProfiles": only_verified, "mappings": mapping or MAPPING}
    variables = {
        "CTP_PROJECT_KEY": project.key,
        "CTP_CLIENT_ID": "migration-client",
        "CTP_CLIENT_SECRET": "migration-secret",
        "CTP_AUTH_URL": project.base_url,
        "CTP_API_URL": project.base_url,
        "T1CT_APPS": json.dumps(apps),
        "T1CT_ROUTING": json.dumps({"fallback": next(iter(talons))}),
        "T1CT_CUSTOMER_PROFILE": json.dumps({"customerProfile": profile}),
    }
    if customer_apps is not None:
        variables["T1CT_CUSTOMER_APPS"] = customer_apps
    return variables


def use(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str]) -> None:
    """Puts the variables from ``environment`` in this test's environment."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def validate_requests(talon: TalonStandIn) -> int:
    """Checks every request the stand-in received against the Talon.One specification."""
    for request in talon.requests:
        query = urlencode(request.query, doseq=True)
        url = f"{talon.base_url}{request.path}" + (f"?{query}" if query else "")
        validate_talon_request(request.method, url, request.headers, request.body)
    return len(talon.requests)
