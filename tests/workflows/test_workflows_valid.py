"""The GitHub workflows are valid, and do what README and the stack files say they do.

The schema check is the npm package `@action-validator/cli` (pinned in package.json, installed by
`make test` with `npm ci`); it runs offline from node_modules. The checks below it are ours: what a
schema cannot know about this repository (README's test command, the stack files, pinning, OIDC).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
VALIDATOR = ROOT / "node_modules" / ".bin" / "action-validator"
README = ROOT / "README.md"

WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))

# owner/repo[/path]@ref where ref is a major version (v4), an exact version (v4.1.2) or a commit.
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path.name} is not a YAML mapping"
    return document


def triggers(workflow: Mapping[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean true, so not every key is a string.
    value = workflow.get("on", workflow.get(True))
    if isinstance(value, str):
        return {value: None}
    if isinstance(value, list):
        return dict.fromkeys(value)
    assert isinstance(value, dict), "the workflow has no `on:` triggers"
    return value


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def run_lines(workflow: dict[str, Any]) -> list[str]:
    lines = []
    for step in steps(workflow):
        lines += [line.strip() for line in str(step.get("run", "")).splitlines() if line.strip()]
    return lines


def stack_files() -> dict[str, str]:
    """Stack name -> cloud, for every Pulumi.<stack>.yaml in the repository root."""
    stacks = {}
    for path in sorted(ROOT.glob("Pulumi.*.yaml")):
        config = load(path).get("config", {})
        stacks[path.name.removeprefix("Pulumi.").removesuffix(".yaml")] = config.get(
            "t1ct:cloud", "aws"
        )
    return stacks


def readme_test_command() -> str:
    """The command README tells a developer to run for every test."""
    commands = set()
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^ {4}(\S.*?)\s+#.*\bevery test\b", line)
        if match:
            commands.add(match.group(1).strip())
    assert len(commands) == 1, f"README should give one test command, found {sorted(commands)}"
    return commands.pop()


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    assert VALIDATOR.exists(), (
        f"{VALIDATOR.relative_to(ROOT)} is missing: run `make setup` (npm ci installs it)"
    )
    return subprocess.run(
        [str(VALIDATOR), str(path)], capture_output=True, text=True, check=False, timeout=120
    )


# --- Checks of our own; each returns the problems it finds, so the tests below can show that a
# --- broken workflow is caught.


def unpinned_actions(workflow: dict[str, Any]) -> list[str]:
    problems = []
    for job_name, job in workflow["jobs"].items():
        uses = [job["uses"]] if "uses" in job else []
        uses += [step["uses"] for step in job.get("steps", []) if "uses" in step]
        problems += [f"{job_name}: {use}" for use in uses if not PINNED_ACTION.match(use)]
    return problems


def check_test_workflow(workflow: dict[str, Any]) -> list[str]:
    problems = []
    on = triggers(workflow)
    problems += [
        f"not triggered by {event}" for event in ("push", "pull_request") if event not in on
    ]

    lines = run_lines(workflow)
    command = readme_test_command()
    if command not in lines:
        problems.append(f"does not run README's test command {command!r}")
    for stack in stack_files():
        if f".venv/bin/python -m infra plan --stack {stack}" not in lines:
            problems.append(f"does not render the offline plan of stack {stack!r}")

    versions = {
        step["uses"].split("@")[0]: str((step.get("with") or {}).get(key))
        for step in steps(workflow)
        for action, key in (
            ("actions/setup-python", "python-version"),
            ("actions/setup-node", "node-version"),
        )
        if str(step.get("uses", "")).startswith(action + "@")
    }
    if versions.get("actions/setup-python") != "3.11":
        problems.append("does not set up Python 3.11")
    if versions.get("actions/setup-node") != "20":
        problems.append("does not set up Node.js 20")
    return problems


def permission(workflow: dict[str, Any], job: dict[str, Any], scope: str) -> str | None:
    for level in (job.get("permissions"), workflow.get("permissions")):
        if isinstance(level, dict) and scope in level:
            return str(level[scope])
    return None


def check_preview_workflow(workflow: dict[str, Any]) -> list[str]:
    problems = []
    if set(triggers(workflow)) != {"pull_request"}:
        problems.append("should run on pull_request only")

    for name, job in workflow["jobs"].items():
        condition = str(job.get("if", ""))
        if "head.repo.full_name == github.repository" not in condition:
            problems.append(f"{name}: does not skip pull requests from forks")
        if permission(workflow, job, "id-token") != "write":
            problems.append(f"{name}: does not request id-token: write (OIDC)")
        if permission(workflow, job, "pull-requests") != "write":
            problems.append(f"{name}: may not comment on the pull request")

        matrix = job.get("strategy", {}).get("matrix", {}).get("include", [])
        clouds = {entry.get("stack"): entry.get("cloud") for entry in matrix}
        if clouds != stack_files():
            problems.append(
                f"{name}: matrix {clouds} does not match the stack files {stack_files()}"
            )

        by_action = {str(step.get("uses", "")).split("@")[0]: step for step in job.get("steps", [])}
        pulumi = by_action.get("pulumi/actions", {}).get("with", {})
        wanted = {"command": "preview", "diff": True, "comment-on-pr": True}
        if {key: pulumi.get(key) for key in wanted} != wanted:
            problems.append(f"{name}: pulumi/actions does not run preview with diff and comment")
        if "matrix.stack" not in str(pulumi.get("stack-name")):
            problems.append(f"{name}: the preview does not take its stack from the matrix")

        aws = by_action.get("aws-actions/configure-aws-credentials", {})
        if not aws.get("with", {}).get("role-to-assume") or "aws" not in str(aws.get("if")):
            problems.append(f"{name}: AWS stacks do not assume a role through OIDC")
        gcp = by_action.get("google-github-actions/auth", {})
        gcp_inputs = gcp.get("with", {})
        if not (
            gcp_inputs.get("workload_identity_provider")
            and gcp_inputs.get("service_account")
            and "gcp" in str(gcp.get("if"))
        ):
            problems.append(f"{name}: GCP stacks do not use workload identity federation")
    return problems


# --- Tests


def test_the_workflows_this_project_needs_exist() -> None:
    assert {path.name for path in WORKFLOW_FILES} >= {"test.yml", "preview.yml"}


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_each_workflow_passes_the_workflow_validator(path: Path) -> None:
    result = validate(path)
    assert result.returncode == 0, f"{path.name}:\n{result.stdout}{result.stderr}"


def test_the_validator_rejects_a_workflow_with_a_misspelt_key(tmp_path: Path) -> None:
    broken = tmp_path / "test.yml"
    text = (WORKFLOWS / "test.yml").read_text(encoding="utf-8")
    assert "    steps:\n" in text
    broken.write_text(text.replace("    steps:\n", "    stepz:\n", 1), encoding="utf-8")

    result = validate(broken)

    assert result.returncode != 0
    assert "stepz" in result.stdout + result.stderr


def test_the_validator_rejects_an_unknown_trigger(tmp_path: Path) -> None:
    broken = tmp_path / "preview.yml"
    shutil.copy(WORKFLOWS / "preview.yml", broken)
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("  pull_request:\n", "  pull_requests:\n", 1), encoding="utf-8")

    assert validate(broken).returncode != 0


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_version(path: Path) -> None:
    assert unpinned_actions(load(path)) == []


def test_an_action_on_a_branch_or_without_a_version_is_reported() -> None:
    workflow = load(WORKFLOWS / "test.yml")
    job = next(iter(workflow["jobs"].values()))
    job["steps"][0]["uses"] = "actions/checkout@main"
    job["steps"].append({"uses": "actions/cache"})

    assert len(unpinned_actions(workflow)) == 2


def test_the_test_workflow_runs_readmes_test_command_and_every_offline_plan() -> None:
    assert readme_test_command() == "make test"
    assert check_test_workflow(load(WORKFLOWS / "test.yml")) == []


def test_a_test_workflow_that_drifts_from_readme_or_skips_a_stack_is_reported() -> None:
    workflow = load(WORKFLOWS / "test.yml")
    job = next(iter(workflow["jobs"].values()))
    for step in job["steps"]:
        if step.get("run") == "make test":
            step["run"] = ".venv/bin/python -m pytest"
    job["steps"] = [step for step in job["steps"] if "--stack dev" not in str(step.get("run"))]

    problems = check_test_workflow(workflow)

    assert "does not run README's test command 'make test'" in problems
    assert "does not render the offline plan of stack 'dev'" in problems


def test_the_preview_workflow_previews_every_stack_with_oidc_and_skips_forks() -> None:
    assert check_preview_workflow(load(WORKFLOWS / "preview.yml")) == []


def test_a_preview_workflow_without_oidc_or_the_fork_guard_is_reported() -> None:
    workflow = load(WORKFLOWS / "preview.yml")
    del workflow["permissions"]["id-token"]
    for job in workflow["jobs"].values():
        job.pop("if")
        job["strategy"]["matrix"]["include"].pop()

    problems = check_preview_workflow(workflow)

    assert "preview: does not request id-token: write (OIDC)" in problems
    assert "preview: does not skip pull requests from forks" in problems
    assert any("does not match the stack files" in problem for problem in problems)
