"""EventBridge as its API reference describes it: TestEventPattern (API_TestEventPattern) answers whether
a pattern matches an event, with the same matcher the rules use."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

EVENT = {"id": "1", "account": "123456789012", "source": "orders", "time": "2024-01-01T00:00:00Z",
         "region": "us-east-1", "detail-type": "created", "detail": {"total": 12, "state": "NEW"}}  # no resources


WITHOUT_ACCOUNT = {k: v for k, v in EVENT.items() if k != "account"}


@pytest.fixture(scope="module")
def events(cloud):
    return cloud.client("events")


@pytest.mark.parametrize("pattern, result", [
    ({"source": ["orders"]}, True),
    ({"source": ["payments"]}, False),
    ({"detail": {"total": [{"numeric": [">", 10]}]}}, True),
    ({"detail": {"state": [{"anything-but": "NEW"}]}}, False),
    ({"detail": {"state": [{"prefix": "NE"}]}}, True),
])
def test_test_event_pattern_answers_whether_the_pattern_matches(events, pattern, result):
    answer = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(EVENT))
    assert answer["Result"] is result


def test_an_event_without_its_mandatory_fields_is_not_valid(events):
    partial = WITHOUT_ACCOUNT
    with pytest.raises(ClientError) as caught:
        events.test_event_pattern(EventPattern=json.dumps({"source": ["orders"]}), Event=json.dumps(partial))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["Error"]["Message"] == "Parameter Event is not valid."


@pytest.mark.parametrize("pattern", ['["not", "an", "object"]', "{'bad': 'json'}", '{"source": [{"prefix": 5}]}'])
def test_an_invalid_pattern_is_an_invalid_event_pattern(events, pattern):
    with pytest.raises(ClientError) as caught:  # judged before the event, which here lacks its account
        events.test_event_pattern(EventPattern=pattern, Event=json.dumps(WITHOUT_ACCOUNT))
    assert caught.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert caught.value.response["Error"]["Message"].startswith("Event pattern is not valid. Reason: ")


# API_CreateSchedule / API_PutRule: a schedule expression is rate(value unit), cron(six fields) or, for
# Scheduler, at(yyyy-mm-ddThh:mm:ss); AWS refuses anything looser.
@pytest.mark.parametrize("expression", [" rate(10 minutes)", "rate( 10 minutes )", "at(2021-12-31T23:59:59Z)",
                                        "at(2021-12-31)", "rate(10 minutess)", "cron(0 1 * * * *)"])
def test_a_loose_schedule_expression_is_refused(cloud, expression):
    scheduler = cloud.client("scheduler")
    with pytest.raises(ClientError) as caught:
        scheduler.create_schedule(Name="s-" + __import__("uuid").uuid4().hex[:8], ScheduleExpression=expression,
                                  FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": "arn:aws:sqs:us-east-1:123456789012:q",
                                          "RoleArn": "arn:aws:iam::123456789012:role/r"})
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["Error"]["Message"] == f"Invalid Schedule Expression {expression}."
