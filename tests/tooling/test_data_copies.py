"""The copied data in tests/data is still byte for byte what its README says it is."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
ACCELERATOR = DATA / "reference-accelerator"
SPEC = DATA / "talon-one-spec"


def git_blob_id(path: Path) -> str:
    content = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "README.md")


def test_accelerator_fixtures_match_the_blob_ids_in_their_readme() -> None:
    readme = (ACCELERATOR / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([^`]+\.json)` \| `([0-9a-f]{40})` \|", readme, re.MULTILINE))

    present = {
        p.relative_to(ACCELERATOR).as_posix(): git_blob_id(p) for p in data_files(ACCELERATOR)
    }

    assert len(listed) == 25
    assert present == listed


def test_spec_folder_matches_the_digest_in_its_readme() -> None:
    readme = (SPEC / "README.md").read_text(encoding="utf-8")
    expected = re.findall(r"^ {4}([0-9a-f]{64})$", readme, re.MULTILINE)

    # The same listing `sha256sum` prints for `./<path>`, in byte order of the paths.
    listing = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  ./{p.relative_to(SPEC).as_posix()}\n"
        for p in sorted(data_files(SPEC), key=lambda p: p.relative_to(SPEC).as_posix().encode())
    )

    assert expected == [hashlib.sha256(listing.encode()).hexdigest()]
