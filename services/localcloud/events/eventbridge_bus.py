"""One event onto an EventBridge bus: build the event, match every enabled rule of the bus, hand each
matching rule's targets to events/eventbridge_targets.py (input shaping, retries, DLQ).

Shared by PutEvents (aws/events/handlers.py) and by the delivery layer's event-bus targets (Lambda
destinations, S3's EventBridge notifications), so an event reaches rules the same way from every source.
The layer finds it as host.subsystems["eventbridge"] (installed below) rather than importing it: this
module hands matches to eventbridge_targets, which delivers through the layer.
moto matches inline and only to SQS, logs and archives; we use the full pattern syntax
(events/eventbridge_patterns.py). https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from localcloud.events import trace
from localcloud.events.eventbridge_patterns import InvalidPattern, matches
from localcloud.events.eventbridge_targets import Delivery, rule_input, submit
from localcloud.host import Host


class BusNotFound(LookupError):
    """No bus of that name in the account and region (PutEvents' ResourceNotFoundException)."""


def event_time(value: object) -> str:
    if isinstance(value, (int, float)):
        moment = dt.datetime.fromtimestamp(value, dt.UTC)
    elif isinstance(value, str) and value:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        moment = dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def put_event(account_id: str, region: str, bus_name: str, *, source: str, detail_type: str,
              detail: str | dict[str, Any], resources: list[str] | None = None, time: object = None) -> str:
    """Put one event on the bus; returns its id. Raises BusNotFound."""
    from localcloud.moto_adapter import events_backends

    bus = events_backends[account_id][region].event_buses.get(bus_name or "default")
    if bus is None:
        raise BusNotFound(f"Event bus {bus_name} does not exist.")
    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": source,
             "account": account_id, "time": event_time(time), "region": region, "resources": resources or [],
             "detail": json.loads(detail) if isinstance(detail, str) else detail}
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
            submit(Delivery(rule.arn, target, rule_input(target, event, rule.arn), account_id, region))
    return event["id"]


class EventBuses:
    """put_event as the app's "eventbridge" subsystem, for the delivery layer's event-bus targets."""

    put_event = staticmethod(put_event)


def install(app: Host) -> EventBuses:
    return app.subsystems.put("eventbridge", EventBuses())
