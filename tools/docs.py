"""Reference tables for README.md, generated from the settings models.

`python -m tools.docs` prints the handler settings table; a test keeps README.md in step with it.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.fields import FieldInfo

from handler.settings import ENV_PREFIX, Settings


def handler_settings_table() -> str:
    rows = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        variable = f"`{ENV_PREFIX}{name.upper()}`"
        rows.append(f"| {variable} | {_default(field)} | {field.description or ''} |")
    return "\n".join(rows)


def _default(field: FieldInfo) -> str:
    value: Any = field.get_default(call_default_factory=True)
    if value is None or value == () or value == {}:
        return "unset"
    if hasattr(value, "model_dump"):
        return f"`{json.dumps(value.model_dump())}`"
    return f'`"{value}"`' if value == "" else f"`{value}`"


if __name__ == "__main__":
    print(handler_settings_table())
