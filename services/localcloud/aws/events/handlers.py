"""EventBridge operations where moto's behaviour is not AWS's.

PutEvents: moto delivers matches inline and only to SQS/logs/archives; we match every enabled rule of the
bus with the full pattern syntax (events/eventbridge_patterns.py) and deliver through
events/eventbridge_targets.py (Lambda, Step Functions, SQS, SNS, input shaping, retries, DLQ).
PutRule: AWS validates the schedule expression and the pattern; moto accepts anything.
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from localcloud.aws.registry import handles, json_response
from localcloud.events import trace
from localcloud.events.eventbridge_patterns import InvalidPattern, matches
from localcloud.events.eventbridge_targets import Delivery, rule_input, submit
from localcloud.events.schedules import InvalidSchedule, validate
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

MAX_ENTRIES = 10


def _time(value: object) -> str:
    if isinstance(value, (int, float)):
        moment = dt.datetime.fromtimestamp(value, dt.UTC)
    elif isinstance(value, str) and value:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        moment = dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _check(entry: dict) -> dict | None:
    for field in ("Source", "DetailType", "Detail"):
        if not entry.get(field):
            return {"ErrorCode": "InvalidArgument",
                    "ErrorMessage": f"Parameter {field} is not valid. Reason: {field} is a required argument."}
    try:
        detail = json.loads(entry["Detail"])
    except ValueError:
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    if not isinstance(detail, dict):
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    return None


@handles("events", "PutEvents")
def put_events(request: AwsRequest):
    from moto.events.models import events_backends

    entries = request.json().get("Entries") or []
    if len(entries) > MAX_ENTRIES:
        return aws_error("events", 400, "ValidationException",
                         "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed to "
                         "satisfy constraint: Member must have length less than or equal to 10")
    backend = events_backends[request.account_id][request.region]
    results, failed = [], 0
    for entry in entries:
        problem = _check(entry)
        if problem:
            failed += 1
            results.append(problem)
            continue
        bus_name = (entry.get("EventBusName") or "default").rsplit("/", 1)[-1]
        bus = backend.event_buses.get(bus_name)
        if bus is None:
            failed += 1
            results.append({"ErrorCode": "ResourceNotFoundException",
                            "ErrorMessage": f"Event bus {bus_name} does not exist."})
            continue
        event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": entry["DetailType"],
                 "source": entry["Source"], "account": request.account_id, "time": _time(entry.get("Time")),
                 "region": request.region, "resources": entry.get("Resources") or [],
                 "detail": json.loads(entry["Detail"])}
        results.append({"EventId": event["id"]})
        for rule in list(bus.rules.values()):
            pattern = rule.event_pattern.get_pattern() if rule.event_pattern else None
            if rule.state != "ENABLED" or not pattern:
                continue
            try:
                matched = matches(pattern, event)
            except InvalidPattern:
                matched = False
            if not matched:  # the trace says so, so a test (or a person) sees the event was decided on
                trace.record(rule.arn, "-", "filtered", detail=f"event {event['id']} ({event['source']}, "
                             f"{event['detail-type']}) does not match the rule's pattern")
                continue
            for target in list(rule.targets):
                submit(Delivery(rule.arn, target, rule_input(target, event, rule.arn), request.account_id,
                                request.region))
    return json_response({"FailedEntryCount": failed, "Entries": results})


@handles("events", "PutRule")
def put_rule(request: AwsRequest):
    params = request.json()
    expression = params.get("ScheduleExpression")
    if expression:
        try:
            validate(expression)
        except InvalidSchedule:
            return aws_error("events", 400, "ValidationException", "Parameter ScheduleExpression is not valid.")
    if params.get("EventPattern"):
        try:
            pattern = json.loads(params["EventPattern"])
            matches(pattern, {})
        except (ValueError, InvalidPattern) as exc:
            return aws_error("events", 400, "InvalidEventPatternException", f"Event pattern is not valid. Reason: {exc}")
    return None  # moto stores the rule
