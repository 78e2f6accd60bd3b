"""The AccessDenied message as each service writes it ("Access denied error messages", IAM User Guide:
"User: <principal> is not authorized to perform: <action> on resource: <resource> because <reason>"), with
the spellings services differ in, as their real answers show them:
- S3 quotes the resource: `on resource: "arn:aws:s3:::bucket/key" because ...`
- SQS writes the action in lower case: `sqs:sendmessage` (also for SendMessageBatch)
- SNS writes the prefix in upper case: `SNS:Publish`
- Secrets Manager names the secret as the request named it (`on resource: prod/db` for a name, the ARN for
  an ARN)
- STS AssumeRole* carries no reason (trust.py).
"""

from __future__ import annotations


def written_action(prefix: str, action: str) -> str:
    if prefix == "sqs":
        return action.lower()
    if prefix == "sns":
        return "SNS:" + action.split(":", 1)[1]
    return action


def written_resource(prefix: str, resource: str, named: str | None) -> str:
    if prefix == "s3":
        return f'"{resource}"'
    if prefix == "secretsmanager" and named:
        return named
    return resource


def access_denied(prefix: str, caller: str, action: str, resource: str, reason: str, named: str | None = None) -> str:
    shown = written_action(prefix, action)
    on = f" on resource: {written_resource(prefix, resource, named)}" if resource != "*" else ""
    return f"User: {caller} is not authorized to perform: {shown}{on} {reason.replace(action, shown)}"
