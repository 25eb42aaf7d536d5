"""``python -m infra``: the offline plan and the README's configuration reference.

python -m infra plan --stack dev         what Pulumi.dev.yaml would deploy (no cloud, no CLI)
python -m infra config-reference         the table of stack config keys README shows
python -m infra config-reference --write-readme
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra import plan, reference

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra", description=__doc__.splitlines()[0].replace("``", "")
    )
    commands = parser.add_subparsers(dest="command", required=True)

    plan_command = commands.add_parser("plan", help="render what a stack file would deploy")
    plan_command.add_argument("--stack", required=True, help="stack name, e.g. dev")
    plan_command.add_argument(
        "--project-dir", type=Path, default=ROOT, help="folder holding Pulumi.yaml"
    )

    reference_command = commands.add_parser(
        "config-reference", help="print the stack config keys as a Markdown table"
    )
    reference_command.add_argument(
        "--write-readme", action="store_true", help="replace the table in README.md"
    )

    args = parser.parse_args(argv)
    if args.command == "plan":
        return plan.main(args.stack, args.project_dir, sys.stdout, sys.stderr)
    if args.write_readme:
        reference.write_readme(ROOT / "README.md")
        return 0
    print(reference.config_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
