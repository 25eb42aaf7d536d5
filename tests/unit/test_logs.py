"""The log line: one JSON object per event, through the handler's own handler or the platform's."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest

from handler.logs import configure_logging, log_event

_LEAN = ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")


@pytest.fixture
def bare_root() -> Iterator[logging.Logger]:
    """The root logger, restored (with logging's record settings) afterwards; a test empties it
    with ``bare()`` first (pytest adds its capturing handler after fixtures are set up)."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {name: getattr(logging, name) for name in _LEAN})
    yield root
    root.handlers, level, flags = saved
    root.setLevel(level)
    for name, value in flags.items():
        setattr(logging, name, value)


def bare(root: logging.Logger) -> logging.Logger:
    root.handlers = []
    return root


def test_an_event_is_one_json_line_with_its_fields_in_order(bare_root: logging.Logger) -> None:
    bare(bare_root)
    stream = io.StringIO()
    configure_logging(stream)

    log_event("extension_request", resource="cart", actions=3, notes={"a": 1}, odd=Decimal("1.5"))

    (line,) = stream.getvalue().splitlines()
    assert list(json.loads(line).items()) == [
        ("event", "extension_request"),
        ("resource", "cart"),
        ("actions", 3),
        ("notes", {"a": 1}),
        ("odd", "1.5"),
    ]


def test_values_that_are_not_json_are_written_as_text(bare_root: logging.Logger) -> None:
    bare(bare_root)
    stream = io.StringIO()
    configure_logging(stream)

    log_event("x", error=ValueError("boom"), ids={"b", "a"} - {"a", "b"})

    assert json.loads(stream.getvalue()) == {"event": "x", "error": "boom", "ids": []}


def test_own_handler_skips_what_no_line_shows(bare_root: logging.Logger) -> None:
    bare(bare_root)
    configure_logging(io.StringIO())

    assert (logging._srcfile, logging.logThreads, logging.logProcesses) == (None, False, False)
    assert logging.logMultiprocessing is False


def test_a_platform_handler_and_its_records_are_left_as_they_are(
    bare_root: logging.Logger,
) -> None:
    platform = logging.StreamHandler(io.StringIO())
    bare(bare_root).addHandler(platform)
    srcfile = logging._srcfile

    configure_logging()

    assert bare_root.handlers == [platform]
    assert (logging._srcfile, logging.logThreads) == (srcfile, True)


def test_a_record_with_an_exception_keeps_its_traceback(bare_root: logging.Logger) -> None:
    bare(bare_root)
    stream = io.StringIO()
    configure_logging(stream)

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("somewhere").exception("failed")

    assert stream.getvalue().startswith("failed\nTraceback")
    assert "RuntimeError: boom" in stream.getvalue()
