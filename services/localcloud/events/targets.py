"""Deliver a payload to a target ARN (Lambda function, SQS queue, SNS topic), recording it in the trace.

The one shared way for event sources (S3 notifications, SNS, alarms, EventBridge rules, schedules) to hand
a payload to AWS's common target types:

    deliver("arn:aws:lambda:us-east-1:123456789012:function:f", b'{"k": 1}', source="s3:bucket/key")

Lambda targets are invoked with InvocationType=Event when `async_` (AWS's asynchronous event sources do
so: S3, SNS, EventBridge; https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html), so retries,
DLQs and destinations are the runtime's. SQS and SNS deliveries are in-process enqueues into moto's models.
"""

from __future__ import annotations

import time
from typing import Any


class TargetError(Exception):
    """The target does not exist or refused the payload; the message says which and why."""


def _parts(arn: str) -> tuple[str, str, str, str]:
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise TargetError(f"{arn!r} is not an ARN; give a Lambda function, SQS queue or SNS topic ARN")
    return parts[2], parts[3], parts[4], parts[5]  # service, region, account, resource


def deliver(target_arn: str, payload: bytes | str, *, async_: bool = True, source: str = "localcloud",
            message_attributes: dict[str, Any] | None = None, subject: str | None = None) -> Any:
    """Hand `payload` to the target; returns the InvocationResult / message id. Raises TargetError."""
    body = payload.decode() if isinstance(payload, bytes) else payload
    service, region, account, resource = _parts(target_arn)
    started = time.perf_counter()
    try:
        if service == "lambda":
            from localcloud.runtime import current

            result = current().invoke(target_arn, body.encode(), "Event" if async_ else "RequestResponse",
                                      account_id=account, region=region)
            outcome = "error" if getattr(result, "function_error", None) else "ok"
        elif service == "sqs":
            from moto.sqs.models import sqs_backends

            result = sqs_backends[account][region].send_message(
                resource, body, message_attributes=message_attributes or {}).id
            outcome = "ok"
        elif service == "sns":
            from moto.sns.models import sns_backends

            result = sns_backends[account][region].publish(body, target_arn, subject=subject,
                                                           message_attributes=message_attributes or {})
            outcome = "ok"
        else:
            raise TargetError(f"{target_arn}: localcloud delivers to Lambda, SQS and SNS targets, not {service}")
    except TargetError as exc:
        _record(source, target_arn, "error", started, str(exc))
        raise
    except Exception as exc:  # moto's not-found errors, throttling: say which target and why
        _record(source, target_arn, "error", started, f"{type(exc).__name__}: {exc}")
        raise TargetError(f"could not deliver to {target_arn}: {type(exc).__name__}: {exc}") from exc
    _record(source, target_arn, outcome, started, "")
    if service in ("sqs", "sns"):
        from localcloud.state import changes

        changes.mark(service)  # written into moto outside a request: the next snapshot must pickle it
    return result


def _record(source: str, target: str, result: str, started: float, detail: str) -> None:
    from localcloud.events import trace

    trace.record(source, target, result, latency_ms=(time.perf_counter() - started) * 1000, detail=detail)
