"""CreateEventSourceMapping checks the function's execution role, as Lambda does: the poller reads the
stream or queue as that role, so a role that may not is refused at creation (InvalidParameterValueException),
not left to fail silently later. The actions are Lambda's documented execution-role permissions
(Lambda Developer Guide, "Using Lambda with Kinesis / DynamoDB / SQS", execution role permissions); AWS's
messages are kept, localcloud's hint (the statement to add) follows in parentheses.
"""

from __future__ import annotations

import json

from localcloud.aws.registry import handles
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

# source kind -> (actions the execution role needs on the source ARN, AWS's message for a role without them)
_NEEDS = {
    "kinesis": (("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListShards"),
                ("Cannot access stream {arn}. Please ensure the role can perform the GetRecords, GetShardIterator, "
                 "DescribeStream, ListShards, and ListStreams Actions on your stream in IAM.")),
    "dynamodb": (("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"),
                 ("Cannot access stream {arn}. Please ensure the role can perform the GetRecords, GetShardIterator, "
                  "DescribeStream, and ListStreams Actions on your stream in IAM.")),
    "sqs": (("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
            "The provided execution role does not have permissions to call {first} on SQS"),
}


def _role_of(request: AwsRequest, function: str) -> str | None:
    from localcloud.moto_adapter import lambda_backends

    try:
        return lambda_backends[request.account_id][request.region].get_function(function).role
    except Exception:  # noqa: BLE001  no such function: moto answers ResourceNotFoundException itself
        return None


@handles("awslambda", "CreateEventSourceMapping")
def create_event_source_mapping(request: AwsRequest):
    from localcloud.iam.enforcement import missing_actions

    spec = request.json()
    source = str(spec.get("EventSourceArn") or "")
    kind = source.split(":")[2] if source.count(":") >= 5 else ""
    role = _role_of(request, str(spec.get("FunctionName") or ""))
    if kind not in _NEEDS or not role:
        return None
    actions, message = _NEEDS[kind]
    missing = missing_actions(role, spec.get("FunctionName", "event-source-mapping"), list(actions), source,
                              request.region)
    if not missing:
        return None
    statement = {"Effect": "Allow", "Action": missing, "Resource": source}
    hint = (f"localcloud: add this statement to an identity-based policy of role {role.rsplit('/', 1)[-1]}: "
            f"{json.dumps(statement)}")
    first = missing[0].split(":", 1)[1]
    return aws_error("awslambda", 400, "InvalidParameterValueException",
                     f"{message.format(arn=source, first=first)} ({hint})")
