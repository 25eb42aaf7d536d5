"""Running the Pulumi program in-process: no engine, no Pulumi CLI, no cloud account.

``FakeCloud`` answers each resource registration the way the cloud would (ids, ARNs, URLs, with a
fixed account, region and project) and never calls a provider, so nothing is created anywhere.
``run_offline`` runs a program under it and returns every registration and stack output, with the
secret flag of each. The offline plan and the tests are built on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.config import set_all_config

AWS_ACCOUNT = "123456789012"
AWS_REGION = "eu-central-1"
GCP_PROJECT = "offline-project"
GCP_REGION = "europe-west1"
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Registration:
    """One resource the program declared, with the inputs the engine would have received."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    secret_outputs: tuple[str, ...]


@dataclass(frozen=True)
class StackOutput:
    value: Any
    secret: bool


@dataclass
class OfflineRun:
    registrations: list[Registration] = field(default_factory=list)
    outputs: dict[str, StackOutput] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registration]:
        return [reg for reg in self.registrations if reg.type == type_]

    def one(self, type_: str) -> Registration:
        found = self.of_type(type_)
        if len(found) != 1:
            raise LookupError(f"expected one {type_}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(reg for reg in self.registrations if reg.urn == urn)


class FakeCloud(pulumi_mocks.Mocks):
    """Plausible outputs for the resource types the program uses; inputs are echoed back."""

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        name = args.inputs.get("name") or args.name
        resource_id = f"{args.name}-id"
        extra: dict[str, Any] = {}

        match args.typ:
            case "aws:lambda/function:Function":
                extra = {"arn": _aws_arn("lambda", f"function:{name}")}
            case "aws:cloudwatch/logGroup:LogGroup":
                extra = {"arn": _aws_arn("logs", f"log-group:{name}")}
            case "aws:secretsmanager/secret:Secret":
                resource_id = _aws_arn("secretsmanager", f"secret:{args.name}-Ab12Cd")
                extra = {"arn": resource_id}
            case "aws:iam/role:Role" | "aws:iam/user:User":
                kind = args.typ.split(":")[-1].lower()
                extra = {"arn": f"arn:aws:iam::{AWS_ACCOUNT}:{kind}/{args.name}", "name": args.name}
                resource_id = args.name
            case "aws:iam/accessKey:AccessKey":
                resource_id = "AKIAOFFLINEEXAMPLE01"
                extra = {"secret": rpc.wrap_rpc_secret("offline-secret-access-key")}
            case "aws:lambda/functionUrl:FunctionUrl":
                extra = {"functionUrl": f"https://{args.name}.lambda-url.{AWS_REGION}.on.aws/"}
            case "gcp:serviceaccount/account:Account":
                account = args.inputs["accountId"]
                extra = {"email": f"{account}@{GCP_PROJECT}.iam.gserviceaccount.com"}
            case "gcp:storage/bucket:Bucket":
                extra = {"name": f"{args.name}-0a1b2c3"}
            case "gcp:secretmanager/secret:Secret":
                secret_id = args.inputs.get("secretId", args.name)
                resource_id = f"projects/{GCP_PROJECT}/secrets/{secret_id}"
                extra = {"project": GCP_PROJECT, "secretId": secret_id}
            case "gcp:secretmanager/secretVersion:SecretVersion":
                extra = {"version": "1"}
            case "gcp:cloudfunctionsv2/function:Function":
                extra = {
                    "project": GCP_PROJECT,
                    "url": f"https://{name}-0a1b2c3d4e-ew.a.run.app",
                }
        if args.typ.startswith("pulumi-python:dynamic"):
            extra = {"version": 1}
        return resource_id, {**outputs, **extra}

    def call(
        self, args: pulumi_mocks.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        # The program makes no provider calls (no data sources).
        return {}, None


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock engine, also keeping what the mock API leaves out (parent, secret outputs)."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        with _worker_loop():
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
            inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        if request.type != STACK_TYPE:
            self.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    custom=bool(request.custom),
                    inputs=inputs,
                    secret_outputs=tuple(request.additionalSecretOutputs),
                )
            )
        return response


def run_offline(
    program: Callable[[], None],
    *,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
) -> OfflineRun:
    """Run ``program`` against FakeCloud with ``config``; restores Pulumi's globals afterwards."""
    monitor = RecordingMonitor(FakeCloud())
    result = OfflineRun()

    async def body() -> None:
        program()
        root = settings.get_root_resource()
        for name, value in getattr(root, "outputs", {}).items():
            output = pulumi.Output.from_input(value)
            result.outputs[name] = StackOutput(await output.future(), await output.is_secret())

    pulumi.runtime.reset_options(project=project, stack=stack)
    set_all_config(config, secret_keys)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        pulumi.runtime.set_mocks(
            monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor
        )
        pulumi.runtime.test(body)()  # type: ignore[no-untyped-call]
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        set_all_config({}, [])
        pulumi.runtime.reset_options()
    result.registrations = monitor.registrations
    return result


@contextlib.contextmanager
def _worker_loop() -> Iterator[None]:
    """An event loop for one registration on a worker thread, closed afterwards.

    The mock engine answers on executor threads and gives each one a loop it never closes.
    """
    if threading.current_thread() is threading.main_thread():
        yield
        return
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def _aws_arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{AWS_REGION}:{AWS_ACCOUNT}:{resource}"
