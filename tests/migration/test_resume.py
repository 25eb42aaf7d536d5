"""An interrupted migration resumes from its checkpoint and sends every customer exactly once.

Each test stops a run part-way in a different manner (a page limit, Talon.One failing, a batch
refused while later ones got through, Ctrl-C), resumes it, and then counts what each stand-in
accepted over both runs.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.migration.migration_support import (
    Migrate,
    ProfileTalon,
    Seeded,
    environment,
    use,
    validate_requests,
)
from tools.talon_standin import Fault

REPO_ROOT = Path(__file__).resolve().parents[2]
# Generous bounds for waiting on a child process; a passing run never comes near them.
WAIT_S = 60.0


def assert_exactly_once(seeded: Seeded, *talons: ProfileTalon) -> None:
    for talon in talons:
        assert talon.duplicates() == {}
        assert set(talon.accepted) == seeded.ids()
        validate_requests(talon)


def test_a_page_limit_then_a_resume(
    monkeypatch: pytest.MonkeyPatch,
    migrate: Migrate,
    seeded: Seeded,
    eu: ProfileTalon,
    us: ProfileTalon,
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu, "us": us}))

    first = migrate("--max-pages", "3", "--page-size", "40", "--batch-size", "25")

    assert first.code == 0, first.err
    assert "customers read: 120" in first.out
    assert 0 < len(eu.accepted) < len(seeded.ids())

    second = migrate("--page-size", "40", "--batch-size", "25")

    assert second.code == 0, second.err
    assert "customers read: 180" in second.out
    assert_exactly_once(seeded, eu, us)


def test_talon_failing_part_way_stops_the_run_and_a_resume_finishes_it(
    monkeypatch: pytest.MonkeyPatch,
    migrate: Migrate,
    seeded: Seeded,
    eu: ProfileTalon,
    us: ProfileTalon,
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu, "us": us}))
    us.fail_after(3, Fault.error(503))

    first = migrate("--batch-size", "20", "--concurrency", "4")

    assert first.code == 1
    assert "stopped early: us: HTTP 503" in first.out
    assert "6 attempts" in first.out
    assert len(us.accepted) < len(seeded.ids())

    us.set_fault(None)
    second = migrate("--batch-size", "20", "--concurrency", "4")

    assert second.code == 0, second.out
    assert_exactly_once(seeded, eu, us)


def test_batches_confirmed_after_a_refused_one_are_not_sent_again(
    monkeypatch: pytest.MonkeyPatch,
    migrate: Migrate,
    seeded: Seeded,
    eu: ProfileTalon,
    checkpoint: Path,
) -> None:
    use(monkeypatch, environment(seeded.project, {"eu": eu}))
    # One request in the middle is refused; the run goes on with the batches after it.
    eu.fail_after(4, Fault.error(400, times=1))

    first = migrate("--batch-size", "30", "--concurrency", "1")

    assert first.code == 1
    assert "eu: HTTP 400: 30" in first.out
    assert len(eu.accepted) == len(seeded.ids()) - 30
    spans = json.loads(checkpoint.read_text())["apps"]["eu"]
    assert len(spans) == 2, "the refused batch leaves a gap between two confirmed ranges"

    second = migrate("--batch-size", "30")

    assert second.code == 0, second.out
    assert "profiles sent: eu 30" in second.out
    assert_exactly_once(seeded, eu)
    assert json.loads(checkpoint.read_text())["apps"]["eu"] == [[None, max(seeded.numbers)]]


def test_ctrl_c_finishes_the_batch_in_flight_and_a_resume_sends_the_rest(
    seeded: Seeded, eu: ProfileTalon, us: ProfileTalon, checkpoint: Path
) -> None:
    # The second accepted request at eu holds its answer until the child has taken the Ctrl-C.
    interrupted = threading.Event()
    eu.after_accepting(2, lambda: interrupted.wait(WAIT_S))
    variables = environment(seeded.project, {"eu": eu, "us": us})
    args = ["--checkpoint", str(checkpoint), "--batch-size", "20", "--concurrency", "2"]

    child = start_child(variables, args)
    try:
        lines = read_lines(child)
        wait_until_accepted(eu, 2)
        child.send_signal(signal.SIGINT)
        wait_for_line(lines, "stopping after the batches in flight")
        interrupted.set()
        out, _ = child.communicate(timeout=WAIT_S)
    finally:
        interrupted.set()
        if child.poll() is None:
            child.kill()
            child.communicate()

    assert child.returncode == 1
    assert "stopped early: interrupted" in out
    assert len(eu.accepted) < len(seeded.ids())

    resumed = start_child(variables, args)
    out, _ = resumed.communicate(timeout=WAIT_S)

    assert resumed.returncode == 0, out
    assert_exactly_once(seeded, eu, us)


def start_child(variables: dict[str, str], args: list[str]) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("T1CT_", "CTP_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "handler", "migrate-customers", "--retry-delay", "0.001", *args],
        cwd=REPO_ROOT,
        env={**clean, **variables},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_lines(child: subprocess.Popen[str]) -> queue.Queue[str]:
    """What the child prints on stderr, line by line, read by a thread so it never blocks."""
    lines: queue.Queue[str] = queue.Queue()
    assert child.stderr is not None
    stderr = child.stderr

    def drain() -> None:
        for line in stderr:
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    return lines


def wait_until_accepted(talon: ProfileTalon, requests: int) -> None:
    arrived = threading.Event()
    for _ in range(int(WAIT_S / 0.01)):
        if talon.accepted_requests >= requests:
            return
        arrived.wait(0.01)
    raise AssertionError(f"the stand-in never accepted {requests} requests")


def wait_for_line(lines: queue.Queue[str], text: str) -> None:
    seen = []
    for _ in range(1000):
        try:
            line = lines.get(timeout=WAIT_S)
        except queue.Empty:
            break
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"the child never printed {text!r}; it printed {seen}")
