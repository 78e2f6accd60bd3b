"""Deliveries a service makes by itself, evaluated the way AWS evaluates them (not a signed request: the
service acts in-process, so nothing passes through enforcement.check).

Two kinds, as the services' guides document them:
- A service principal delivering an event is allowed by the target's resource-based policy, with
  aws:SourceArn (the rule, topic, bucket or API) and aws:SourceAccount set:
    EventBridge rule -> Lambda / SQS / SNS targets ("Using resource-based policies for Amazon EventBridge",
    eb-use-resource-based.html: the function policy, queue policy or topic policy must allow
    events.amazonaws.com), SNS -> SQS / Lambda subscriptions (sns-sqs-as-subscriber.html: the queue policy
    must allow sns.amazonaws.com, usually with an aws:SourceArn condition), API Gateway -> Lambda proxy
    integrations without credentials (apigateway.amazonaws.com on the function policy, aws:SourceArn the
    execute-api ARN of the method).
- A service acting as a role the user gave it (EventBridge targets with RoleArn: Step Functions, Kinesis;
  every EventBridge Scheduler target; API Gateway integrations with `credentials`) is that role's session:
  enforcement.authorize_role evaluates its identity policies, boundary and the target's resource policy.

Each denial is recorded in `localcloud iam report` and the delivery trace with one line (report.line), the
same line the source puts into its own trace entry (dropped / dead-lettered).
"""

from __future__ import annotations

import logging

from localcloud.iam import report
from localcloud.iam.context import request_context
from localcloud.iam.evaluator import Subject, evaluate
from localcloud.iam.policy import Caller
from localcloud.iam.resource_policies import policy_for

log = logging.getLogger("localcloud.iam")

_POLICY_NAMES = {"lambda": "function policy", "sqs": "queue policy", "sns": "topic policy", "s3": "bucket policy",
                 "kms": "key policy", "secretsmanager": "secret policy"}


def _how_to_add(prefix: str, service: str, resource: str, source_arn: str) -> str:
    """Where the missing statement goes, in the words of the tool a person would use."""
    if prefix == "lambda":
        function = resource.split(":")[6] if resource.count(":") >= 6 else resource
        return (f"the function policy of {resource} (aws lambda add-permission --function-name {function} "
                f"--action lambda:InvokeFunction --principal {service} --source-arn {source_arn} "
                "--statement-id ...; Terraform: aws_lambda_permission)")
    kind = _POLICY_NAMES.get(prefix, "resource policy")
    terraform = {"sqs": "aws_sqs_queue_policy", "sns": "aws_sns_topic_policy"}.get(prefix)
    return f"the {kind} of {resource}" + (f" (Terraform: {terraform})" if terraform else "")


def service_principal(service: str, action: str, resource: str, *, source_arn: str, source_account: str,
                      region: str, operation: str) -> str | None:
    """None when `service` (events.amazonaws.com, ...) may perform `action` on `resource` for `source_arn`
    (or IAM is not enforced); else the IAM line saying so and what to add, after recording it."""
    from localcloud.iam.enforcement import Mode
    from localcloud.iam.enforcement import mode as current

    mode = current()
    if mode is Mode.OFF:
        return None
    prefix = action.split(":", 1)[0]
    account = resource.split(":")[4] if resource.count(":") >= 5 and resource.split(":")[4] else source_account
    policy = policy_for(prefix, resource, region, account)
    subject = Subject(Caller(frozenset(), source_account, service=service), holder=service, arn=service)
    context = {**request_context({}, region, {}, account), "aws:viaawsservice": ["true"],
               "aws:sourcearn": [source_arn], "aws:sourceaccount": [source_account],
               "aws:principalservicename": [service]}
    decision = evaluate(subject, action, resource, context, policy)
    if decision.allowed:
        report.count("allowed")
        return None
    enforced = mode is Mode.ENFORCE
    place = _how_to_add(prefix, service, resource, source_arn)
    if decision.explicit:
        statement: dict = {}
        fix = (f"an explicit Deny ({f'statement {decision.sid!r} of ' if decision.sid else ''}"
               f"{decision.deciding_policy}) decides: remove or narrow that Deny")
    else:
        statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": action, "Resource": resource,
                     "Condition": {"ArnLike": {"aws:SourceArn": source_arn}}}
        fix = f"add this statement to {place}"
    message = (f"{service} (for {source_arn}) is not authorized to perform: {action} on resource: {resource} "
               f"{decision.reason}")
    denial = report.Denial(service, action, resource, decision.reason, decision.deciding_policy, fix, statement,
                           place, enforced, operation, message=message)
    report.denied(denial)
    log.warning("IAM %s: %s", "denied" if enforced else "would deny", report.line(denial))
    return report.line(denial) if enforced else None




def as_credentials_or_service(credentials: str | None, service: str, action: str, resource: str, *,
                              source_arn: str, source_account: str, region: str, operation: str) -> str | None:
    """An integration that names a role (API Gateway's `credentials`) calls as that role's session; one that
    names none calls as the service principal, under the target's resource policy (apigateway.amazonaws.com
    on a function policy, with aws:SourceArn = the execute-api ARN of the method)."""
    if credentials and ":role/" in credentials:
        from localcloud.iam.enforcement import authorize_role

        return authorize_role(credentials, SESSION_NAMES.get(service, "service-integration"), action, resource, region,
                              operation=f"{operation} as {credentials}")
    return service_principal(service, action, resource, source_arn=source_arn, source_account=source_account,
                             region=region, operation=operation)


# The session name a service uses when it assumes a role the user gave it (what CloudTrail shows locally).
SESSION_NAMES = {"apigateway.amazonaws.com": "apigateway-integration", "events.amazonaws.com": "events-target",
                 "scheduler.amazonaws.com": "scheduler-target"}


# What Lambda needs of the execution role to send an asynchronous invocation's record, or a mapping's
# failed batch, to a destination or DLQ (invocation-async-retain-records.html: "Lambda uses the execution
# role's permissions"; sqs/sns/lambda/events per destination type).
DESTINATION_ACTIONS = {"sqs": "sqs:SendMessage", "sns": "sns:Publish", "lambda": "lambda:InvokeFunction",
                       "events": "events:PutEvents", "s3": "s3:PutObject"}


def execution_role_may_send(role_arn: str, function_name: str, destination: str, region: str,
                            operation: str) -> str | None:
    """None when the function's execution role may send to `destination` (or IAM is not enforced); else the
    IAM line. The session is the one the runtime gives the function (session name = function name)."""
    service = destination.split(":")[2] if destination.count(":") >= 5 else ""
    action = DESTINATION_ACTIONS.get(service)
    if action is None or ":role/" not in (role_arn or ""):
        return None
    from localcloud.iam.enforcement import authorize_role

    return authorize_role(role_arn, function_name, action, destination, destination.split(":")[3] or region,
                          operation=operation)
