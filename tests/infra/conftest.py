"""Fixtures for the Pulumi program's tests: a loop per test, a shared archive cache, the loader."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime.config import set_all_config

from infra.config import PROJECT, StackConfig
from infra.loader import load_stack_config
from infra.packaging import BUILD_DIR_VARIABLE

from .stacks import STACK, Config, as_pulumi_config


@pytest.fixture(autouse=True)
def event_loop_per_test() -> Iterator[None]:
    # Pulumi schedules work on the current loop; a loop per test keeps leftovers from leaking.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture(scope="session", autouse=True)
def archive_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Handler archives built once per test run, outside the working tree."""
    build_dir = tmp_path_factory.mktemp("handler-build")
    previous = os.environ.get(BUILD_DIR_VARIABLE)
    os.environ[BUILD_DIR_VARIABLE] = str(build_dir)
    yield build_dir
    if previous is None:
        os.environ.pop(BUILD_DIR_VARIABLE, None)
    else:
        os.environ[BUILD_DIR_VARIABLE] = previous


@pytest.fixture
def load() -> Iterator[Callable[..., StackConfig]]:
    """Reads a config through the loader, as the program does at its start."""

    def read(config: Config, *, plain: tuple[str, ...] = ()) -> StackConfig:
        values, secret_keys = as_pulumi_config(config, plain=plain)
        pulumi.runtime.reset_options(project=PROJECT, stack=STACK)
        set_all_config(values, secret_keys)
        return load_stack_config()

    yield read
    set_all_config({}, [])
    pulumi.runtime.reset_options()
