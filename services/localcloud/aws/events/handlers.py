"""EventBridge operations where moto's behaviour is not AWS's.

PutEvents: moto delivers matches inline and only to SQS/logs/archives; each entry goes onto its bus
through events/eventbridge_bus.py (full pattern syntax, then events/eventbridge_targets.py: input
shaping, retries, DLQ), the path the delivery layer's event-bus targets take too.
PutRule: AWS validates the schedule expression and the pattern; moto accepts anything.
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
"""

from __future__ import annotations

import json

from localcloud.aws.registry import handles, json_response
from localcloud.events.eventbridge_bus import BusNotFound, put_event
from localcloud.events.eventbridge_patterns import InvalidPattern, matches, validate as validate_pattern
from localcloud.events.schedules import InvalidSchedule, validate
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

MAX_ENTRIES = 10


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
    entries = request.json().get("Entries") or []
    if len(entries) > MAX_ENTRIES:
        return aws_error("events", 400, "ValidationException",
                         "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed to "
                         "satisfy constraint: Member must have length less than or equal to 10")
    results, failed = [], 0
    for entry in entries:
        problem = _check(entry)
        if problem:
            failed += 1
            results.append(problem)
            continue
        bus_name = (entry.get("EventBusName") or "default").rsplit("/", 1)[-1]
        try:
            event_id = put_event(request.account_id, request.region, bus_name, source=entry["Source"],
                                 detail_type=entry["DetailType"], detail=entry["Detail"],
                                 resources=entry.get("Resources"), time=entry.get("Time"))
        except BusNotFound as exc:
            failed += 1
            results.append({"ErrorCode": "ResourceNotFoundException", "ErrorMessage": str(exc)})
            continue
        results.append({"EventId": event_id})
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
            validate_pattern(json.loads(params["EventPattern"]))
        except (ValueError, InvalidPattern) as exc:
            return aws_error("events", 400, "InvalidEventPatternException", f"Event pattern is not valid. Reason: {exc}")
    return None  # moto stores the rule


# API_TestEventPattern: the event must carry id, account, source, time, region and detail-type. (The reference
# lists resources as mandatory too, but AWS answers events without it.) The pattern is judged first: an
# invalid pattern is InvalidEventPatternException whatever the event. moto answered an empty body (no
# Result); the rules' own matcher decides here, so a pattern tested here matches what PutEvents delivers.
EVENT_MANDATORY_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


@handles("events", "TestEventPattern")
def test_event_pattern(request: AwsRequest):
    params = request.json()
    try:
        pattern = json.loads(params.get("EventPattern") or "")
        validate_pattern(pattern)
    except (ValueError, InvalidPattern) as exc:
        return aws_error("events", 400, "InvalidEventPatternException", f"Event pattern is not valid. Reason: {exc}")
    try:
        event = json.loads(params.get("Event") or "")
    except ValueError:
        event = None
    if not isinstance(event, dict) or any(field not in event for field in EVENT_MANDATORY_FIELDS):
        return aws_error("events", 400, "ValidationException", "Parameter Event is not valid.")
    try:
        result = matches(pattern, event)
    except InvalidPattern as exc:
        return aws_error("events", 400, "InvalidEventPatternException", f"Event pattern is not valid. Reason: {exc}")
    return json_response({"Result": bool(result)})
