"""GET /_localcloud/health and LocalStack's GET /_localstack/health: each service's state as JSON."""

from __future__ import annotations

from localcloud import __version__

# The services this local cloud serves, by the names LocalStack's health endpoint uses.
SERVICES = (
    "apigateway", "apigatewayv2", "athena", "cloudwatch", "dynamodb", "dynamodbstreams", "ec2", "ecr", "events", "glue", "iam",
    "kinesis", "kms", "lambda", "logs", "rds", "s3", "scheduler", "secretsmanager", "sns", "sqs", "ssm",
    "stepfunctions", "sts",
)


def health_document(extra: dict[str, object] | None = None) -> dict[str, object]:
    document: dict[str, object] = {
        "services": {name: "running" for name in SERVICES},
        "edition": "localcloud",
        "version": __version__,
    }
    document.update(extra or {})
    return document
