"""README.md documents what the code does: its reference tables are generated from the models."""

from __future__ import annotations

from pathlib import Path

from tools.docs import handler_settings_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_handler_setting_as_the_model_defines_it() -> None:
    assert handler_settings_table() in README.read_text(encoding="utf-8"), (
        "README.md's handler settings table is out of date: paste `python -m tools.docs`"
    )
