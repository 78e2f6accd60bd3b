"""The one delivery layer: every event source hands a payload for a target ARN to `deliver`, in-process.

    result = deliver("arn:aws:sqs:us-east-1:123456789012:q", '{"k": 1}', DeliveryContext(source="s3:b/key"))

Who calls it (each keeps AWS's own semantics for its source: envelopes, retries, dead-letter queues):
  S3 notifications (events/s3_notifications.py), SNS subscriptions (events/sns_delivery.py), EventBridge
  rules and schedules and Scheduler (events/eventbridge_targets.py), Lambda async-invoke DLQs and
  destinations (runtime/destinations.py), CloudWatch alarm actions (events/alarms.py), event source
  mapping on-failure destinations (events/esm_common.py).

The interface is target ARN + payload + DeliveryContext -> DeliveryResult, or TargetError. It makes ONE
attempt and says whether another could help (TargetError.retryable); retrying and dead-lettering belong
to the source because AWS does them differently per source (EventBridge's RetryPolicy and DLQ, Lambda's
async retries, SNS's delivery policy). DeliveryContext holds only plain values, so a durable outbox can
store (target_arn, payload, context) as it is and call `deliver` again after a restart.

Target kinds:
  lambda  Invoke (InvocationType from the context: Event for AWS's asynchronous sources,
          https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html), on the app's Lambda
          service (host.subsystem("lambda")), so this module imports no runtime.
  sqs     SendMessage into moto's model (a FIFO queue gets the context's group, else "default").
  sns     Publish into moto's model, which fans out through our Subscription.publish (sns_delivery.py).
  events  PutEvents of one event onto the bus (events/eventbridge_bus.py, found as the app's
          "eventbridge" subsystem, since it delivers through this module): the payload is the `detail`,
          the context gives `detail_type`, `event_source` and `resources`.
  states  StartExecution of the state machine (Step Functions).
Nothing here calls the server over HTTP: writes into moto outside a request mark the service changed,
so the next snapshot holds them (state/changes.py).
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localcloud.events import trace
from localcloud.host import NotInstalled, subsystem
from localcloud.state import changes


class TargetError(Exception):
    """The target does not exist or refused the payload; the message says which and why.

    `code` is the AWS error code a source reports (EventBridge's ERROR_CODE attribute); `retryable` is
    False when trying again cannot help (the target is gone, the ARN is malformed)."""

    def __init__(self, message: str, code: str = "InternalException", retryable: bool = True,
                 cause: str = "") -> None:
        super().__init__(message)
        self.code, self.retryable = code, retryable
        self.cause = cause or code  # the type of the exception behind it (moto's, the runtime's)


@dataclass(frozen=True)
class DeliveryContext:
    """What the source knows about one delivery beyond the target and the payload (plain values only)."""
    source: str = "localcloud"  # what the trace names as the sender: a rule ARN, "s3:bucket/key", ...
    account_id: str = ""  # used where the target ARN leaves account or region empty
    region: str = ""
    invocation_type: str = "Event"  # lambda: Event (asynchronous sources) or RequestResponse
    message_attributes: dict[str, dict[str, str]] = field(default_factory=dict)  # SQS API shape: DataType, StringValue
    subject: str | None = None  # sns
    message_group_id: str | None = None  # sqs FIFO queues
    deduplication_id: str | None = None  # sqs FIFO queues
    detail_type: str = ""  # events: the event's detail-type
    event_source: str = ""  # events: the event's source ("lambda", "aws.s3")
    resources: tuple[str, ...] = ()  # events: the event's resources
    record: bool = True  # False when the source records the outcome itself (with its attempts)


@dataclass(frozen=True)
class DeliveryResult:
    target_arn: str
    outcome: str  # "ok", or "error" when a synchronous Lambda target ran and failed
    value: Any = None  # InvocationResult, message id, event id or execution ARN
    detail: str = ""


@dataclass(frozen=True)
class Target:
    arn: str
    service: str
    region: str
    account: str
    resource: str


def parse(target_arn: str, context: DeliveryContext) -> Target:
    parts = target_arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise TargetError(f"{target_arn!r} is not an ARN; give a Lambda function, SQS queue, SNS topic, event bus "
                          "or state machine ARN", "InvalidArn", retryable=False)
    return Target(target_arn, parts[2], parts[3] or context.region, parts[4] or context.account_id, parts[5])


def deliver(target_arn: str, payload: bytes | str, context: DeliveryContext | None = None) -> DeliveryResult:
    """Hand `payload` to the target once. Raises TargetError (with code and retryable)."""
    context = context or DeliveryContext()
    body = payload.decode() if isinstance(payload, bytes) else payload
    started = time.perf_counter()
    try:
        target = parse(target_arn, context)
        send = _SENDERS.get(target.service)
        if send is None:
            raise TargetError(f"{target_arn}: localcloud delivers to Lambda, SQS, SNS, EventBridge and Step "
                              f"Functions targets, not {target.service}", "UnsupportedTarget", retryable=False)
        result = send(target, body, context)
    except TargetError as exc:
        _record(context, target_arn, "error", started, f"{exc.code}: {exc}")
        raise
    except Exception as exc:  # moto's not-found errors, throttling: say which target and why
        gone = _gone(exc)
        error = TargetError(f"could not deliver to {target_arn}: {type(exc).__name__}: {exc}",
                            "ResourceNotFoundException" if gone else type(exc).__name__, retryable=not gone,
                            cause=type(exc).__name__)
        _record(context, target_arn, "error", started, f"{error.code}: {error}")
        raise error from exc
    _record(context, target_arn, result.outcome, started, result.detail)
    return result


# -- one sender per target kind ---------------------------------------------------------------------------
def _lambda(target: Target, body: str, context: DeliveryContext) -> DeliveryResult:
    try:
        lambda_ = subsystem("lambda")  # runtime/service.py's LambdaService, owned by the app
    except NotInstalled as exc:
        raise TargetError(str(exc), "ServiceUnavailable") from exc
    result = lambda_.invoke(target.arn, body.encode(), context.invocation_type, account_id=target.account,
                             region=target.region)
    return DeliveryResult(target.arn, "error" if getattr(result, "function_error", None) else "ok", result)


def _sqs(target: Target, body: str, context: DeliveryContext) -> DeliveryResult:
    from localcloud.moto_adapter import sqs_backends

    backend = sqs_backends[target.account][target.region]
    try:
        queue = backend.get_queue(target.resource)
    except Exception as exc:
        raise TargetError(f"queue {target.arn} does not exist", "ResourceNotFoundException",
                          retryable=False) from exc
    group, deduplication = context.message_group_id, context.deduplication_id
    if target.resource.endswith(".fifo"):  # a source without FIFO ids of its own (EventBridge rules)
        group = group or "default"
        if not deduplication and queue.attributes.get("ContentBasedDeduplication") != "true":
            deduplication = str(uuid.uuid4())
    message = backend.send_message(target.resource, body, message_attributes=_model_attributes(context.message_attributes),
                                   group_id=group, deduplication_id=deduplication, validate_group_id=False)
    changes.mark("sqs")  # written into moto outside a request: the next snapshot must pickle it
    return DeliveryResult(target.arn, "ok", message.id)


def _model_attributes(attributes: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """The API shape (BinaryValue as base64 text, as SNS forwards it) as moto's SQS model keeps it (bytes):
    a binary attribute handed over as text failed every later ReceiveMessage (its MD5 hashes bytes)."""
    found: dict[str, dict[str, Any]] = {}
    for name, value in attributes.items():
        value = dict(value)
        if isinstance(value.get("BinaryValue"), str):
            value["BinaryValue"] = base64.b64decode(value["BinaryValue"])
        found[name] = value
    return found


def _sns(target: Target, body: str, context: DeliveryContext) -> DeliveryResult:
    from localcloud.moto_adapter import sns_backends

    # moto's model keeps attributes as SNS forwards them (Type/Value), not in the API's DataType/StringValue.
    attributes = {name: {"Type": value["DataType"], "Value": value.get("StringValue", value.get("BinaryValue"))}
                  for name, value in context.message_attributes.items()}
    message_id = sns_backends[target.account][target.region].publish(
        body, target.arn, subject=context.subject, message_attributes=attributes,
        group_id=context.message_group_id, deduplication_id=context.deduplication_id)
    changes.mark("sns")
    return DeliveryResult(target.arn, "ok", message_id)


def _events(target: Target, body: str, context: DeliveryContext) -> DeliveryResult:
    try:
        buses = subsystem("eventbridge")  # events/eventbridge_bus.py, which delivers through this layer
    except NotInstalled as exc:
        raise TargetError(str(exc), "ServiceUnavailable") from exc
    try:
        event_id = buses.put_event(target.account, target.region, target.resource.rsplit("/", 1)[-1],
                                             source=context.event_source or "localcloud",
                                             detail_type=context.detail_type or "Event", detail=body,
                                             resources=list(context.resources))
    except LookupError as exc:  # eventbridge_bus.BusNotFound
        raise TargetError(str(exc), "ResourceNotFoundException", retryable=False) from exc
    return DeliveryResult(target.arn, "ok", event_id)


def _states(target: Target, body: str, context: DeliveryContext) -> DeliveryResult:
    from localcloud.aws.stepfunctions.executions import start_execution

    changes.mark("stepfunctions")
    execution = start_execution(target.arn, body, name=str(uuid.uuid4()), account_id=target.account,
                                region=target.region)
    return DeliveryResult(target.arn, "ok", execution, f"execution {execution}")


_SENDERS: dict[str, Callable[[Target, str, DeliveryContext], DeliveryResult]] = {
    "lambda": _lambda, "sqs": _sqs, "sns": _sns, "events": _events, "states": _states}


def _gone(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(mark in text for mark in ("notfound", "does not exist", "doesnotexist", "nonexistent"))


def _record(context: DeliveryContext, target: str, result: str, started: float, detail: str) -> None:
    if context.record:
        trace.record(context.source, target, result, latency_ms=(time.perf_counter() - started) * 1000,
                     detail=detail)
