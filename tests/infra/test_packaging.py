"""The handler archive: built for the target platform, and byte for byte the same every time."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from infra.packaging import (
    FUNCTIONS_FRAMEWORK,
    HANDLER_DIR,
    ROOT,
    Archive,
    PackagingError,
    Target,
    build_archive,
)

AWS_ARM = Target("aws", "3.13", "arm64")
ELF_MACHINE = {"arm64": 0xB7, "x86_64": 0x3E}


@pytest.fixture(scope="module")
def handler_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of handler/, so both builds see the same sources while it is being edited."""
    snapshot = tmp_path_factory.mktemp("sources") / "handler"
    shutil.copytree(HANDLER_DIR, snapshot, ignore=shutil.ignore_patterns("__pycache__"))
    return snapshot


@pytest.fixture(scope="module")
def two_aws_builds(
    handler_snapshot: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Archive, Archive]:
    """The arm64 archive built twice from scratch, in separate build folders."""
    builds = [
        build_archive(AWS_ARM, source_dir=handler_snapshot, build_dir=tmp_path_factory.mktemp(n))
        for n in ("first", "second")
    ]
    return builds[0], builds[1]


def test_the_same_sources_give_the_same_archive(two_aws_builds) -> None:
    first, second = two_aws_builds

    assert first.path != second.path
    assert first.sha256 == second.sha256
    assert first.path.read_bytes() == second.path.read_bytes()


def test_the_aws_archive_holds_every_handler_file_at_its_package_path(
    two_aws_builds, handler_snapshot
) -> None:
    names = set(zipfile.ZipFile(two_aws_builds[0].path).namelist())
    handler_files = {
        f"handler/{path.relative_to(handler_snapshot).as_posix()}"
        for path in handler_snapshot.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }

    assert handler_files
    assert handler_files <= names
    assert "handler/aws.py" in names


def test_the_aws_archive_holds_dependencies_built_for_arm64_python_313(two_aws_builds) -> None:
    archive = zipfile.ZipFile(two_aws_builds[0].path)
    names = archive.namelist()
    native = [name for name in names if name.endswith(".so")]

    assert any(name.startswith("pydantic/") for name in names)
    assert any(name.startswith("requests/") for name in names)
    assert "pydantic_core/_pydantic_core.cpython-313-aarch64-linux-gnu.so" in native
    for name in native:
        assert re.search(r"cpython-313-aarch64-linux-gnu\.so$", name), name
        header = archive.read(name)[:20]
        assert header[:4] == b"\x7fELF"
        assert int.from_bytes(header[18:20], "little") == ELF_MACHINE["arm64"], name


def test_the_archive_leaves_out_caches_scripts_and_the_lambda_provided_sdk(two_aws_builds) -> None:
    names = zipfile.ZipFile(two_aws_builds[0].path).namelist()

    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith("bin/")]
    assert not [n for n in names if n.startswith(("boto3/", "botocore/"))]
    assert names == sorted(names)


def test_entries_have_fixed_timestamps_and_permissions(two_aws_builds) -> None:
    infos = zipfile.ZipFile(two_aws_builds[0].path).infolist()

    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_the_gcp_archive_has_the_entry_point_module_and_requirements(tmp_path) -> None:
    archive = zipfile.ZipFile(build_archive(Target("gcp", "3.13"), build_dir=tmp_path).path)
    main = archive.read("main.py").decode()
    requirements = archive.read("requirements.txt").decode().splitlines()

    assert [line for line in main.splitlines() if line.startswith(("from ", "import "))] == [
        "from handler.gcp import handle  # noqa: F401"
    ]
    assert FUNCTIONS_FRAMEWORK in requirements
    handler_pins = (HANDLER_DIR / "requirements.txt").read_text().split()
    assert [line for line in handler_pins if "==" in line] == requirements[:-1]
    assert not [name for name in archive.namelist() if name.endswith(".so")]


def test_the_functions_framework_pin_matches_the_project_requirements() -> None:
    pins = (ROOT / "requirements.txt").read_text().split()

    assert FUNCTIONS_FRAMEWORK in pins


def test_a_changed_handler_file_gives_a_new_archive(tmp_path) -> None:
    source = tmp_path / "handler"
    shutil.copytree(HANDLER_DIR, source, ignore=shutil.ignore_patterns("__pycache__"))
    target = Target("gcp", "3.13")
    before = build_archive(target, source_dir=source, build_dir=tmp_path / "build")

    (source / "settings.py").write_text((source / "settings.py").read_text() + "\n# changed\n")
    after = build_archive(target, source_dir=source, build_dir=tmp_path / "build")

    assert after.sha256 != before.sha256
    assert after.path != before.path
    assert [path.name for path in (tmp_path / "build").iterdir()] == [after.path.name]


def test_an_unchanged_handler_is_served_from_the_cache(tmp_path) -> None:
    target = Target("gcp", "3.13")
    first = build_archive(target, build_dir=tmp_path)
    first.path.write_bytes(first.path.read_bytes())  # same bytes, new modification time

    second = build_archive(target, build_dir=tmp_path)

    assert second == first
    assert len(list(tmp_path.iterdir())) == 1


def test_a_handler_without_requirements_cannot_be_packaged(tmp_path: Path) -> None:
    (tmp_path / "handler").mkdir()

    with pytest.raises(PackagingError, match=r"requirements\.txt is missing"):
        build_archive(Target("gcp", "3.13"), source_dir=tmp_path / "handler", build_dir=tmp_path)
