"""The checkpoint: for each app, the ranges of customer ids it confirmed, kept in one JSON file.

The file is replaced whole, never edited in place, and a file written for another project or with
another customer profile mapping is refused: its ranges would skip customers that need sending.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handler.settings import Settings


class CheckpointError(Exception):
    """The checkpoint file cannot be used for this run; the message says why."""


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
