"""README's table of stack config keys, generated from ``StackConfig`` so the two cannot drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from infra.config import PROJECT, Section, StackConfig

TABLE_START = "<!-- infra-config-table:start -->"
TABLE_END = "<!-- infra-config-table:end -->"

# Keys of the cloud providers' own namespaces that the program reads too.
PROVIDER_KEYS = (
    ("aws:region", "required with cloud aws", "AWS region of every resource."),
    ("gcp:project", "required with cloud gcp", "Google Cloud project of every resource."),
    ("gcp:region", "required with cloud gcp", "Region of the function and its source bucket."),
)

# Defaults that depend on other keys, as README states them.
DERIVED_DEFAULTS = {
    "name": f"`{PROJECT}-<stack>`",
    "extension.key": "`<name>`",
    "extension.triggers": "cart, customer and order: Create, Update",
}


def config_table() -> str:
    lines = ["| Key | Default | Description |", "|---|---|---|"]
    for key, default, description in config_rows():
        lines.append(f"| `{key}` | {default} | {description} |")
    return "\n".join(lines)


def config_rows() -> list[tuple[str, str, str]]:
    """(key, default, description) for every key a stack file may set."""
    return [*_rows(StackConfig, ""), *PROVIDER_KEYS]


def write_readme(readme: Path) -> None:
    text = readme.read_text()
    start = text.index(TABLE_START) + len(TABLE_START)
    end = text.index(TABLE_END)
    readme.write_text(f"{text[:start]}\n{config_table()}\n{text[end:]}")


def readme_table(readme: Path) -> str:
    text = readme.read_text()
    start = text.index(TABLE_START) + len(TABLE_START)
    return text[start : text.index(TABLE_END)].strip()


def _rows(model: type[BaseModel], prefix: str) -> list[tuple[str, str, str]]:
    rows = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Section):
            rows.extend(_rows(annotation, f"{path}."))
            continue
        rows.append((f"{PROJECT}:{path}", _default(path, field), _description(field)))
    return rows


def _default(path: str, field: FieldInfo) -> str:
    if path in DERIVED_DEFAULTS:
        return DERIVED_DEFAULTS[path]
    if field.is_required():
        return "required"
    value = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
    if value is None or value is PydanticUndefined:
        return "unset"
    return f"`{_inline(value)}`"


def _inline(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = {k: v for k, v in value.model_dump(mode="json").items() if v is not None}
    if isinstance(value, str):
        return json.dumps(value) if value == "" or value[0].isdigit() else value
    if isinstance(value, tuple | list | dict):
        return json.dumps(value, separators=(", ", ": "))
    return str(value).lower() if isinstance(value, bool) else str(value)


def _description(field: FieldInfo) -> str:
    text = (field.description or "").replace("|", "\\|")
    if (field.json_schema_extra or {}).get("secret"):  # type: ignore[union-attr]
        return f"**Secret** (`pulumi config set --secret`). {text}"
    return text
