"""The offline plan: what a stack file would deploy, with secrets masked, or one line of error."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.packaging import BUILD_DIR_VARIABLE, ROOT
from infra.plan import EXIT_BAD_STACK, PLACEHOLDER, main


def plan(stack: str, project_dir: Path = ROOT) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(stack, project_dir, out, err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project files a plan reads, with the example stacks."""
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.gcp-example.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_dev_example_renders_one_line_per_resource_then_the_outputs() -> None:
    status, out, err = plan("dev")
    resources, _, summary = out.partition("\n\n")

    assert (status, err) == (0, "")
    lines = resources.splitlines()
    assert len(lines) == 14
    extension = "pulumi-python:dynamic/commercetools:ApiExtension  t1ct-dev-extension  "
    assert lines[0].startswith(f"{extension}key=t1ct-dev destination=[secret] ")
    function = next(line for line in lines if "aws:lambda/function:Function" in line)
    assert function.startswith(
        "  aws:lambda/function:Function  t1ct-dev  name=t1ct-dev runtime=python3.13"
    )
    assert 'architectures=["arm64"]' in function
    assert "Stack dev: 13 resources (9 aws, 4 commercetools) in 1 component." in summary
    assert "  invoker_access_key_id = [secret]" in summary
    assert (
        "Not set yet (placeholders used; `pulumi up` needs them): "
        "t1ct:commercetools_client_secret, t1ct:talon_api_keys"
    ) in summary


def test_the_gcp_example_renders_the_gcp_resources() -> None:
    status, out, _ = plan("gcp-example")

    assert status == 0
    assert (
        "  gcp:cloudfunctionsv2/function:Function  t1ct-gcp  name=t1ct-gcp location=europe-west1"
        in out
    )
    assert 'destination={"type":"GoogleCloudFunction","url":"https://t1ct-gcp-' in out
    assert "Stack gcp-example: 12 resources (4 commercetools, 8 gcp) in 1 component." in out


def test_encrypted_values_are_masked_and_not_reported_missing(project: Path) -> None:
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(
        stack.read_text()
        + "  t1ct:commercetools_client_secret:\n    secure: v1:AAAAcipher\n"
        + "  t1ct:talon_api_keys:\n    eu:\n      secure: v1:BBBB\n    us:\n      secure: v1:CCCC\n"
    )

    status, out, _ = plan("dev", project)

    assert status == 0
    assert "Not set yet" not in out
    assert "v1:" not in out
    assert PLACEHOLDER not in out
    assert "secretString=[secret]" in out


@pytest.mark.parametrize(
    ("appended", "expected"),
    [
        ("  t1ct:cloud: azure\n", "error: t1ct:cloud: Input should be 'aws' or 'gcp'"),
        ("  t1ct:handlr: {}\n", "error: t1ct:handlr: unknown key"),
        (
            "  t1ct:extension:\n    timeout_ms: 99999\n",
            "error: t1ct:extension.timeout_ms: Input should be less",
        ),
        ("  region: eu\n", "error: Pulumi.dev.yaml: config key 'region' needs a namespace"),
        ("  t1ct:apps: [\n", "error: Pulumi.dev.yaml: not valid YAML at line"),
    ],
    ids=["bad-value", "unknown-key", "out-of-range", "no-namespace", "not-yaml"],
)
def test_a_bad_stack_file_ends_with_one_line_and_a_non_zero_status(
    project, appended, expected
) -> None:
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text() + appended)

    status, out, err = plan("dev", project)

    assert status == EXIT_BAD_STACK
    assert out == ""
    assert err.startswith(expected)
    assert err.count("\n") == 1


def test_a_missing_stack_file_is_named(project: Path) -> None:
    status, _, err = plan("prod", project)

    assert status == EXIT_BAD_STACK
    assert err == f"error: Pulumi.prod.yaml: no such file in {project}\n"


def test_the_plan_runs_as_a_module_from_the_command_line(archive_cache: Path) -> None:
    environment = {"PATH": "/usr/bin:/bin", BUILD_DIR_VARIABLE: str(archive_cache)}
    result = subprocess.run(
        [sys.executable, "-m", "infra", "plan", "--stack", "gcp-example"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )

    assert result.returncode == 0, result.stderr
    assert "Stack gcp-example:" in result.stdout
