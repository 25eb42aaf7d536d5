"""The command line of the migration: options, settings, Ctrl-C, summary and exit code.

Exit codes: 0 when the run got to its end (the last customer, or ``--max-pages``) and no profile
failed; 1 when one did or the run was stopped (Ctrl-C, a fatal answer, commercetools failing); 2
when the settings, the options or the checkpoint file cannot be used.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import requests

from handler.commercetools import Commercetools, CommercetoolsError, Connection
from handler.migration.batches import TALON_BATCH_LIMIT
from handler.migration.checkpoint import CheckpointError
from handler.migration.progress import print_summary
from handler.migration.run import Migration, Options
from handler.settings import SettingsError, settings_from_environ

PAGE_LIMIT = 500  # customers per commercetools query: its maximum


def parse_options(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m handler migrate-customers",
        description="Send every existing commercetools customer to Talon.One as a customer "
        "profile (bulk PUT /v2/customer_profiles). commercetools access comes from CTP_* "
        "variables, the mapping and apps from T1CT_* variables. Interrupted runs resume "
        "from the checkpoint.",
    )
    parser.add_argument("--dry-run", action="store_true", help="read, map and check; send nothing")
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=Path(".migration-checkpoint.json"),
        help="where progress is kept between runs (default: %(default)s)",
    )
    parser.add_argument("--fresh", action="store_true", help="ignore the checkpoint; start over")
    parser.add_argument(
        "--batch-size",
        type=_bounded(1, TALON_BATCH_LIMIT),
        default=TALON_BATCH_LIMIT,
        help="profiles per request (default and most: %(default)s)",
    )
    parser.add_argument(
        "--page-size",
        type=_bounded(1, PAGE_LIMIT),
        default=PAGE_LIMIT,
        help="customers per commercetools query (default and most: %(default)s)",
    )
    parser.add_argument(
        "--concurrency",
        type=_bounded(1, 32),
        default=4,
        help="requests to Talon.One at the same time (default: %(default)s)",
    )
    parser.add_argument(
        "--retry-delay",
        type=float,
        default=0.5,
        help="seconds before the first retry; doubles each time (default: %(default)s)",
    )
    parser.add_argument(
        "--max-pages",
        type=_bounded(1, 10**9),
        help="stop after this many pages of customers; run again to go on",
    )
    args = parser.parse_args(argv)
    return Options(
        checkpoint=args.checkpoint,
        batch_size=args.batch_size,
        page_size=args.page_size,
        concurrency=args.concurrency,
        retry_delay_s=max(args.retry_delay, 0.0),
        max_pages=args.max_pages,
        dry_run=args.dry_run,
        fresh=args.fresh,
    )


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}")
        return value

    return parse


@contextlib.contextmanager
def stop_on_interrupt(migration: Migration, stream: TextIO) -> Iterator[None]:
    """The first Ctrl-C lets the batches in flight finish (or gives up their retries) and ends
    the run with a consistent checkpoint; a second one aborts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def first_interrupt(signum: int, frame: Any) -> None:
        stream.write("\nstopping after the batches in flight (Ctrl-C again to abort)\n")
        migration.stop("interrupted")
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, first_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def main(argv: list[str]) -> int:
    options = parse_options(argv)
    try:
        connection = Connection.from_environ()
        settings = settings_from_environ()
    except SettingsError as exc:
        print(f"settings are invalid: {exc}", file=sys.stderr)
        return 2
    if not settings.apps:
        print("T1CT_APPS names no Talon.One app to send profiles to", file=sys.stderr)
        return 2
    if not settings.customer_profile.mappings:
        print("T1CT_CUSTOMER_PROFILE maps no customer field: nothing to send", file=sys.stderr)
        return 2

    migration = Migration(options, settings, Commercetools(connection), sys.stderr)
    try:
        with stop_on_interrupt(migration, sys.stderr):
            tally = migration.run()
    except CheckpointError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except CommercetoolsError as exc:
        print(f"commercetools: {exc}", file=sys.stderr)
        return 1
    except requests.RequestException as exc:
        print(f"commercetools could not be reached: {type(exc).__name__}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("aborted; the checkpoint holds every batch confirmed before", file=sys.stderr)
        return 1

    print_summary(tally, options.checkpoint, sys.stdout)
    return 0 if tally.succeeded else 1
