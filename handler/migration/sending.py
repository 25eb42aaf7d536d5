"""Sending batches to Talon.One: a few requests at a time, retried with backoff when worth it.

A failure that no retry will mend (a wrong API key or base URL, retries used up) stops the whole
run at once; what each app confirmed goes to its ledger and the checkpoint as the answers come.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from handler.migration.batches import Batch, Plan
from handler.migration.checkpoint import Checkpoint
from handler.migration.progress import Progress, Tally
from handler.settings import App
from handler.talon import HttpTransport, TalonError, Transport

REQUEST_TIMEOUT_S = 60.0
MAX_ATTEMPTS = 6
MAX_RETRY_DELAY_S = 30.0
# Worth another try: concurrent updates of a profile, back-pressure, or Talon.One having trouble.
RETRY_STATUSES = frozenset({409, 429})
# Nothing else will work either: a wrong API key or base URL.
FATAL_STATUSES = frozenset({401, 403, 404})


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


class Deliveries:
    """The requests in flight: each batch goes to every app waiting for it, and each answer is
    settled in that app's ledger, the tally and the checkpoint."""

    def __init__(
        self,
        plan: Plan,
        checkpoint: Checkpoint,
        progress: Progress,
        tally: Tally,
        stop_run: Callable[[str], None],
        sender: ProfileSender,
        concurrency: int,
    ) -> None:
        self.plan = plan
        self.checkpoint = checkpoint
        self.progress = progress
        self.tally = tally
        self.stop_run = stop_run
        self.sender = sender
        self.pool = ThreadPoolExecutor(concurrency, "migrate-customers")
        self.in_flight: dict[Future[Delivery], tuple[Batch, str, int]] = {}
        self.apps_left: dict[int, int] = {}
        # Enough queued requests to keep every worker busy, and no more batches in memory.
        self.limit = 2 * concurrency

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

        apps = self.plan.settings.apps
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

    def close(self) -> None:
        """Gives up the requests still queued; the ones on the wire are not waited for."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    def settle(self, batch: Batch, app: str, delivery: Delivery, count: int) -> None:
        if delivery.ok:
            self.plan.ledgers[app].confirm(batch.after, batch.through)
            self.tally.sent[app] += count
        else:
            self.tally.failed[f"{app}: {delivery.reason}"] += count
            if delivery.fatal:
                self.stop_run(f"{app}: {delivery.reason}")

        self.apps_left[batch.number] -= 1
        if self.apps_left[batch.number] == 0:
            del self.apps_left[batch.number]
            self.progress.advance(batch.customers)
