"""IAM policy documents for the AWS stack, each granting one job and nothing more.

No action is a wildcard and every resource is one ARN of this stack. The only pattern is
``<log group ARN>:*``, the streams inside the function's own log group, which Lambda names at run
time.
"""

from __future__ import annotations

from typing import Any

Policy = dict[str, Any]


def lambda_trust_policy() -> Policy:
    """Lets the Lambda service, and nothing else, assume the function's role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def runtime_policy(log_group_arn: str, secret_arn: str) -> Policy:
    """What the running handler may do: write its own logs and read its own secret."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                # The documented scope for a function's logs: the group and its streams.
                "Resource": f"{log_group_arn}:*",
            },
            {
                "Sid": "ReadOwnSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arn,
            },
        ],
    }


def invoker_policy(function_arn: str) -> Policy:
    """What commercetools' IAM user may do: invoke this one function."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeHandler",
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": function_arn,
            }
        ],
    }
