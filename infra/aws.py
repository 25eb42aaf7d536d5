"""The handler on AWS Lambda, and the way commercetools reaches it.

Children: the function's log group, the Secrets Manager secret with the secret settings, the
function's role (write own logs, read own secret), the function, and either an IAM user that may
only invoke this function (AWSLambda destination) or a public function URL whose requests the
handler checks against the Authorization header (HTTP destination).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import aws_policies
from infra.config import AwsConfig, FunctionConfig
from infra.handler_env import SECRET_ARN, SECRET_VERSION
from infra.packaging import Archive

COMPONENT_TYPE = "t1ct:aws:Handler"
HANDLER_ENTRY = "handler.aws.handle"


@dataclass(frozen=True)
class AwsHandlerArgs:
    function: FunctionConfig
    aws: AwsConfig
    archive: Archive
    # Plain T1CT_* variables (may hold outputs of other resources, e.g. the cart type id).
    environment: pulumi.Input[dict[str, pulumi.Input[str]]]
    # JSON object of the secret T1CT_* variables, already a secret output.
    secret_settings: pulumi.Output[str]
    # The Authorization header value commercetools sends in function_url mode (a secret).
    auth_token: pulumi.Output[str] | None = None


class AwsHandler(pulumi.ComponentResource):
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    function_url: pulumi.Output[str] | None
    destination: pulumi.Output[dict[str, Any]]
    invoker_access_key_id: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: AwsHandlerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{name}",
            retention_in_days=args.aws.log_retention_days,
            opts=child,
        )

        secret = aws.secretsmanager.Secret(
            f"{name}-settings",
            description=f"Secret settings of the {name} commercetools extension handler",
            recovery_window_in_days=args.aws.secret_recovery_days,
            opts=child,
        )
        secret_version = aws.secretsmanager.SecretVersion(
            f"{name}-settings",
            secret_id=secret.id,
            secret_string=args.secret_settings,
            opts=child,
        )

        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=json.dumps(aws_policies.lambda_trust_policy()),
            description=f"Runs the {name} handler: writes its logs, reads its secret",
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-role",
            role=role.id,
            policy=pulumi.Output.all(log_group.arn, secret.arn).apply(
                lambda arns: json.dumps(aws_policies.runtime_policy(arns[0], arns[1]))
            ),
            opts=child,
        )

        # The handler reads its secret once per cold start. Naming the secret's version in the
        # function's environment makes a new version (a rotated token or API key) replace the
        # running instances instead of leaving warm ones on the old values.
        variables = pulumi.Output.all(
            pulumi.Output.from_input(args.environment), secret.arn, secret_version.version_id
        )
        function = aws.lambda_.Function(
            name,
            name=name,
            runtime=f"python{args.function.python_version}",
            architectures=[args.aws.architecture],
            handler=HANDLER_ENTRY,
            role=role.arn,
            code=pulumi.FileArchive(str(args.archive.path)),
            source_code_hash=args.archive.base64_sha256,
            memory_size=args.function.memory_mb,
            timeout=args.function.timeout_s,
            reserved_concurrent_executions=args.aws.reserved_concurrency,
            environment={
                "variables": variables.apply(
                    lambda values: {
                        **values[0],
                        SECRET_ARN: values[1],
                        SECRET_VERSION: values[2] or "",
                    }
                )
            },
            logging_config={"log_format": "Text", "log_group": log_group.name},
            # The first invocation must find its log group, its permissions and its secret.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[log_group, role_policy, secret_version]
            ),
        )

        self.function_name = function.name
        self.function_arn = function.arn
        self.function_url = None
        self.invoker_access_key_id = None
        if args.aws.invocation == "lambda":
            self.destination = self._lambda_destination(name, function)
        else:
            self.destination = self._url_destination(name, function, args.auth_token)

        self.register_outputs(
            {
                "function_name": self.function_name,
                "function_arn": self.function_arn,
                "function_url": self.function_url,
                "destination": self.destination,
            }
        )

    def _lambda_destination(
        self, name: str, function: aws.lambda_.Function
    ) -> pulumi.Output[dict[str, Any]]:
        """An IAM user allowed only to invoke this function; commercetools signs with its key."""
        child = pulumi.ResourceOptions(parent=self)
        invoker = aws.iam.User(f"{name}-invoker", path="/commercetools/", opts=child)
        policy = aws.iam.UserPolicy(
            f"{name}-invoker",
            user=invoker.name,
            policy=function.arn.apply(lambda arn: json.dumps(aws_policies.invoker_policy(arn))),
            opts=child,
        )
        key = aws.iam.AccessKey(
            f"{name}-invoker",
            user=invoker.name,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

        self.invoker_access_key_id = pulumi.Output.secret(key.id)
        destination = pulumi.Output.all(function.arn, key.id, key.secret).apply(
            lambda values: {
                "type": "AWSLambda",
                "arn": values[0],
                "accessKey": values[1],
                "accessSecret": values[2],
            }
        )
        return pulumi.Output.secret(destination)

    def _url_destination(
        self,
        name: str,
        function: aws.lambda_.Function,
        auth_token: pulumi.Output[str] | None,
    ) -> pulumi.Output[dict[str, Any]]:
        """A public function URL; the handler refuses requests without the Authorization token."""
        if auth_token is None:
            raise ValueError("function_url invocation needs an auth token")

        child = pulumi.ResourceOptions(parent=self)
        url = aws.lambda_.FunctionUrl(
            f"{name}-url", function_name=function.name, authorization_type="NONE", opts=child
        )
        # New function URLs need both permissions for unauthenticated callers.
        aws.lambda_.Permission(
            f"{name}-url",
            action="lambda:InvokeFunctionUrl",
            function=function.name,
            principal="*",
            function_url_auth_type="NONE",
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-url-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="*",
            invoked_via_function_url=True,
            opts=child,
        )

        self.function_url = url.function_url
        destination = pulumi.Output.all(url.function_url, auth_token).apply(
            lambda values: {
                "type": "HTTP",
                "url": values[0],
                "authentication": {"type": "AuthorizationHeader", "headerValue": values[1]},
            }
        )
        return pulumi.Output.secret(destination)
