"""Tallies of reasons, for log lines: plain dicts of counts.

One is made for every cart update (skipped promotions, unknown effects, notes), and a dict is
several times cheaper to make than a ``collections.Counter``.
"""

from __future__ import annotations


def count(tally: dict[str, int], reason: str, times: int = 1) -> None:
    tally[reason] = tally.get(reason, 0) + times
