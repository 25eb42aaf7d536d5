"""Entry point of the Pulumi program (Pulumi.yaml has no `main:`, so imports resolve from here)."""

from infra.program import run

run()
