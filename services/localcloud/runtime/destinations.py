"""Where an asynchronous invocation's outcome goes: the dead-letter queue and the invoke config's
on-success / on-failure destinations (SQS, SNS, Lambda, EventBridge), in AWS's shapes.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html (destination envelope)
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq (DLQ)
Every record goes through the one delivery layer (events/targets.py), in-process: no loopback HTTP.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from localcloud.events.targets import DeliveryContext, TargetError, deliver

if TYPE_CHECKING:
    from localcloud.runtime.invocation import AsyncEvent, InvocationResult

log = logging.getLogger("localcloud.lambda.destinations")


def _payload_json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode("utf-8", "replace")


def envelope(event: AsyncEvent, condition: str, result: InvocationResult | None,
             error: dict | None) -> dict:
    spec = event.spec
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": spec.version}
    if error is not None:
        response_context["functionError"] = "Unhandled"
    document = {
        "version": "1.0",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {"requestId": event.request_id, "functionArn": spec.qualified_arn,
                           "condition": condition, "approximateInvokeCount": max(1, event.attempts)},
        "requestPayload": _payload_json(event.payload),
        "responseContext": response_context,
    }
    if error is not None:
        document["responsePayload"] = error
    elif result is not None:
        document["responsePayload"] = _payload_json(result.payload)
    return document


def _context(event: AsyncEvent, success: bool, attributes: dict[str, str] | None) -> DeliveryContext:
    outcome = "Success" if success else "Failure"
    return DeliveryContext(
        source=f"lambda:{event.spec.qualified_arn}", account_id=event.spec.account_id, region=event.spec.region,
        message_attributes={k: {"DataType": "Number" if k == "ErrorCode" else "String", "StringValue": v}
                            for k, v in (attributes or {}).items()},
        # An event-bus destination gets the record as the detail of a "Lambda Function Invocation Result".
        event_source="lambda", detail_type=f"Lambda Function Invocation Result - {outcome}")


def _deliver(event: AsyncEvent, arn: str, body: str, success: bool,
             attributes: dict[str, str] | None = None) -> None:
    from localcloud.events import trace
    from localcloud.iam.delivery import execution_role_may_send

    denied = execution_role_may_send(event.spec.role, event.spec.name, arn, event.spec.region,
                                     f"Lambda {event.spec.qualified_arn}: async invocation record -> {arn}")
    if denied:  # Lambda sends as the execution role; without the permission the record is lost
        trace.record(f"lambda:{event.spec.qualified_arn}", arn, "dropped", detail=denied)
        log.warning("the outcome of an async invoke of %s is dropped: %s", event.spec.name, denied)
        return
    try:
        deliver(arn, body, _context(event, success, attributes))
    except TargetError as exc:
        # AWS drops the record too when the destination is gone; say so in the server log.
        log.warning("could not deliver the outcome of an async invoke to %s (%s); the record is dropped",
                    arn, exc)


def on_success(event: AsyncEvent, result: InvocationResult) -> None:
    target = (event.spec.event_invoke_config.get("DestinationConfig") or {}).get("OnSuccess", {})
    if target.get("Destination"):
        _deliver(event, target["Destination"], json.dumps(envelope(event, "Success", result, None)), True)


def on_failure(event: AsyncEvent, condition: str,
               result: InvocationResult | None, error: dict | None = None) -> None:
    log.info("async invoke %s of %s failed for good (%s)", event.request_id, event.spec.name, condition)
    if event.spec.dead_letter_arn:
        # The DLQ gets the original event, with the failure in message attributes.
        message = (error or {}).get("errorMessage", condition)
        _deliver(event, event.spec.dead_letter_arn, event.payload.decode("utf-8", "replace"), False,
                 {"RequestID": event.request_id, "ErrorCode": "200", "ErrorMessage": message[:1024] or condition})
    target = (event.spec.event_invoke_config.get("DestinationConfig") or {}).get("OnFailure", {})
    if target.get("Destination"):
        _deliver(event, target["Destination"], json.dumps(envelope(event, condition, result, error)), False)
