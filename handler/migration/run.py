"""One migration run: open the checkpoint, read the customers some app still needs, and check
them (dry run) or send them, until the last page, a failure or a request to stop."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import requests

from handler.commercetools import Commercetools, CommercetoolsError
from handler.customers import customer_apps
from handler.migration.batches import (
    UNVERIFIED_IN_QUERY,
    Batch,
    InvalidBatch,
    Plan,
    batches,
    request_bodies,
)
from handler.migration.checkpoint import Checkpoint, mapping_fingerprint
from handler.migration.progress import Progress, Tally
from handler.migration.sending import Deliveries, ProfileSender
from handler.settings import Settings


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
        sender = ProfileSender(self.stopping, self.options.retry_delay_s)
        deliveries = Deliveries(
            plan, checkpoint, progress, self.tally, self.stop, sender, self.options.concurrency
        )
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
            deliveries.close()
