"""What a run shows: the progress line while it works, and the summary when it ends."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from handler.migration.batches import Batch


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
