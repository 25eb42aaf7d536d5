"""The handler on Google Cloud Functions (2nd gen), invoked by commercetools' service account.

Children: a private source bucket with the archive named by its content hash (new code always
redeploys), one Secret Manager secret per secret setting, a runtime service account that may read
only those secrets, the function (no unauthenticated access), and the Cloud Run invoker role for
commercetools' own service account, which the GoogleCloudFunction destination calls with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from handler.settings import ENV_PREFIX
from infra.config import FunctionConfig, GcpConfig
from infra.loader import GcpTarget
from infra.packaging import Archive

COMPONENT_TYPE = "t1ct:gcp:Handler"
ENTRY_POINT = "handle"
COMMERCETOOLS_INVOKER = "serviceAccount:extensions@commercetools-platform.iam.gserviceaccount.com"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
RUN_INVOKER = "roles/run.invoker"

SecretVariable = gcp.cloudfunctionsv2.FunctionServiceConfigSecretEnvironmentVariableArgsDict


@dataclass(frozen=True)
class GcpHandlerArgs:
    function: FunctionConfig
    gcp: GcpConfig
    target: GcpTarget
    archive: Archive
    # Plain T1CT_* variables (may hold outputs of other resources, e.g. the cart type id).
    environment: pulumi.Input[dict[str, pulumi.Input[str]]]
    # Secret T1CT_* variables by name, each already a secret output.
    secret_settings: dict[str, pulumi.Output[str]]


class GcpHandler(pulumi.ComponentResource):
    function_name: pulumi.Output[str]
    function_url: pulumi.Output[str]
    destination: pulumi.Output[dict[str, Any]]

    def __init__(
        self, name: str, args: GcpHandlerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        runtime_account = gcp.serviceaccount.Account(
            f"{name}-runtime",
            account_id=f"{name}-fn",
            display_name=f"Runs the {name} commercetools extension handler",
            opts=child,
        )
        runtime_member = runtime_account.email.apply(lambda email: f"serviceAccount:{email}")

        bucket = gcp.storage.Bucket(
            f"{name}-source",
            location=args.target.region,
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            force_destroy=True,
            opts=child,
        )
        source = gcp.storage.BucketObject(
            f"{name}-source",
            bucket=bucket.name,
            name=f"handler-{args.archive.sha256[:32]}.zip",
            source=pulumi.FileAsset(str(args.archive.path)),
            opts=child,
        )

        secret_variables: list[SecretVariable] = []
        readable: list[pulumi.Resource] = []
        for variable, value in sorted(args.secret_settings.items()):
            slug = variable.removeprefix(ENV_PREFIX).lower().replace("_", "-")
            secret = gcp.secretmanager.Secret(
                f"{name}-{slug}",
                secret_id=f"{name}-{slug}",
                replication={"auto": {}},
                opts=child,
            )
            version = gcp.secretmanager.SecretVersion(
                f"{name}-{slug}", secret=secret.id, secret_data=value, opts=child
            )
            access = gcp.secretmanager.SecretIamMember(
                f"{name}-{slug}",
                secret_id=secret.id,
                role=SECRET_ACCESSOR,
                member=runtime_member,
                opts=child,
            )
            readable.append(access)
            # A pinned version number, so a changed secret rolls out as a new revision.
            secret_variables.append(
                {
                    "key": variable,
                    "project_id": secret.project,
                    "secret": secret.secret_id,
                    "version": version.version,
                }
            )

        function = gcp.cloudfunctionsv2.Function(
            name,
            name=name,
            location=args.target.region,
            description=f"commercetools API extension handler {name}",
            build_config={
                "runtime": f"python{args.function.python_version.replace('.', '')}",
                "entry_point": ENTRY_POINT,
                "source": {"storage_source": {"bucket": bucket.name, "object": source.name}},
            },
            service_config={
                "available_memory": f"{args.function.memory_mb}M",
                "timeout_seconds": args.function.timeout_s,
                "min_instance_count": args.gcp.min_instances,
                "max_instance_count": args.gcp.max_instances,
                "service_account_email": runtime_account.email,
                "ingress_settings": "ALLOW_ALL",
                "all_traffic_on_latest_revision": True,
                "environment_variables": args.environment,
                "secret_environment_variables": secret_variables,
            },
            # The function must be able to read its secrets when its first revision starts.
            opts=pulumi.ResourceOptions(parent=self, depends_on=readable),
        )

        gcp.cloudrunv2.ServiceIamMember(
            f"{name}-commercetools-invoker",
            project=function.project,
            location=function.location,
            name=function.name,
            role=RUN_INVOKER,
            member=COMMERCETOOLS_INVOKER,
            opts=child,
        )

        self.function_name = function.name
        self.function_url = function.url
        self.destination = function.url.apply(
            lambda url: {"type": "GoogleCloudFunction", "url": url}
        )
        self.register_outputs(
            {
                "function_name": self.function_name,
                "function_url": self.function_url,
                "destination": self.destination,
            }
        )
