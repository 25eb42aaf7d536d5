"""One structured JSON log line per event.

Callers pass ids, counts, durations and outcomes only: never API keys, tokens, e-mail addresses,
names, addresses or coupon codes.
"""

from __future__ import annotations

import logging
from typing import Any, TextIO

from pydantic_core import to_json

logger = logging.getLogger("handler")


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    # Fields keep the order they were given in, after the event's name; anything that is not a
    # JSON value is written as its text.
    if logger.isEnabledFor(level):
        logger.log(level, to_json({"event": event, **fields}, fallback=str).decode())


def configure_logging(stream: TextIO | None = None) -> None:
    """Message lines on ``stream`` (stderr by default), unless the platform (e.g. Lambda) already
    set a handler of its own, whose format is left as the platform made it."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)
        # A line is the message alone, so records need not carry what no line shows: the
        # caller's file and line, the thread, the process (the logging HOWTO's "Optimization"
        # settings). That is a third of the cost of the line every cart update writes.
        logging._srcfile = None
        logging.logThreads = False
        logging.logProcesses = False
        logging.logMultiprocessing = False
    root.setLevel(logging.INFO)
