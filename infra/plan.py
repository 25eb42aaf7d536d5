"""The offline plan: what a stack file would deploy, without a cloud account or the Pulumi CLI.

It reads ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml``, runs the program against ``FakeCloud`` and
prints one line per resource (type, name, key inputs, secrets masked), then a summary. Encrypted
values (``secure: v1:...``) cannot be read without the stack's passphrase, so they are replaced by
placeholders, as are secrets the file does not set yet; the summary names the latter. A stack file
the program refuses ends with its one-line error and exit status 2.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pulumi
import yaml
from pulumi.runtime import rpc

from infra import program
from infra.config import PROJECT
from infra.offline import OfflineRun, Registration, run_offline

EXIT_BAD_STACK = 2
MASK = "[secret]"
PLACEHOLDER = "offline-plan-placeholder"
TOKEN_PLACEHOLDER = f"Bearer {PLACEHOLDER}"

# Inputs worth a glance, by resource type; other types show their scalar inputs.
KEY_INPUTS = {
    "pulumi-python:dynamic/commercetools:Type": ("key", "resourceTypeIds", "fieldDefinitions"),
    "pulumi-python:dynamic/commercetools:ApiExtension": (
        "key",
        "destination",
        "triggers",
        "timeoutInMs",
    ),
    "aws:lambda/function:Function": (
        "name",
        "runtime",
        "architectures",
        "handler",
        "memorySize",
        "timeout",
        "reservedConcurrentExecutions",
        "sourceCodeHash",
        "environment",
    ),
    "aws:iam/role:Role": ("assumeRolePolicy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/userPolicy:UserPolicy": ("policy",),
    "gcp:cloudfunctionsv2/function:Function": ("name", "location", "buildConfig", "serviceConfig"),
}


class StackFileError(ValueError):
    """The project or stack file cannot be read; the message names the file."""


@dataclass(frozen=True)
class StackFile:
    project: str
    config: dict[str, str]
    secret_keys: list[str]
    unset_secrets: list[str] = field(default_factory=list)


def main(stack: str, project_dir: Path, out: TextIO, err: TextIO) -> int:
    try:
        stack_file = read_stack_file(project_dir, stack)
        run = run_offline(
            program.run,
            project=stack_file.project,
            stack=stack,
            config=stack_file.config,
            secret_keys=stack_file.secret_keys,
        )
    except (StackFileError, pulumi.RunError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_STACK

    for line in render(run):
        print(line, file=out)
    for line in summary(run, stack, stack_file):
        print(line, file=out)
    return 0


def read_stack_file(project_dir: Path, stack: str) -> StackFile:
    project = _load_yaml(project_dir / "Pulumi.yaml").get("name")
    if not isinstance(project, str):
        raise StackFileError("Pulumi.yaml: `name` is missing")

    path = project_dir / f"Pulumi.{stack}.yaml"
    values = _load_yaml(path).get("config") or {}
    if not isinstance(values, dict):
        raise StackFileError(f"{path.name}: `config` must be a map of keys")

    config: dict[str, str] = {}
    secret_keys = []
    for key, value in values.items():
        if not isinstance(key, str) or ":" not in key:
            raise StackFileError(f"{path.name}: config key {key!r} needs a namespace, e.g. t1ct:")
        plain, had_secret = _without_ciphertext(value)
        config[key] = _as_config_text(plain)
        if had_secret:
            secret_keys.append(key)

    unset = _fill_unset_secrets(config, secret_keys)
    return StackFile(project, config, secret_keys, unset)


def render(run: OfflineRun) -> list[str]:
    """One line per resource, sorted by type and name, children indented under their component."""
    children: dict[str, list[Registration]] = {}
    urns = {reg.urn for reg in run.registrations}
    for reg in run.registrations:
        parent = reg.parent if reg.parent in urns else ""
        children.setdefault(parent, []).append(reg)

    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for reg in sorted(children.get(parent, []), key=lambda r: (r.type, r.name)):
            inputs = " ".join(f"{name}={_show(value)}" for name, value in _key_inputs(reg))
            lines.append(f"{'  ' * depth}{reg.type}  {reg.name}  {inputs}".rstrip())
            walk(reg.urn, depth + 1)

    walk("", 0)
    return lines


def summary(run: OfflineRun, stack: str, stack_file: StackFile) -> list[str]:
    providers = Counter(_provider(reg.type) for reg in run.registrations if reg.custom)
    counts = ", ".join(f"{count} {name}" for name, count in sorted(providers.items()))
    components = len(run.registrations) - sum(providers.values())
    lines = [
        "",
        f"Stack {stack}: {sum(providers.values())} resources ({counts}) in "
        f"{components} component{'s' if components != 1 else ''}.",
        "Outputs:",
    ]
    for name, output in run.outputs.items():
        shown = MASK if output.secret else _show(output.value)
        lines.append(f"  {name} = {shown}")
    if stack_file.unset_secrets:
        keys = ", ".join(stack_file.unset_secrets)
        lines.append(f"Not set yet (placeholders used; `pulumi up` needs them): {keys}")
    return lines


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise StackFileError(f"{path.name}: no such file in {path.parent}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise StackFileError(f"{path.name}: not valid YAML{where}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise StackFileError(f"{path.name}: expected a YAML map at the top")
    return loaded


def _without_ciphertext(value: Any) -> tuple[Any, bool]:
    """The value with every ``secure:`` entry replaced by a placeholder, and whether it had one."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return PLACEHOLDER, True
    if isinstance(value, dict):
        pairs = {key: _without_ciphertext(item) for key, item in value.items()}
        return {key: pair[0] for key, pair in pairs.items()}, any(p[1] for p in pairs.values())
    if isinstance(value, list):
        items = [_without_ciphertext(item) for item in value]
        return [item[0] for item in items], any(item[1] for item in items)
    return value, False


def _as_config_text(value: Any) -> str:
    # The Pulumi CLI hands every value to the program as text, maps and lists as JSON.
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill_unset_secrets(config: dict[str, str], secret_keys: list[str]) -> list[str]:
    """Placeholders for the secrets a stack file does not hold yet; returns their keys."""
    unset = []

    def fill(key: str, value: str) -> None:
        full_key = f"{PROJECT}:{key}"
        if full_key not in config:
            config[full_key] = value
            secret_keys.append(full_key)
            unset.append(full_key)

    fill("commercetools_client_secret", PLACEHOLDER)
    apps = _json_map(config.get(f"{PROJECT}:apps"))
    fill("talon_api_keys", json.dumps(dict.fromkeys(apps, PLACEHOLDER)))
    cloud = config.get(f"{PROJECT}:cloud", "aws")
    if (
        cloud == "aws"
        and _json_map(config.get(f"{PROJECT}:aws")).get("invocation") == "function_url"
    ):
        fill("auth_token", TOKEN_PLACEHOLDER)
    return unset


def _json_map(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _key_inputs(reg: Registration) -> list[tuple[str, Any]]:
    names = KEY_INPUTS.get(reg.type)
    if names is None:
        names = tuple(name for name, value in reg.inputs.items() if _is_scalar(value))
    shown = [(name, reg.inputs[name]) for name in names if name in reg.inputs]
    # A type's field definitions would fill the screen; their names say enough.
    return [
        (name, [field["name"] for field in value] if name == "fieldDefinitions" else value)
        for name, value in shown
    ]


def _show(value: Any) -> str:
    masked = _masked(value)
    if isinstance(masked, str | int):
        return str(masked)
    return json.dumps(masked, separators=(",", ":"), sort_keys=True)


def _masked(value: Any) -> Any:
    if rpc.is_rpc_secret(value):
        return MASK
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items() if not key.startswith("__")}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    # Numbers cross the engine's wire as floats.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_scalar(value: Any) -> bool:
    return rpc.is_rpc_secret(value) or isinstance(value, str | int | float | bool)


def _provider(type_: str) -> str:
    if type_.startswith("pulumi-python:dynamic/commercetools"):
        return "commercetools"
    return type_.split(":")[0]
