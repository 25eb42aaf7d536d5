"""Pulumi.yaml, the example stacks, the root entry point and README agree with the program."""

from __future__ import annotations

import re

import yaml

from infra.config import PROJECT
from infra.packaging import ROOT
from infra.plan import read_stack_file
from infra.reference import config_table, readme_table

from .stacks import base_config, deploy

README = ROOT / "README.md"


def test_the_project_runs_python_from_the_repository_root_with_pip_and_the_venv() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())

    assert project["name"] == PROJECT
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": ".venv"},
    }
    # With `main:` pointing into infra/, imports, requirements and providers would break.
    assert "main" not in project
    assert project["backend"]["url"].startswith("file://")


def test_the_root_entry_point_runs_the_program() -> None:
    lines = (ROOT / "__main__.py").read_text().splitlines()

    assert "from infra.program import run" in lines
    assert "run()" in lines


def test_the_example_stacks_choose_their_cloud_and_set_no_secret_in_clear() -> None:
    dev = read_stack_file(ROOT, "dev")
    gcp = read_stack_file(ROOT, "gcp-example")

    assert dev.config[f"{PROJECT}:cloud"] == "aws"
    assert gcp.config[f"{PROJECT}:cloud"] == "gcp"
    for stack in (dev, gcp):
        assert set(stack.secret_keys) == set(stack.unset_secrets)


def test_readme_lists_every_stack_config_key_as_the_model_defines_it() -> None:
    assert readme_table(README) == config_table()


def test_readme_explains_every_stack_output() -> None:
    documented = set(re.findall(r"^\| `(\w+)` \|", README.read_text(), flags=re.MULTILINE))
    aws_url = base_config() | {"auth_token": "Bearer token-for-the-url-mode-0123"}
    aws_url["aws"] = {"invocation": "function_url"}
    exported = {
        name
        for config in (base_config(), aws_url, base_config("gcp"))
        for name in deploy(config).outputs
    }

    assert exported <= documented
