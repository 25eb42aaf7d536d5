"""Customer migration benchmark: `python -m benchmarks.migration` (also run by `make bench`).

Runs `python -m handler.migration` in a child process over 10,000 and then 100,000 generated
customers, against two Talon.One stand-ins (two apps: every profile is sent twice), and prints
customers per second and the child's peak RSS. Nothing here asserts: figures are read and
reported.

The customers come from two sources:

- the commercetools mock, seeded through its import route. Each query still scans every stored
  customer (copying only the page it returns), so with 100,000 customers the mock's pages cost
  more than the fake's;
- a light commercetools fake in this process that answers the same id-cursor queries from a
  sorted list of pre-encoded customers, so the figure shows what the migration itself can do.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tools.ctmock import CommercetoolsMock, start_mock
from tools.talon_standin import TalonStandIn

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "bench-key"
SIZES = (10_000, 100_000)
TARGET_PER_S = 2000
MAPPING = {
    "email": "Email",
    "name": "Name",
    "createdAt": "SignedUp",
    "defaultBillingAddressCity": "City",
    "defaultShippingAddressCountry": "Country",
    "loyaltyTier": "Tier",
}
TIME_LINE = re.compile(r"time: (?P<total>[\d.]+) s, of which (?P<reading>[\d.]+) s reading")
PEAK_LINE = re.compile(r"^VmHWM:\s+(?P<kb>\d+) kB", re.MULTILINE)
# The migration, then its own peak RSS. VmHWM counts this program only; the rusage figures
# would also count the parent's pages the child briefly shared before it started Python.
CHILD = """
import sys
from handler.migration import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    sys.stderr.write(next(line for line in status if line.startswith("VmHWM")))
sys.exit(code)
"""


@dataclass(frozen=True)
class Figures:
    customers: int
    seed_s: float
    wall_s: float
    reading_s: float
    peak_rss_mb: float
    exit_code: int

    @property
    def per_s(self) -> float:
        return self.customers / self.wall_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.migration")
    parser.add_argument("--customers", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--source", choices=("fake", "mock", "both"), default="both")
    args = parser.parse_args(argv)

    print("customer migration to 2 Talon.One stand-ins (2 apps), batches of 1000:")
    if args.source in ("fake", "both"):
        print("  light commercetools fake (id-cursor pages from a sorted list):")
        for count in args.customers:
            report(run_on_fake(count))
    if args.source in ("mock", "both"):
        print("  commercetools mock (tools/ctmock.py), seeded through its import route:")
        with start_mock() as mock:
            for count in args.customers:
                report(run_on_mock(mock, count))
    return 0


def run_on_mock(mock: CommercetoolsMock, count: int) -> Figures:
    project = mock.project()
    started = time.monotonic()
    project.import_resources("customer", customers(count))
    seed_s = time.monotonic() - started

    with TalonStandIn(api_key=API_KEY) as eu, TalonStandIn(api_key=API_KEY) as us:
        measured = migrate(project.base_url, project.key, {"eu": eu, "us": us})
    return Figures(count, seed_s, *measured)


def run_on_fake(count: int) -> Figures:
    started = time.monotonic()
    with CustomerPages(customers(count)) as fake:
        seed_s = time.monotonic() - started
        with TalonStandIn(api_key=API_KEY) as eu, TalonStandIn(api_key=API_KEY) as us:
            measured = migrate(fake.base_url, "bench", {"eu": eu, "us": us})
    return Figures(count, seed_s, *measured)


def migrate(
    base_url: str, project_key: str, talons: dict[str, TalonStandIn]
) -> tuple[float, float, float, int]:
    """Runs the migration in a child process; returns wall time, time reading commercetools,
    the child's peak RSS in MB and its exit code."""
    with tempfile.TemporaryDirectory() as folder, open(Path(folder) / "out", "w+") as out:
        checkpoint = str(Path(folder) / "checkpoint.json")
        command = [sys.executable, "-c", CHILD, "--checkpoint", checkpoint]
        variables = environment(base_url, project_key, talons)

        started = time.monotonic()
        code = subprocess.run(command, cwd=ROOT, env=variables, stdout=out, stderr=out).returncode
        wall_s = time.monotonic() - started

        out.seek(0)
        printed = out.read()
    timing = TIME_LINE.search(printed)
    peak = PEAK_LINE.search(printed)
    if code != 0 or timing is None or peak is None:
        print(printed, file=sys.stderr)
    reading_s = float(timing["reading"]) if timing else 0.0
    peak_mb = int(peak["kb"]) / 1024 if peak else 0.0
    return wall_s, reading_s, peak_mb, code


def environment(base_url: str, project_key: str, talons: dict[str, TalonStandIn]) -> dict[str, str]:
    apps = {name: {"base_url": t.base_url, "api_key": API_KEY} for name, t in talons.items()}
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "CTP_PROJECT_KEY": project_key,
        "CTP_CLIENT_ID": "bench",
        "CTP_CLIENT_SECRET": "bench",
        "CTP_AUTH_URL": base_url,
        "CTP_API_URL": base_url,
        "T1CT_APPS": json.dumps(apps),
        "T1CT_ROUTING": json.dumps({"fallback": next(iter(talons))}),
        "T1CT_CUSTOMER_PROFILE": json.dumps({"customerProfile": {"mappings": MAPPING}}),
    }


def customers(count: int) -> Iterator[dict[str, Any]]:
    """Customers shaped like the ones commercetools stores, with two addresses and a custom
    field, generated one at a time."""
    for number in range(count):
        yield customer(number)


def customer(number: int) -> dict[str, Any]:
    email = f"customer-{number}@example.com"
    billing = {"id": f"b{number}", "city": f"City {number % 500}", "country": "DE"}
    shipping = {**billing, "id": f"s{number}", "streetName": "Main Street", "country": "AT"}
    return {
        "id": str(uuid.uuid4()),
        "version": 1,
        "createdAt": "2024-05-01T10:00:00.000Z",
        "lastModifiedAt": "2024-05-01T10:00:00.000Z",
        "email": email,
        "lowercaseEmail": email,
        "firstName": f"First{number}",
        "lastName": f"Last{number}",
        "isEmailVerified": True,
        "authenticationMode": "Password",
        "addresses": [billing, shipping],
        "defaultBillingAddressId": billing["id"],
        "defaultShippingAddressId": shipping["id"],
        "billingAddressIds": [billing["id"]],
        "shippingAddressIds": [shipping["id"]],
        "stores": [],
        "customerGroupAssignments": [],
        "custom": {
            "type": {"typeId": "type", "id": "customer-type"},
            "fields": {"loyaltyTier": ("bronze", "silver", "gold")[number % 3]},
        },
    }


class CustomerPages:
    """A light commercetools fake on 127.0.0.1: OAuth tokens, and customer queries by id cursor
    (`sort=id asc`, `where=id > "<last>"`, `limit`, `withTotal`) from a sorted list of
    pre-encoded customers. Any other query is answered 400."""

    def __init__(self, resources: Iterator[dict[str, Any]]) -> None:
        encoded = sorted((r["id"], json.dumps(r).encode()) for r in resources)
        self.ids = [customer_id for customer_id, _ in encoded]
        self.bodies = [body for _, body in encoded]
        self.server = _FakeServer(self)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> CustomerPages:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def page(self, where: str | None, limit: int) -> bytes:
        after = re.fullmatch(r'\(?id > "([^"]+)"\)?', where) if where else None
        if where and after is None:
            raise ValueError(f"the fake answers id-cursor queries only, not {where!r}")
        start = bisect.bisect_right(self.ids, after[1]) if after else 0
        chosen = self.bodies[start : start + limit]
        head = f'{{"limit":{limit},"offset":0,"count":{len(chosen)},"total":{len(self.ids)},'
        return head.encode() + b'"results":[' + b",".join(chosen) + b"]}"


class _FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, pages: CustomerPages) -> None:
        super().__init__(("127.0.0.1", 0), _FakeHandler)
        self.pages = pages


class _FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _FakeServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(200, b'{"access_token":"bench","token_type":"Bearer","expires_in":172800}')

    def do_GET(self) -> None:
        target = urlsplit(self.path)
        query = parse_qs(target.query)
        pages = self.server.pages
        try:
            if not target.path.endswith("/customers"):
                raise ValueError(f"the fake has no {target.path}")
            where = query.get("where", [None])[0]
            self._answer(200, pages.page(where, int(query.get("limit", ["20"])[0])))
        except ValueError as exc:
            self._answer(400, json.dumps({"message": str(exc)}).encode())

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def report(figures: Figures) -> None:
    verdict = "met" if figures.per_s >= TARGET_PER_S else "MISSED"
    print(
        f"    {figures.customers:>7,} customers: {figures.per_s:>6,.0f} customers/s "
        f"in {figures.wall_s:.1f} s (target >= {TARGET_PER_S:,}/s: {verdict}), "
        f"peak RSS {figures.peak_rss_mb:.0f} MB; seeded in {figures.seed_s:.1f} s"
    )
    print(
        f"    {'':>7}  {figures.reading_s:.1f} s of it waiting for commercetools"
        + ("" if figures.exit_code == 0 else f"; EXIT CODE {figures.exit_code}")
    )


if __name__ == "__main__":
    sys.exit(main())
