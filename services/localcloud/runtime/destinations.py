"""Where an asynchronous invocation's outcome goes: the dead-letter queue and the invoke config's
on-success / on-failure destinations (SQS, SNS, Lambda, EventBridge), in AWS's shapes.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html (destination envelope)
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq (DLQ)
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localcloud.runtime.async_invoke import AsyncEvent
    from localcloud.runtime.service import InvocationResult, LambdaService

log = logging.getLogger("localcloud.lambda.destinations")
_clients_lock = threading.Lock()


@cache
def _client(service: str, region: str, endpoint: str) -> Any:
    import boto3

    with _clients_lock:  # boto3's session setup is not thread-safe
        return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint,
                                              aws_access_key_id="test", aws_secret_access_key="test")


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


def _send(service: LambdaService, arn: str, body: str, success: bool,
          attributes: dict[str, str] | None = None) -> None:
    parts = arn.split(":")
    kind, region, account = parts[2], parts[3], parts[4]
    endpoint = service.settings.endpoint
    if kind == "sqs":
        client = _client("sqs", region, endpoint)
        url = client.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=account)["QueueUrl"]
        extra = {}
        if attributes:
            extra["MessageAttributes"] = {
                k: {"DataType": "Number" if k == "ErrorCode" else "String", "StringValue": v}
                for k, v in attributes.items()}
        client.send_message(QueueUrl=url, MessageBody=body, **extra)
    elif kind == "sns":
        extra = {}
        if attributes:
            extra["MessageAttributes"] = {
                k: {"DataType": "Number" if k == "ErrorCode" else "String", "StringValue": v}
                for k, v in attributes.items()}
        _client("sns", region, endpoint).publish(TopicArn=arn, Message=body, **extra)
    elif kind == "lambda":
        service.invoke(arn, body.encode(), "Event", account_id=account, region=region)
    elif kind == "events":
        outcome = "Success" if success else "Failure"
        _client("events", region, endpoint).put_events(Entries=[{
            "Source": "lambda", "DetailType": f"Lambda Function Invocation Result - {outcome}",
            "Detail": body, "EventBusName": arn, "Resources": []}])
    else:
        log.warning("destination %s is of a kind Lambda cannot send to; nothing was sent", arn)


def _deliver(service: LambdaService, arn: str, body: str, success: bool,
             attributes: dict[str, str] | None = None) -> None:
    try:
        _send(service, arn, body, success, attributes)
    except Exception as exc:  # noqa: BLE001  (any failure: log it, keep the queue going)
        # AWS drops the record too when the destination is gone; say so in the server log.
        log.warning("could not deliver the outcome of an async invoke to %s (%s); the record is dropped",
                    arn, exc)


def on_success(service: LambdaService, event: AsyncEvent, result: InvocationResult) -> None:
    target = (event.spec.event_invoke_config.get("DestinationConfig") or {}).get("OnSuccess", {})
    if target.get("Destination"):
        _deliver(service, target["Destination"], json.dumps(envelope(event, "Success", result, None)), True)


def on_failure(service: LambdaService, event: AsyncEvent, condition: str,
               result: InvocationResult | None, error: dict | None = None) -> None:
    log.info("async invoke %s of %s failed for good (%s)", event.request_id, event.spec.name, condition)
    if event.spec.dead_letter_arn:
        # The DLQ gets the original event, with the failure in message attributes.
        message = (error or {}).get("errorMessage", condition)
        _deliver(service, event.spec.dead_letter_arn, event.payload.decode("utf-8", "replace"), False,
                 {"RequestID": event.request_id, "ErrorCode": "200", "ErrorMessage": message[:1024] or condition})
    target = (event.spec.event_invoke_config.get("DestinationConfig") or {}).get("OnFailure", {})
    if target.get("Destination"):
        _deliver(service, target["Destination"], json.dumps(envelope(event, condition, result, error)), False)
