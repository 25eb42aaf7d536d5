"""Fixtures for tests that go through the process-wide runtime of the entry points."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

import handler.http


@pytest.fixture
def set_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """A clean T1CT_* environment and no cached runtime; call the result to set variables.

    The entry modules build their runtime once per process and keep it in ``handler.http``; it is
    dropped here and restored afterwards, so no test sees another test's settings.
    """
    for name in list(os.environ):
        if name.startswith("T1CT_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(handler.http, "_runtime", None)

    def set_variables(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        # Settings are read once per cold start: a new value means a new runtime.
        monkeypatch.setattr(handler.http, "_runtime", None)

    return set_variables
