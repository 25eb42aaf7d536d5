"""README's guides agree with the code: the migration table, troubleshooting and previews.

The migration guide must map every setting of the JavaScript accelerator (the list below is taken
from reference-behaviour.md §2) and may only name handler settings and stack config keys that
exist. The flow diagram must name the Talon.One call the handler makes, and the previews section
every repository variable and secret the preview workflow reads.
"""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel

from handler.settings import ENV_PREFIX, Settings
from infra.config import StackConfig

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PREVIEW_WORKFLOW = ROOT / ".github" / "workflows" / "preview.yml"

# Every variable of the accelerator's configuration (reference-behaviour.md §2), as it names them.
ACCELERATOR_VARIABLES = (
    "PROVIDER",
    "CTP_POST_BODY",
    "CTP_PROJECT_KEY",
    "CTP_CLIENT_ID",
    "CTP_CLIENT_SECRET",
    "CTP_AUTH_URL",
    "CTP_API_URL",
    "CTP_SCOPES",
    "CTP_DEPLOY_TYPE",
    "CTP_LINE_ITEM_METADATA_TYPE_BODY",
    "CTP_CART_METADATA_TYPE_BODY",
    "CTP_CUSTOMER_METADATA_TYPE_BODY",
    "CTP_LINE_ITEM_METADATA_TYPE_KEY",
    "CTP_CART_METADATA_TYPE_KEY",
    "CTP_CUSTOMER_METADATA_TYPE_KEY",
    "TALON_ONE_API_KEY_V1_<CUR>",
    "TALON_ONE_API_BASE_PATH_<CUR>",
    "TALON_ONE_FALLBACK_CURRENCY",
    "TALON_ONE_ATTRIBUTES_MAPPINGS",
    "SKU_TYPE",
    "SKU_SEPARATOR",
    "LANGUAGE",
    "DISCOUNT_TAX_CATEGORY_ID",
    "VERIFY_PRODUCT_IDENTIFIERS",
    "VERIFY_TAX_IDENTIFIERS",
    "PAY_WITH_POINTS_ATTRIBUTE_NAME",
    "CART_ATTRIBUTE_MAPPING",
    "CART_ITEM_ATTRIBUTE_MAPPING",
    "ROUNDING_MODE",
    "LOGGER_MODE",
    "EVENT_VALIDATION_MODE",
    "MIGRATION_BATCH_SIZE",
    "BASIC_AUTH_USERNAME",
    "BASIC_AUTH_PASSWORD",
    "GCP_PROJECT",
    "GCP_CREDENTIALS",
    "UNIT_TEST",
    "TALON_ONE_API_KEY_V1",
    "TALON_ONE_BASE_PATH",
    "ONLY_VERIFIED_PROFILES",
)

# Settings whose values changed spelling: each value needs a row of its own.
ACCELERATOR_VALUES = {
    "SKU_TYPE": ("CTP_PRODUCT_ID", "CTP_PRODUCT_ID_WITH_VARIANT_ID", "CTP_VARIANT_SKU"),
    "ROUNDING_MODE": ("ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_HALF_DOWN"),
}

# The values README maps them to, which the handler must accept.
VALUE_SETTINGS = {"SKU_TYPE": "sku_type", "ROUNDING_MODE": "rounding"}


def section(text: str, marker: str) -> str:
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    assert text.count(start) == 1, f"README.md needs exactly one {start}"
    assert text.count(end) == 1, f"README.md needs exactly one {end}"
    return text.split(start, 1)[1].split(end, 1)[0]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every Markdown table row, header and separator rows left out."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if set(cells[0]) <= {"-", " "} or cells[0] == "Accelerator":
            continue
        rows.append(cells)
    return rows


def mapped(guide: str) -> dict[str, str]:
    """Accelerator name (or NAME=VALUE) -> what the table maps it to."""
    mapping = {}
    for cells in table_rows(guide):
        for name in re.findall(r"`([^`]+)`", cells[0]):
            mapping[name] = cells[1] if len(cells) > 1 else ""
    return mapping


def missing_from_table(guide: str) -> list[str]:
    table = mapped(guide)
    missing = [name for name in ACCELERATOR_VARIABLES if name not in table]
    missing += [
        f"{name}={value}"
        for name, values in ACCELERATOR_VALUES.items()
        for value in values
        if f"{name}={value}" not in table
    ]
    missing += [name for name, target in table.items() if not target]
    return missing


def unknown_settings(text: str) -> list[str]:
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    named = set(re.findall(rf"\b{ENV_PREFIX}[A-Z0-9_]*[A-Z0-9]\b", text))
    return sorted(named - known)


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def stack_key_problem(path: str) -> str | None:
    """Why `t1ct:<path>` is not a key of the stack config, or None when it is one."""
    current: Any = StackConfig
    for segment in path.split("."):
        current = _unwrap(current)
        placeholder = segment.startswith("<") and segment.endswith(">")
        if isinstance(current, type) and issubclass(current, BaseModel):
            if placeholder:
                return None
            if segment not in current.model_fields:
                return f"t1ct:{path}: {current.__name__} has no key {segment!r}"
            current = current.model_fields[segment].annotation
        elif get_origin(current) is dict:
            key_type, current = (_unwrap(arg) for arg in get_args(current))
            allowed = get_args(key_type) if get_origin(key_type) is Literal else None
            if allowed and not placeholder and segment not in allowed:
                return f"t1ct:{path}: {segment!r} is not one of {allowed}"
        else:
            return f"t1ct:{path}: {segment!r} is below a plain value"
    return None


def unknown_stack_keys(text: str) -> list[str]:
    paths = set(re.findall(r"\bt1ct:([a-z_]+(?:\.(?:[a-z_]+|<[a-z]+>|[A-Z]{3}|<CUR>))*)", text))
    return sorted(problem for path in paths if (problem := stack_key_problem(path)))


def readme() -> str:
    return README.read_text(encoding="utf-8")


def guides() -> str:
    text = readme()
    return "\n".join(
        section(text, marker) for marker in ("troubleshooting", "migration-guide", "previews")
    )


# --- The migration table


def test_the_migration_table_maps_every_accelerator_setting_and_value() -> None:
    assert missing_from_table(section(readme(), "migration-guide")) == []


def test_a_missing_or_empty_row_in_the_migration_table_is_reported() -> None:
    guide = section(readme(), "migration-guide")
    without = "\n".join(
        line
        for line in guide.splitlines()
        if not line.startswith("| `LOGGER_MODE`")
        and not line.startswith("| `ROUNDING_MODE=ROUND_HALF_UP`")
    )
    emptied = without + "\n| `SKU_TYPE=CTP_PRODUCT_ID` |  | |\n"

    missing = missing_from_table(emptied)

    assert "LOGGER_MODE" in missing
    assert "ROUNDING_MODE=ROUND_HALF_UP" in missing
    assert "SKU_TYPE=CTP_PRODUCT_ID" in missing


@pytest.mark.parametrize("variable", sorted(ACCELERATOR_VALUES))
def test_the_values_the_table_maps_to_are_accepted_by_the_handler(variable: str) -> None:
    table = mapped(section(readme(), "migration-guide"))
    field = Settings.model_fields[VALUE_SETTINGS[variable]]
    accepted = set(get_args(field.annotation))

    for value in ACCELERATOR_VALUES[variable]:
        target = table[f"{variable}={value}"].strip("`")
        assert target in accepted, f"{variable}={value} maps to {target!r}, not one of {accepted}"


# --- Settings and stack keys the guides name


def test_every_handler_setting_the_guides_name_exists() -> None:
    assert unknown_settings(guides()) == []


def test_a_handler_setting_that_does_not_exist_is_reported() -> None:
    assert unknown_settings("set `T1CT_TALON_TIMEOUT` and `T1CT_LANGUAGE`") == [
        "T1CT_TALON_TIMEOUT"
    ]


def test_every_stack_config_key_the_guides_name_exists() -> None:
    assert unknown_stack_keys(guides()) == []


def test_a_stack_config_key_that_does_not_exist_is_reported() -> None:
    text = (
        "`t1ct:handler.routing.fallback`, `t1ct:apps.<app>.base_url`, "
        "`t1ct:extension.triggers.cart.condition`, `t1ct:handler.timeout_ms`, "
        "`t1ct:extension.triggers.payment.condition`, `t1ct:cloud.region`"
    )

    assert len(unknown_stack_keys(text)) == 3


# --- The flow diagram


def test_the_flow_diagram_shows_the_talon_one_call_the_handler_makes() -> None:
    overview = section(readme(), "overview")
    diagrams = re.findall(r"```\n(.*?)```", overview, flags=re.DOTALL)
    assert len(diagrams) == 1, "the overview should hold one diagram of the flow"
    diagram = diagrams[0]

    first_line = diagram.strip().splitlines()[0]
    actors = ("storefront", "commercetools", "handler")
    positions = [first_line.find(actor) for actor in actors]
    assert -1 not in positions, f"the first line should show {actors}: {first_line}"
    assert positions == sorted(positions), f"the request goes {' -> '.join(actors)}"
    assert "Talon.One" in diagram

    def normalised(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path)

    called = {
        normalised(path)
        for source in (ROOT / "handler").glob("*.py")
        for path in re.findall(r"f\"(/v\d/[^\"?]+)\"", source.read_text(encoding="utf-8"))
    }
    shown = re.findall(r"\b(PUT|POST|GET|DELETE) (/v\d/(?:[^\s{]|\{[^}]*\})+)", diagram)
    assert shown, "the diagram names no Talon.One endpoint"
    for method, path in shown:
        assert normalised(path) in called, f"{method} {path} is not a call the handler makes"


# --- The previews section and the preview workflow


def workflow_names(workflow_text: str) -> set[str]:
    """Repository variables and secrets the workflow reads, by name."""
    names = set(re.findall(r"\b(?:vars|secrets)\.([A-Z][A-Z0-9_]*)", workflow_text))
    workflow = yaml.safe_load(workflow_text)
    for job in workflow["jobs"].values():
        for entry in job.get("strategy", {}).get("matrix", {}).get("include", []):
            if "identity-variable" in entry:
                names.add(entry["identity-variable"])
    return names


def test_the_previews_section_documents_every_variable_and_secret_the_workflow_reads() -> None:
    previews = section(readme(), "previews")
    documented = {
        name
        for cells in table_rows(previews)
        if cells[1] in ("variable", "secret")
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0])
    }

    assert documented == workflow_names(PREVIEW_WORKFLOW.read_text(encoding="utf-8"))


def test_a_variable_the_previews_section_leaves_out_is_noticed() -> None:
    text = PREVIEW_WORKFLOW.read_text(encoding="utf-8")
    changed = text.replace("vars.PULUMI_BACKEND_URL", "vars.PULUMI_STATE_URL")

    assert "PULUMI_STATE_URL" in workflow_names(changed)
    assert "PULUMI_BACKEND_URL" not in workflow_names(changed)
