"""Handler benchmarks: `python -m benchmarks` (or `make bench`).

Prints p50/p90 figures next to their targets. Nothing here asserts: these machines are shared,
so figures are read and reported, not used to fail a build.

- overhead: from the parsed extension request (what the Lambda runtime hands over) to the
  response body, with Talon.One's recorded answer in place of the network, and the event's log
  line written as deployed (the handler's own logging set-up, to /dev/null); also without it;
- http: the same through the HTTP entry, JSON parsing and encoding included;
- import: importing the Lambda entry module in a fresh interpreter;
- customer migration: `benchmarks/migration.py` (minutes: on the commercetools mock with 100,000
  customers every page costs the mock about a second).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import migration
from benchmarks.carts import generated_answer, generated_cart_event
from handler.app import Runtime, handle
from handler.http import handle_http
from handler.logs import configure_logging
from handler.runtime import with_replay_app
from handler.session import Mappings
from handler.settings import Settings
from handler.talon import ReplayTransport, TalonClient

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "data" / "reference-accelerator"


def main(argv: list[str] | None = None) -> int:
    # No options: a parser only so that --help tells what runs before anything does.
    argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)

    # The log line is written as deployed (the handler's own set-up), to nowhere, all run long.
    configure_logging(open(os.devnull, "w"))  # noqa: SIM115
    event_path = FIXTURES / "commercetools" / "update-cart-event.json"
    event = json.loads(event_path.read_text(encoding="utf-8"))
    answer = (FIXTURES / "talonone" / "update-customer-session-response.json").read_bytes()
    big_event = generated_cart_event(500)
    big_answer = json.dumps(generated_answer(500)).encode()

    print(f"reference cart update ({event_path.stat().st_size / 1024:.0f} KB file, 6 lines):")
    report("overhead", time_calls(lambda: handle(event, runtime(answer))), target_us=150)
    body = event_path.read_bytes()
    report("http entry", time_calls(lambda: handle_http("POST", {}, body, runtime(answer))))
    with logging_off():
        report("overhead, no log", time_calls(lambda: handle(event, runtime(answer))))

    print("generated cart, 500 lines:")
    report("overhead", time_calls(lambda: handle(big_event, runtime(big_answer)), 400), 5000)

    print("cold start:")
    report("import handler.aws", import_times("import handler.aws"), target_us=150_000)
    # What no handler built on the two can go below: both imported, and one model built (the
    # first model loads pydantic's schema machinery).
    report("its two libraries", import_times(_LIBRARIES_ONLY))

    return migration.main([])


@contextmanager
def logging_off() -> Iterator[None]:
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


_RUNTIMES: dict[bytes, Runtime] = {}


def runtime(answer: bytes) -> Runtime:
    """One warm runtime per recorded answer, as a warm Lambda keeps it."""
    if answer not in _RUNTIMES:
        settings = with_replay_app(Settings())
        transport = ReplayTransport(answer)
        _RUNTIMES[answer] = Runtime(
            settings, Mappings.from_settings(settings), TalonClient(transport)
        )
    return _RUNTIMES[answer]


def time_calls(call: Callable[[], Any], count: int = 5000) -> list[float]:
    for _ in range(min(count // 5, 500)):
        call()
    durations = []
    for _ in range(count):
        started = time.perf_counter_ns()
        call()
        durations.append((time.perf_counter_ns() - started) / 1000)
    return durations


_LIBRARIES_ONLY = """
import decimal, pydantic, requests
class Model(pydantic.BaseModel):
    amount: decimal.Decimal = decimal.Decimal(0)
Model(amount=1)
"""


def import_times(statements: str, runs: int = 15) -> list[float]:
    """Microseconds to run ``statements`` in a fresh interpreter (no settings set), as the
    Lambda runtime imports the entry module."""
    code = (
        "import os, time; os.environ['PYDANTIC_DISABLE_PLUGINS'] = '__all__'\n"
        f"t = time.perf_counter_ns()\n{statements}\n"
        "print((time.perf_counter_ns() - t) / 1000)"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        times.append(float(result.stdout.strip().splitlines()[-1]))
    return times


def report(name: str, durations: list[float], target_us: float | None = None) -> None:
    p50 = statistics.median(durations)
    p90 = statistics.quantiles(durations, n=10)[-1]
    verdict = ""
    if target_us is not None:
        verdict = f"  target p50 <= {_format(target_us)}: {'met' if p50 <= target_us else 'MISSED'}"
    print(
        f"  {name:<20} p50 {_format(p50):>9}  p90 {_format(p90):>9}  (n={len(durations)}){verdict}"
    )


def _format(us: float) -> str:
    return f"{us / 1000:.1f} ms" if us >= 1000 else f"{us:.0f} µs"


if __name__ == "__main__":
    sys.exit(main())
