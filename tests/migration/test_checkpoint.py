"""The checkpoint: per-app ranges of confirmed customer ids, written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from handler.migration.checkpoint import Checkpoint, CheckpointError, Ledger


def test_batches_confirmed_in_order_extend_one_range() -> None:
    ledger = Ledger()

    ledger.confirm(None, "b")
    ledger.confirm("b", "d")

    assert ledger.spans == [(None, "d")]
    assert ledger.through == "d"


def test_a_batch_confirmed_early_waits_beside_the_range_until_the_gap_closes() -> None:
    ledger = Ledger()
    ledger.confirm(None, "b")

    ledger.confirm("d", "f")

    assert ledger.spans == [(None, "b"), ("d", "f")]
    assert ledger.through == "b"
    assert [ledger.covers(customer_id) for customer_id in "abcdefg"] == [
        True,
        True,
        False,
        False,
        True,
        True,
        False,
    ]

    ledger.confirm("b", "d")

    assert ledger.spans == [(None, "f")]


def test_nothing_confirmed_covers_nothing() -> None:
    ledger = Ledger()

    assert ledger.through is None
    assert not ledger.covers("a")


def test_a_range_starting_before_what_is_confirmed_merges_into_it() -> None:
    # A resumed run reads from the slowest app's position, which may be behind this app's.
    ledger = Ledger([(None, "m")])

    ledger.confirm("c", "p")
    ledger.confirm(None, "e")

    assert ledger.spans == [(None, "p")]


def test_saved_checkpoints_load_back(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.json"
    saved = Checkpoint(path, "shop", "m1", {"eu": Ledger([(None, "b"), ("d", "f")])})

    saved.save()
    loaded = Checkpoint.open(path, "shop", "m1", fresh=False)

    assert loaded.ledgers == saved.ledgers
    assert loaded.ledger("us") == Ledger()


def test_fresh_ignores_the_file(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.json"
    Checkpoint(path, "shop", "m1", {"eu": Ledger([(None, "b")])}).save()

    assert Checkpoint.open(path, "shop", "m1", fresh=True).ledgers == {}


def test_a_failed_write_leaves_the_previous_checkpoint_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "checkpoint.json"
    Checkpoint(path, "shop", "m1", {"eu": Ledger([(None, "b")])}).save()
    before = path.read_bytes()

    def refuse(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(CheckpointError, match=r"could not be written.*disk full"):
        Checkpoint(path, "shop", "m1", {"eu": Ledger([(None, "z")])}).save()

    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(
    "content",
    [
        "",
        "[]",
        '{"project": "shop", "mapping": "m1"}',
        '{"project": "shop", "mapping": "m1", "apps": {"eu": [[1, 2]]}}',
        '{"project": "shop", "mapping": "m1", "apps": {"eu": [["a"]]}}',
    ],
)
def test_anything_else_is_not_a_checkpoint(tmp_path: Path, content: str) -> None:
    path = tmp_path / "checkpoint.json"
    path.write_text(content)

    with pytest.raises(CheckpointError, match="is not a migration checkpoint"):
        Checkpoint.open(path, "shop", "m1", fresh=False)


def test_a_checkpoint_written_with_another_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps({"project": "shop", "mapping": "m1", "apps": {}}))

    with pytest.raises(CheckpointError, match="another customer profile mapping"):
        Checkpoint.open(path, "shop", "m2", fresh=False)
