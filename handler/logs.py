"""One structured JSON log line per event.

Callers pass ids, counts, durations and outcomes only: never API keys, tokens, e-mail addresses,
names, addresses or coupon codes.
"""

from __future__ import annotations

import json
import logging
from typing import Any

logger = logging.getLogger("handler")
_LINE_JSON = json.JSONEncoder(default=str, sort_keys=True)


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    if logger.isEnabledFor(level):
        logger.log(level, _LINE_JSON.encode({"event": event, **fields}))


def configure_logging() -> None:
    """Plain message lines on stderr, unless the platform (e.g. Lambda) already set a handler."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
