"""Bulk migration of existing commercetools customers to Talon.One customer profiles.

python -m handler migrate-customers [--dry-run] [--checkpoint PATH] [--fresh] [...]

Customers are read in id order with an id cursor (``sort=id asc`` and ``id > last``, never an
offset), mapped with ``T1CT_CUSTOMER_PROFILE`` and sent with the bulk ``PUT /v2/customer_profiles``
to every app in ``T1CT_CUSTOMER_APPS`` (all apps by default). Memory stays flat: one page is read
at a time and only the batches in flight are held.

The checkpoint file records, for each app, the ranges of customer ids that app confirmed. It is
replaced atomically after every confirmed batch, so a run that stops for any reason (Ctrl-C, a
failure, ``--max-pages``) resumes after the last id every app confirmed and sends no customer
twice, even when a later batch was confirmed before an earlier one failed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import requests

from handler.commercetools import Commercetools, CommercetoolsError, Connection
from handler.customers import customer_apps
from handler.profile import profile_attributes
from handler.settings import App, Settings, SettingsError, settings_from_environ
from handler.talon import HttpTransport, TalonError, Transport

TALON_BATCH_LIMIT = 1000  # profiles per bulk request: Talon.One's documented maximum
PAGE_LIMIT = 500  # customers per commercetools query: its maximum
REQUEST_TIMEOUT_S = 60.0
MAX_ATTEMPTS = 6
MAX_RETRY_DELAY_S = 30.0
# Worth another try: concurrent updates of a profile, back-pressure, or Talon.One having trouble.
RETRY_STATUSES = frozenset({409, 429})
# Nothing else will work either: a wrong API key or base URL.
FATAL_STATUSES = frozenset({401, 403, 404})

UNVERIFIED = "e-mail not verified"
UNVERIFIED_IN_QUERY = "e-mail not verified (left out by the query)"
NO_ATTRIBUTES = "no mapped field has a value"


class CheckpointError(Exception):
    """The checkpoint file cannot be used for this run; the message says why."""


# --- Checkpoint ------------------------------------------------------------------------------

# Customer ids in (after, through]; an `after` of None starts at the very first customer.
Span = tuple[str | None, str]


@dataclass
class Ledger:
    """The customer id ranges one app has confirmed, merged and in id order."""

    spans: list[Span] = field(default_factory=list)

    @property
    def through(self) -> str | None:
        """Every customer up to this id is confirmed; None when not even the first one is."""
        if self.spans and self.spans[0][0] is None:
            return self.spans[0][1]
        return None

    def covers(self, customer_id: str) -> bool:
        return any(
            (after is None or after < customer_id) and customer_id <= through
            for after, through in self.spans
        )

    def confirm(self, after: str | None, through: str) -> None:
        # Batches tile the id line, so a confirmed batch either extends a span or starts one.
        spans = sorted([*self.spans, (after, through)], key=_from_the_start)
        merged: list[Span] = []
        for start, end in spans:
            if merged and (start is None or start <= merged[-1][1]):
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self.spans = merged


def _from_the_start(span: Span) -> tuple[bool, str]:
    """Orders spans by where they start, the one from the very first customer first."""
    return span[0] is not None, span[0] or ""


@dataclass
class Checkpoint:
    """The ledgers of one project and mapping, kept in a JSON file that is replaced whole."""

    path: Path
    project: str
    mapping: str
    ledgers: dict[str, Ledger]

    @classmethod
    def open(cls, path: Path, project: str, mapping: str, *, fresh: bool) -> Checkpoint:
        if fresh or not path.exists():
            return cls(path, project, mapping, {})

        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            ledgers = {
                str(app): Ledger([_span(span) for span in spans])
                for app, spans in data["apps"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CheckpointError(f"{path} is not a migration checkpoint ({exc})") from None

        if data.get("project") != project:
            raise CheckpointError(
                f"{path} belongs to project {data.get('project')!r}, not {project!r}: "
                "pass --fresh or another --checkpoint"
            )
        if data.get("mapping") != mapping:
            raise CheckpointError(
                f"{path} was written with another customer profile mapping: pass --fresh to "
                "send every customer again with the new one"
            )
        return cls(path, project, mapping, ledgers)

    def ledger(self, app: str) -> Ledger:
        return self.ledgers.setdefault(app, Ledger())

    def save(self) -> None:
        data = {
            "project": self.project,
            "mapping": self.mapping,
            "apps": {app: ledger.spans for app, ledger in sorted(self.ledgers.items())},
        }
        try:
            _replace_whole(self.path, json.dumps(data, indent=1))
        except OSError as exc:
            raise CheckpointError(f"{self.path} could not be written ({exc})") from None


def _replace_whole(path: Path, text: str) -> None:
    """Writes a temporary file beside ``path`` and renames it over ``path``: a reader (or the
    next run after a crash) sees the old content or the new, never half of it."""
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.replace(handle.name, path)
    except OSError:
        os.unlink(handle.name)
        raise


def _span(value: Any) -> Span:
    after, through = value
    if not (after is None or isinstance(after, str)) or not isinstance(through, str):
        raise TypeError(f"{value!r} is not a range of customer ids")
    return after, through


def mapping_fingerprint(settings: Settings) -> str:
    """Tells whether a checkpoint was written with the same mapping and verification rule."""
    text = json.dumps(settings.customer_profile.model_dump(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- Batches ---------------------------------------------------------------------------------


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


# --- Sending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """How sending one batch to one app ended. ``fatal`` failures stop the whole run."""

    ok: bool
    reason: str = ""
    fatal: bool = False


class ProfileSender:
    """``PUT /v2/customer_profiles`` with retries and backoff; one HTTP session per thread."""

    def __init__(
        self,
        stopping: threading.Event,
        retry_delay_s: float,
        new_transport: Callable[[], Transport] = HttpTransport,
    ) -> None:
        self._stopping = stopping
        self._retry_delay_s = retry_delay_s
        self._new_transport = new_transport
        self._local = threading.local()

    def deliver(self, app: App, body: bytes) -> Delivery:
        try:
            delivery = self._deliver(app, body)
        except Exception as exc:  # a worker must always report back, or its batch hangs
            delivery = Delivery(False, f"unexpected {type(exc).__name__}", fatal=True)
        if delivery.fatal:
            # At once, so that no queued request goes out after it.
            self._stopping.set()
        return delivery

    def _deliver(self, app: App, body: bytes) -> Delivery:
        if self._stopping.is_set():
            # Queued before the run was asked to stop: leave it for the next run.
            return Delivery(False, "not sent: the run stopped first")

        url = f"{app.base_url}/v2/customer_profiles"
        headers = {
            "Authorization": f"ApiKey-v1 {app.api_key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        delay = self._retry_delay_s

        for attempt in range(1, MAX_ATTEMPTS + 1):
            reason, retry = self._attempt(url, headers, body)
            if reason is None:
                return Delivery(True)
            if not retry:
                fatal = any(reason.startswith(f"HTTP {status}") for status in FATAL_STATUSES)
                return Delivery(False, reason, fatal)
            if attempt == MAX_ATTEMPTS:
                break

            # Jitter keeps the workers from retrying in step; a stop request cuts the wait.
            if self._stopping.wait(delay * random.uniform(0.5, 1.0)):
                return Delivery(False, f"{reason}; abandoned when the run stopped", fatal=True)
            delay = min(delay * 2, MAX_RETRY_DELAY_S)

        return Delivery(False, f"{reason}, {MAX_ATTEMPTS} attempts", fatal=True)

    def _attempt(self, url: str, headers: dict[str, str], body: bytes) -> tuple[str | None, bool]:
        """None when Talon.One took the batch, else why not and whether to try again."""
        deadline = time.monotonic() + REQUEST_TIMEOUT_S
        try:
            answer = self._transport().send("PUT", url, headers, body, deadline)
        except TalonError as error:
            return error.kind.replace("_", " "), error.kind in ("connection", "timeout")

        if 200 <= answer.status < 300:
            return None, False
        reason = f"HTTP {answer.status}{_error_title(answer.content)}"
        return reason, answer.status in RETRY_STATUSES or answer.status >= 500

    def _transport(self) -> Transport:
        transport: Transport | None = getattr(self._local, "transport", None)
        if transport is None:
            transport = self._local.transport = self._new_transport()
        return transport


def _error_title(content: bytes) -> str:
    """Talon.One's first error title, e.g. " (Invalid attribute)"; never values it echoes."""
    try:
        errors = json.loads(content).get("errors") or []
        title = errors[0].get("title") if errors else None
    except (ValueError, AttributeError):
        return ""
    return f" ({title[:80]})" if isinstance(title, str) and title else ""


# --- Progress and summary --------------------------------------------------------------------


class Progress:
    """One status line on stderr: a bar, count, rate and time left. Redrawn in place on a
    terminal; elsewhere (CI logs, files) one line every ten seconds."""

    BAR_WIDTH = 24

    def __init__(self, total: int | None, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self._stream = stream
        self._interactive = stream.isatty()
        self._every_s = 0.25 if self._interactive else 10.0
        self._started = self._drawn = time.monotonic()

    def advance(self, customers: int) -> None:
        self.done += customers
        if time.monotonic() - self._drawn >= self._every_s:
            self._draw()

    def finish(self) -> None:
        self._draw()
        if self._interactive:
            self._stream.write("\n")

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        if self.total is None:
            return f"{self.done:,} customers  {rate:,.0f}/s"

        share = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = round(share * self.BAR_WIDTH)
        bar = "#" * filled + "." * (self.BAR_WIDTH - filled)
        left = max(self.total - self.done, 0) / rate if rate else None
        eta = _clock(left) if left is not None else "?"
        return f"[{bar}] {self.done:,}/{self.total:,} customers  {rate:,.0f}/s  ETA {eta}"

    def _draw(self) -> None:
        self._drawn = time.monotonic()
        end = "" if self._interactive else "\n"
        start = "\r\x1b[K" if self._interactive else ""
        self._stream.write(f"{start}{self.line()}{end}")
        self._stream.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


@dataclass
class Tally:
    """What a run did, for the summary."""

    dry_run: bool = False
    read: int = 0
    already_sent: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    attributes: Counter[str] = field(default_factory=Counter)
    stopped: str | None = None
    elapsed_s: float = 0.0
    reading_s: float = 0.0

    @property
    def succeeded(self) -> bool:
        return not self.failed and self.stopped is None

    def count(self, batch: Batch) -> None:
        self.read += batch.customers
        self.already_sent += batch.already_sent
        self.skipped.update(batch.skipped)


def print_summary(tally: Tally, checkpoint: Path, out: TextIO) -> None:
    verb = "to send" if tally.dry_run else "sent"
    lines = ["Customer migration" + (" (dry run)" if tally.dry_run else "") + ":"]
    if tally.stopped:
        lines.append(f"  stopped early: {tally.stopped}")
    lines.append(f"  customers read: {tally.read:,}")
    per_app = ", ".join(f"{app} {count:,}" for app, count in sorted(tally.sent.items()))
    lines.append(f"  profiles {verb}: {per_app or 'none'}")
    lines.append(f"  already done by an earlier run: {tally.already_sent:,}")
    lines += _counted("skipped", tally.skipped)
    lines += _counted("failed", tally.failed)
    if tally.dry_run:
        lines += _counted("attributes", tally.attributes)
    else:
        lines.append(f"  checkpoint: {checkpoint}")
    lines.append(
        f"  time: {tally.elapsed_s:.1f} s, of which {tally.reading_s:.1f} s reading customers "
        "from commercetools"
    )
    out.write("\n".join(lines) + "\n")


def _counted(title: str, counts: Counter[str]) -> list[str]:
    lines = [f"  {title}: {sum(counts.values()):,}"]
    lines += [f"    {reason}: {count:,}" for reason, count in sorted(counts.items())]
    return lines


# --- The run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    checkpoint: Path
    batch_size: int
    page_size: int
    concurrency: int
    retry_delay_s: float
    max_pages: int | None
    dry_run: bool
    fresh: bool


class Migration:
    """Reads, maps and sends; keeps the checkpoint; stops cleanly when asked."""

    def __init__(
        self,
        options: Options,
        settings: Settings,
        commercetools: Commercetools,
        progress_stream: TextIO,
    ) -> None:
        self.options = options
        self.settings = settings
        self.commercetools = commercetools
        self.progress_stream = progress_stream
        self.stopping = threading.Event()
        self.tally = Tally(dry_run=options.dry_run)

    def stop(self, reason: str) -> None:
        """Finish or abandon the batches in flight, then end the run."""
        if self.tally.stopped is None:
            self.tally.stopped = reason
        self.stopping.set()

    def run(self) -> Tally:
        started = time.monotonic()
        # The same apps the customer sync sends profiles to.
        apps = tuple(name for name, _ in customer_apps(self.settings))
        checkpoint = Checkpoint.open(
            self.options.checkpoint,
            self.commercetools.connection.project_key,
            mapping_fingerprint(self.settings),
            fresh=self.options.fresh,
        )
        ledgers = {app: checkpoint.ledger(app) for app in apps}
        plan = Plan(self.settings, apps, ledgers, self.options.batch_size)

        verified_only = self.settings.customer_profile.only_verified_profiles
        where = "isEmailVerified = true" if verified_only else None
        progress = Progress(self._count(where, plan.resume_after), self.progress_stream)
        if verified_only:
            unverified = (self._count(None, plan.resume_after) or 0) - (progress.total or 0)
            if unverified > 0:
                self.tally.skipped[UNVERIFIED_IN_QUERY] = unverified

        pages = self.commercetools.pages_by_id(
            "/customers", where=where, after=plan.resume_after, limit=self.options.page_size
        )
        pages = itertools.islice(self._timed(pages), self.options.max_pages)
        try:
            if self.options.dry_run:
                self._check_all(batches(pages, plan), plan, progress)
            else:
                self._send_all(batches(pages, plan), plan, checkpoint, progress)
        finally:
            progress.finish()
            self.tally.elapsed_s = time.monotonic() - started
        return self.tally

    def _count(self, where: str | None, after: str | None) -> int | None:
        conditions = [c for c in (where, f'id > "{after}"' if after else None) if c]
        params: dict[str, Any] = {"limit": 1, "withTotal": "true"}
        if conditions:
            params["where"] = " and ".join(f"({c})" for c in conditions)
        total = self.commercetools.query("/customers", **params).get("total")
        return total if isinstance(total, int) else None

    def _timed(self, pages: Iterator[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
        """The pages, adding up the time spent waiting for commercetools; a failed read ends
        the run (the checkpoint keeps what was confirmed)."""
        while True:
            started = time.monotonic()
            try:
                page = next(pages, None)
            except CommercetoolsError as exc:
                self.stop(f"reading customers failed: {exc}")
                return
            except requests.RequestException as exc:
                self.stop(f"reading customers failed: {type(exc).__name__}")
                return
            finally:
                self.tally.reading_s += time.monotonic() - started
            if page is None:
                return
            yield page

    def _check_all(self, work: Iterator[Batch], plan: Plan, progress: Progress) -> None:
        for batch in work:
            self.tally.count(batch)
            for profile, _ in batch.profiles:
                self.tally.attributes.update(profile["attributes"].keys())
            try:
                for app, (_, count) in request_bodies(batch, plan.apps).items():
                    self.tally.sent[app] += count
            except InvalidBatch as exc:
                self.tally.failed[f"invalid batch: {exc}"] += len(batch.profiles)
            progress.advance(batch.customers)
            if self.stopping.is_set():
                return

    def _send_all(
        self, work: Iterator[Batch], plan: Plan, checkpoint: Checkpoint, progress: Progress
    ) -> None:
        checkpoint.save()  # fails here, before anything is sent, if the file cannot be written
        pool = ThreadPoolExecutor(self.options.concurrency, "migrate-customers")
        sender = ProfileSender(self.stopping, self.options.retry_delay_s)
        deliveries = Deliveries(self, plan, checkpoint, progress, pool, sender)
        try:
            for batch in work:
                if self.stopping.is_set():
                    break
                self.tally.count(batch)
                try:
                    bodies = request_bodies(batch, plan.apps)
                except InvalidBatch as exc:
                    self.tally.failed[f"invalid batch: {exc}"] += len(batch.profiles)
                    progress.advance(batch.customers)
                    continue
                deliveries.submit(batch, bodies)
            deliveries.drain()
        except BaseException:
            # A second Ctrl-C or a bug: give up the queued requests and the retries at once.
            self.stop("aborted")
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


class Deliveries:
    """The requests in flight: each batch goes to every app waiting for it, and each answer is
    settled in that app's ledger, the tally and the checkpoint."""

    def __init__(
        self,
        migration: Migration,
        plan: Plan,
        checkpoint: Checkpoint,
        progress: Progress,
        pool: ThreadPoolExecutor,
        sender: ProfileSender,
    ) -> None:
        self.migration = migration
        self.plan = plan
        self.checkpoint = checkpoint
        self.progress = progress
        self.pool = pool
        self.sender = sender
        self.in_flight: dict[Future[Delivery], tuple[Batch, str, int]] = {}
        self.apps_left: dict[int, int] = {}
        # Enough queued requests to keep every worker busy, and no more batches in memory.
        self.limit = 2 * migration.options.concurrency

    def submit(self, batch: Batch, bodies: dict[str, tuple[bytes, int]]) -> None:
        while self.in_flight and len(self.in_flight) + len(bodies) > self.limit:
            self.collect()

        self.apps_left[batch.number] = len(self.plan.apps)
        for app in self.plan.apps:
            if app not in bodies:
                # Nothing in this batch for that app: it is done with these ids already.
                self.settle(batch, app, Delivery(True), 0)
        if not bodies:
            self.checkpoint.save()

        apps = self.migration.settings.apps
        for app, (body, count) in bodies.items():
            future = self.pool.submit(self.sender.deliver, apps[app], body)
            self.in_flight[future] = (batch, app, count)

    def collect(self) -> None:
        done, _ = wait(self.in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            batch, app, count = self.in_flight.pop(future)
            self.settle(batch, app, future.result(), count)
        self.checkpoint.save()

    def drain(self) -> None:
        while self.in_flight:
            self.collect()

    def settle(self, batch: Batch, app: str, delivery: Delivery, count: int) -> None:
        tally = self.migration.tally
        if delivery.ok:
            self.plan.ledgers[app].confirm(batch.after, batch.through)
            tally.sent[app] += count
        else:
            tally.failed[f"{app}: {delivery.reason}"] += count
            if delivery.fatal:
                self.migration.stop(f"{app}: {delivery.reason}")

        self.apps_left[batch.number] -= 1
        if self.apps_left[batch.number] == 0:
            del self.apps_left[batch.number]
            self.progress.advance(batch.customers)


# --- Command line ----------------------------------------------------------------------------


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
        help="profiles per request, at most %(default)s (default)",
    )
    parser.add_argument(
        "--page-size",
        type=_bounded(1, PAGE_LIMIT),
        default=PAGE_LIMIT,
        help="customers per commercetools query, at most %(default)s (default)",
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
