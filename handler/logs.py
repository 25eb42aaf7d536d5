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
    # JSON value is written as its text. The record goes straight to the handlers: no caller
    # information, arguments or exception ride on it.
    if logger.isEnabledFor(level):
        line = to_json({"event": event, **fields}, fallback=str).decode()
        logger.handle(logger.makeRecord(logger.name, level, "", 0, line, (), None))


class MessageFormatter(logging.Formatter):
    """The message alone; a record that carries an exception or stack gets them appended."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.exc_text or record.stack_info:
            return super().format(record)
        return record.getMessage()


def configure_logging(stream: TextIO | None = None) -> None:
    """Message lines on ``stream`` (stderr by default), unless the platform (e.g. Lambda) already
    set a handler of its own, whose format is left as the platform made it."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(MessageFormatter())
        root.addHandler(handler)
        # A line is the message alone, so records need not carry what no line shows: the
        # caller's file and line, the thread, the process (the logging HOWTO's "Optimization"
        # settings). Every cart update writes a line; this is a third of what it costs.
        logging._srcfile = None
        logging.logThreads = False
        logging.logProcesses = False
        logging.logMultiprocessing = False
    root.setLevel(logging.INFO)
