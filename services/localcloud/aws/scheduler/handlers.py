"""EventBridge Scheduler: AWS validates the schedule expression and its time zone; moto does not.

https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html (ValidationException)
"""

from __future__ import annotations

from localcloud.aws.registry import handles
from localcloud.events.schedules import InvalidSchedule, validate
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest


@handles("scheduler", "CreateSchedule", "UpdateSchedule")
def check_schedule(request: AwsRequest):
    params = request.json()
    expression = params.get("ScheduleExpression", "")
    timezone = params.get("ScheduleExpressionTimezone") or "UTC"
    try:
        validate(expression, timezone)
    except InvalidSchedule:
        return aws_error("scheduler", 400, "ValidationException", f"Invalid Schedule Expression {expression}.")
    except Exception:
        return aws_error("scheduler", 400, "ValidationException", f"Invalid time zone: {timezone}.")
    return None
