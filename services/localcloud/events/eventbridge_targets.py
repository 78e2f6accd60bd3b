"""Hand an EventBridge event (a rule match or a schedule firing) to a target: shape its input, deliver,
retry per the target's RetryPolicy, then dead-letter to its SQS DLQ.

Input shaping (rules): Input (a fixed JSON text), InputPath (a JSONPath into the event), InputTransformer
(InputPathsMap + InputTemplate with <placeholders>), else the whole event.
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
Retries: "By default, EventBridge retries sending the event for 24 hours and up to 185 times with an
exponential back off and jitter"; errors that retrying cannot fix (target gone, no permission) go to the
DLQ at once. The DLQ message is the event with attributes RULE_ARN, TARGET_ARN, ERROR_CODE,
ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS.
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-event-delivery.html
Lambda targets are invoked asynchronously (Event); the function's own errors are Lambda's to retry.
Each attempt (and the DLQ send) goes through the one delivery layer, events/targets.py.
Each delivery is in the outbox (localcloud.state.outbox) until it ends, with its attempts and the wall
time of its next try, so a restart resumes it (at-least-once).
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from localcloud.clock import clock
from localcloud.events import trace
from localcloud.events.targets import DeliveryContext, TargetError, deliver
from localcloud.state.outbox import outbox

log = logging.getLogger("localcloud.eventbridge")

DEFAULT_ATTEMPTS = 185
DEFAULT_MAX_AGE = 86400
MAX_BACKOFF = 300.0
OUTBOX_KIND = "eventbridge-delivery"


class DeliveryFailed(Exception):
    def __init__(self, code: str, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.code, self.retryable = code, retryable


@dataclass
class Delivery:
    """One event on its way to one target."""
    source: str  # rule or schedule ARN (what the trace and the DLQ attributes name)
    target: dict[str, Any]  # the Target as PutTargets / CreateSchedule stored it
    payload: str
    account_id: str
    region: str
    source_attribute: str = "RULE_ARN"  # SCHEDULE_ARN for EventBridge Scheduler
    first_attempt: float = field(default_factory=lambda: clock().now())
    attempts: int = 0
    outbox_id: str = ""
    next_try_at: float | None = None  # wall time of the next retry, for a restart


# -- input shaping --------------------------------------------------------------------------------------
def json_path(document: Any, path: str) -> Any:
    """The value at a simple JSONPath ($, $.a.b, $.a[0], $['a-b']); None when absent."""
    if path in ("$", ""):
        return document
    current = document
    for name, index in re.findall(r"\.([^.\[\]]+)|\[['\"]?([^\]'\"]+)['\"]?\]", path[1:]):
        key = name or index
        if isinstance(current, list) and key.lstrip("-").isdigit():
            position = int(key)
            current = current[position] if -len(current) <= position < len(current) else None
        elif isinstance(current, dict):
            current = current.get(key)
        else:
            return None
    return current


def rule_input(target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> str:
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath"):
        return json.dumps(json_path(event, target["InputPath"]))
    transformer = target.get("InputTransformer")
    if transformer:
        return transform(transformer, event, rule_arn)
    return json.dumps(event)


def transform(transformer: dict[str, Any], event: dict[str, Any], rule_arn: str) -> str:
    values = {name: json_path(event, path) for name, path in (transformer.get("InputPathsMap") or {}).items()}
    values.update({"aws.events.event": event, "aws.events.event.json": event, "aws.events.rule-arn": rule_arn,
                   "aws.events.rule-name": rule_arn.rsplit("/", 1)[-1],
                   "aws.events.event.ingestion-time": event.get("time")})
    template = transformer.get("InputTemplate", "")
    out, in_string, escaped, index = [], False, False, 0
    while index < len(template):
        char = template[index]
        placeholder = re.match(r"<([A-Za-z0-9_.\-]+)>", template[index:]) if char == "<" else None
        if placeholder and placeholder.group(1) in values:
            value = values[placeholder.group(1)]
            if in_string:  # inside "...": the value's text, no quotes (a string) or its JSON (anything else)
                text = value if isinstance(value, str) else ("" if value is None else json.dumps(value))
                out.append(json.dumps(text)[1:-1])
            else:
                out.append(json.dumps(value))
            index += len(placeholder.group(0))
            continue
        if in_string and char == "\\" and not escaped:
            escaped = True
        else:
            if char == '"' and not escaped:
                in_string = not in_string
            escaped = False
        out.append(char)
        index += 1
    return "".join(out)


# -- delivery -------------------------------------------------------------------------------------------
_stopping = threading.Event()


def submit(delivery: Delivery) -> None:
    """Deliver now on a short-lived thread, so a slow target never holds up PutEvents or the scheduler."""
    delivery.outbox_id = outbox.add(OUTBOX_KIND, delivery)
    _start(delivery)


def _start(delivery: Delivery) -> None:
    threading.Thread(target=_attempt, args=(delivery,), name="eventbridge-delivery", daemon=True).start()


def _resume(item_id: str, delivery: Delivery) -> None:
    delivery.outbox_id = item_id
    wait = (delivery.next_try_at or 0) - time.time()
    if wait > 0:
        timer = threading.Timer(wait, _attempt, args=(delivery,))
        timer.daemon = True
        timer.start()
    else:
        _start(delivery)


outbox.register(OUTBOX_KIND, _resume)


def stop() -> None:
    """Retries not yet due stay in the outbox (saved) instead of firing during shutdown."""
    _stopping.set()


def _attempt(delivery: Delivery) -> None:
    if _stopping.is_set():
        return  # stays in the outbox, saved with the state
    try:
        if _attempt_once(delivery):
            outbox.done(OUTBOX_KIND, delivery.outbox_id)
    except Exception:
        log.exception("EventBridge delivery from %s failed in localcloud; it stays pending", delivery.source)


def _attempt_once(delivery: Delivery) -> bool:
    """One try; True when the delivery ended (delivered, dead-lettered or dropped)."""
    delivery.attempts += 1
    started = time.perf_counter()
    arn = delivery.target.get("Arn", "")
    try:
        detail = _send(delivery)
        trace.record(delivery.source, arn, "ok", latency_ms=(time.perf_counter() - started) * 1000,
                     attempts=delivery.attempts, detail=detail)
        return True
    except DeliveryFailed as exc:
        failure = exc
    except Exception as exc:  # a bug or moto's own exception: retry as AWS would a target error
        failure = DeliveryFailed("InternalException", f"{type(exc).__name__}: {exc}")
    latency = (time.perf_counter() - started) * 1000
    policy = delivery.target.get("RetryPolicy") or {}
    max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_ATTEMPTS))
    max_age = float(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE))
    age = clock().now() - delivery.first_attempt
    delay = min(MAX_BACKOFF, 2.0 ** (delivery.attempts - 1)) * random.uniform(0.8, 1.2)
    if failure.retryable and delivery.attempts <= max_retries and age + delay <= max_age:
        trace.record(delivery.source, arn, "retrying", latency_ms=latency, attempts=delivery.attempts,
                     detail=f"{failure.code}: {failure}; next attempt in {delay:.1f} local s")
        delivery.next_try_at = time.time() + clock().wall_seconds(delay)
        timer = threading.Timer(clock().wall_seconds(delay), _attempt, args=(delivery,))
        timer.daemon = True
        timer.start()
        return False
    exhausted = "MaximumEventAgeInSeconds" if age + delay > max_age else "MaximumRetryAttempts"
    _dead_letter(delivery, failure, exhausted if failure.retryable else "", latency)
    return True


def _metric(delivery: Delivery, name: str) -> None:
    """A rule's AWS/Events metric (eb-monitoring.html): FailedInvocations for a delivery that ended without
    reaching its target, InvocationsSentToDLQ / InvocationsFailedToBeSentToDLQ for its dead-lettering."""
    if delivery.source_attribute != "RULE_ARN" or ":rule/" not in delivery.source:
        return
    from datetime import UTC, datetime

    from localcloud.moto_adapter import cloudwatch_backends
    from localcloud.state import changes

    try:
        metrics = cloudwatch_backends[delivery.account_id][delivery.region]
        # moto keeps metric timestamps as naive UTC (its utcnow())
        metrics.put_metric_data("AWS/Events", [{
            "MetricName": name, "Value": 1.0, "Unit": "Count", "Timestamp": datetime.now(UTC).replace(tzinfo=None),
            "Dimensions": [{"Name": "RuleName", "Value": delivery.source.rsplit("/", 1)[-1]}]}])
        changes.mark("cloudwatch")
    except Exception:  # a metric is a side note: never let it change the delivery's outcome
        log.debug("could not record %s for %s", name, delivery.source, exc_info=True)


def _dead_letter(delivery: Delivery, failure: DeliveryFailed, exhausted: str, latency: float) -> None:
    arn = delivery.target.get("Arn", "")
    dlq = (delivery.target.get("DeadLetterConfig") or {}).get("Arn")
    _metric(delivery, "FailedInvocations")
    if not dlq:
        trace.record(delivery.source, arn, "dropped", latency_ms=latency, attempts=delivery.attempts,
                     detail=f"{failure.code}: {failure} (no DeadLetterConfig on the target)")
        return
    attributes = {delivery.source_attribute: delivery.source, "TARGET_ARN": arn, "ERROR_CODE": failure.code,
                  "ERROR_MESSAGE": str(failure)[:256], "RETRY_ATTEMPTS": str(delivery.attempts - 1)}
    if exhausted:
        attributes["EXHAUSTED_RETRY_CONDITION"] = exhausted
    context = DeliveryContext(source=delivery.source, account_id=delivery.account_id, region=delivery.region,
                              message_attributes={k: {"DataType": "String", "StringValue": v}
                                                  for k, v in attributes.items()}, record=False)
    try:
        _check_dlq(delivery, dlq)
        deliver(dlq, delivery.payload, context)
        trace.record(delivery.source, arn, "dead-lettered", latency_ms=latency, attempts=delivery.attempts,
                     detail=f"{failure.code}: {failure}; sent to {dlq}")
        _metric(delivery, "InvocationsSentToDLQ")
    except Exception as exc:
        _metric(delivery, "InvocationsFailedToBeSentToDLQ")
        trace.record(delivery.source, arn, "dropped", latency_ms=latency, attempts=delivery.attempts,
                     detail=f"{failure.code}: {failure}; the DLQ {dlq} refused it too: {exc}")


def _send(delivery: Delivery) -> str:
    """One attempt through the delivery layer; its TargetError becomes EventBridge's error code."""
    arn = delivery.target["Arn"]
    if arn.count(":") < 5:
        raise DeliveryFailed("InvalidArn", f"{arn!r} is not an ARN", retryable=False)
    service = arn.split(":", 5)[2]
    if service not in ("states", "sqs", "lambda", "sns"):
        raise DeliveryFailed("UnsupportedTarget", f"localcloud delivers EventBridge events to Lambda, Step "
                             f"Functions, SQS and SNS targets, not {service}", retryable=False)
    _check_permission(delivery, arn, service)
    context = DeliveryContext(source=delivery.source, account_id=delivery.account_id, region=delivery.region,
                              message_group_id=(delivery.target.get("SqsParameters") or {}).get("MessageGroupId"),
                              record=False)  # _attempt_once records the outcome with its attempts
    try:
        result = deliver(arn, delivery.payload, context)
    except TargetError as exc:
        # Step Functions errors keep their own name (StateMachineDoesNotExist); Lambda and SNS say whether
        # the target is gone or the hand-over failed.
        code = exc.cause if service == "states" else exc.code if service == "sqs" else (
            "InternalException" if exc.retryable else "ResourceNotFoundException")
        raise DeliveryFailed(code, str(exc), retryable=exc.retryable) from exc
    role = delivery.target.get("RoleArn")
    if service == "states" or delivery.source_attribute == "SCHEDULE_ARN":
        return f"{result.detail} as {role}".strip()
    return ""


# The action each target kind is delivered with (the target's resource policy or the role must allow it).
_ACTIONS = {"lambda": "lambda:InvokeFunction", "sqs": "sqs:SendMessage", "sns": "sns:Publish",
            "states": "states:StartExecution"}
# EventBridge's DLQ ERROR_CODE for a delivery IAM refused (eb-rule-dlq.html lists NO_PERMISSIONS): not
# retried, "until action is taken to resolve the underlying issue".
NO_PERMISSIONS = "NO_PERMISSIONS"


def _check_permission(delivery: Delivery, arn: str, service: str) -> None:
    """Who AWS evaluates for this delivery (eb-use-resource-based.html, scheduler's
    setting-up.html#setting-up-execution-role): a rule's Lambda, SQS and SNS targets by their resource
    policy, for events.amazonaws.com with aws:SourceArn = the rule; a rule's Step Functions target, and
    every Scheduler target, as the target's RoleArn."""
    if delivery.source_attribute == "SCHEDULE_ARN" or service == "states":
        _check_role(delivery, arn, service)
        return
    from localcloud.events.policies import target_exists
    from localcloud.iam.delivery import service_principal

    if not target_exists(arn):
        return  # the delivery itself fails with ResourceNotFoundException
    account = arn.split(":", 5)[4] or delivery.account_id
    denied = service_principal("events.amazonaws.com", _ACTIONS[service], arn, source_arn=delivery.source,
                               source_account=delivery.account_id or account,
                               region=arn.split(":", 5)[3] or delivery.region,
                               operation=f"EventBridge rule {delivery.source} -> {arn}")
    if denied:
        raise DeliveryFailed(NO_PERMISSIONS, denied, retryable=False)


def _check_role(delivery: Delivery, arn: str, service: str) -> None:
    role = delivery.target.get("RoleArn")
    who = "Scheduler" if delivery.source_attribute == "SCHEDULE_ARN" else "EventBridge"
    if not role:
        raise DeliveryFailed(NO_PERMISSIONS, f"Target {arn} needs a RoleArn that {who} can assume, allowed "
                             f"{_ACTIONS[service]} on the target", retryable=False)
    account = arn.split(":", 5)[4] or delivery.account_id
    if not _role_exists(role, account):
        raise DeliveryFailed(NO_PERMISSIONS, f"The target's role {role} does not exist", retryable=False)
    from localcloud.iam.enforcement import authorize_role

    region = arn.split(":", 5)[3] or delivery.region
    session = "scheduler-target" if who == "Scheduler" else "events-target"
    denied = authorize_role(role, session, _ACTIONS[service], arn, region,
                            operation=f"{who} {delivery.source} -> {arn} as {role}")
    if denied:  # the service calls the target as that role: the role needs the permission
        raise DeliveryFailed(NO_PERMISSIONS, denied, retryable=False)


def _check_dlq(delivery: Delivery, dlq: str) -> None:
    """The DLQ is written like a target: a rule's by events.amazonaws.com under the queue's policy
    (eb-rule-dlq.html, "Granting permissions to the dead-letter queue"), a schedule's as its execution role
    (Scheduler's configuring-schedule-dlq.html: the role needs sqs:SendMessage on the queue)."""
    if delivery.source_attribute == "SCHEDULE_ARN":
        from localcloud.iam.enforcement import authorize_role

        role = delivery.target.get("RoleArn") or ""
        denied = authorize_role(role, "scheduler-target", "sqs:SendMessage", dlq,
                                dlq.split(":", 5)[3] or delivery.region,
                                operation=f"Scheduler {delivery.source} -> dead-letter queue {dlq} as {role}") \
            if role else "the schedule has no RoleArn"
    else:
        from localcloud.iam.delivery import service_principal

        denied = service_principal("events.amazonaws.com", "sqs:SendMessage", dlq, source_arn=delivery.source,
                                   source_account=delivery.account_id, region=dlq.split(":", 5)[3] or delivery.region,
                                   operation=f"EventBridge rule {delivery.source} -> dead-letter queue {dlq}")
    if denied:
        raise DeliveryFailed(NO_PERMISSIONS, denied, retryable=False)


def _role_exists(role_arn: str, account: str) -> bool:
    from localcloud.moto_adapter import iam_backends

    name = role_arn.rsplit("/", 1)[-1]
    try:
        iam_backends[account]["global"].get_role(name)
        return True
    except Exception:
        return False
