"""Metric filters and alarms on the local clock (60x here), end to end into the mailbox.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html,
.../monitoring/AlarmThatSendsEmail.html (evaluation, TreatMissingData), .../API_DescribeAlarmHistory.html.
"""

from __future__ import annotations

import json
import time
import uuid

from support import wait_for

LOGS_AN_ERROR = ("import json\n\ndef handler(event, context):\n"
                 "    print(json.dumps({'level': event.get('level', 'INFO'), 'msg': 'payment failed'}))\n")


def _state(cw, name: str) -> str:
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


def _transitions(cw, name: str) -> list[str]:
    """The alarm's state changes, oldest first ("OK to ALARM"), from DescribeAlarmHistory."""
    history = cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate",
                                        ScanBy="TimestampAscending")["AlarmHistoryItems"]
    return [h["HistorySummary"].removeprefix("Alarm updated from ") for h in history]


def test_an_error_logged_by_a_function_raises_the_alarm_and_mails_ops(events_cloud, events_functions):
    logs, cw, sns = (events_cloud.client(s) for s in ("logs", "cloudwatch", "sns"))
    name = events_functions.create(LOGS_AN_ERROR)
    group = f"/aws/lambda/{name}"
    logs.create_log_group(logGroupName=group)
    namespace = f"App{uuid.uuid4().hex[:6]}"
    logs.put_metric_filter(logGroupName=group, filterName="errors", filterPattern='{ $.level = "ERROR" }',
                           metricTransformations=[{"metricName": "Errors", "metricNamespace": namespace,
                                                   "metricValue": "1", "defaultValue": 0}])
    topic = sns.create_topic(Name=f"ops-{uuid.uuid4().hex[:6]}")["TopicArn"]
    address = f"ops-{uuid.uuid4().hex[:6]}@example.com"
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address)
    alarm = f"errors-{uuid.uuid4().hex[:6]}"
    cw.put_metric_alarm(AlarmName=alarm, Namespace=namespace, MetricName="Errors", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData="notBreaching", AlarmActions=[topic], AlarmDescription="payments failing")
    events_functions.invoke(name, {"level": "INFO"})
    # A new alarm starts in INSUFFICIENT_DATA, as on AWS; the evaluator may already have moved it (a state
    # read now is a race), so the history says where it started.
    wait_for(lambda: _transitions(cw, alarm) == ["INSUFFICIENT_DATA to OK"], what="the alarm to settle at OK")
    events_functions.invoke(name, {"level": "ERROR"})
    # The history, not the state: one errored minute (a wall second here) later the alarm is OK again.
    wait_for(lambda: _transitions(cw, alarm)[:2] == ["INSUFFICIENT_DATA to OK", "OK to ALARM"],
             what="the alarm to fire")

    def mail() -> dict | None:
        answer = events_cloud.cli("mailbox", "--json", "--state-dir", str(events_cloud.settings.state_dir))
        return next((m for m in json.loads(answer.stdout or "[]") if m["to"] == address
                     and m["kind"] == "notification"), None)

    message = wait_for(mail, what="the alarm e-mail")
    assert message["subject"] == f'ALARM: "{alarm}" in US East (N. Virginia)'
    body = json.loads(message["body"].split("\n\n--\n", 1)[0])
    assert body["AlarmName"] == alarm and body["NewStateValue"] == "ALARM" and body["OldStateValue"] == "OK"
    assert body["AlarmDescription"] == "payments failing" and body["AWSAccountId"] == "123456789012"
    assert body["NewStateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoint")
    assert body["Trigger"] == {
        "MetricName": "Errors", "Namespace": namespace, "StatisticType": "Statistic", "Statistic": "SUM",
        "Unit": None, "Dimensions": [], "Period": 60, "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1.0, "TreatMissingData": "notBreaching",
        "EvaluateLowSampleCountPercentile": ""}


def test_missing_data_treatments_move_an_alarm_out_of_a_state_set_by_hand(events_cloud):
    """A metric with no data: each alarm is first put by SetAlarmState into a state its treatment must leave
    (AWS: "the alarm state returns to its actual state" at the next evaluation), so every case is a real
    transition seen in the alarm's history, not the state a new alarm starts in."""
    cw = events_cloud.client("cloudwatch")
    namespace = f"Quiet{uuid.uuid4().hex[:6]}"
    cases = (("breaching", "OK", "ALARM"), ("notBreaching", "ALARM", "OK"), ("missing", "OK", "INSUFFICIENT_DATA"))
    for treatment, start, _ in cases:
        name = f"{namespace}-{treatment}"
        cw.put_metric_alarm(AlarmName=name, Namespace=namespace, MetricName="Nothing", Statistic="Sum", Period=60,
                            EvaluationPeriods=2, Threshold=1, TreatMissingData=treatment,
                            ComparisonOperator="GreaterThanThreshold")
        cw.set_alarm_state(AlarmName=name, StateValue=start, StateReason="set by the test")
    for treatment, start, expected in cases:
        name = f"{namespace}-{treatment}"

        def moved(name: str = name, start: str = start, expected: str = expected) -> bool:
            history = cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
            return f"Alarm updated from {start} to {expected}" in [h["HistorySummary"] for h in history]

        wait_for(moved, what=f"{treatment}: {start} -> {expected}")
        assert _state(cw, name) == expected


def test_term_and_space_delimited_filters_count_put_log_events(events_cloud):
    logs, cw = events_cloud.client("logs"), events_cloud.client("cloudwatch")
    group, namespace = f"/app/{uuid.uuid4().hex[:6]}", f"Web{uuid.uuid4().hex[:6]}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_metric_filter(logGroupName=group, filterName="problems", filterPattern="?ERROR ?WARN",
                           metricTransformations=[{"metricName": "Problems", "metricNamespace": namespace,
                                                   "metricValue": "1"}])
    logs.put_metric_filter(logGroupName=group, filterName="bytes", filterPattern="[ip, user, status = 5*, bytes]",
                           metricTransformations=[{"metricName": "ErrorBytes", "metricNamespace": namespace,
                                                   "metricValue": "$bytes", "unit": "Bytes"}])
    now = int(time.time() * 1000)
    lines = ["ERROR disk", "WARN slow", "INFO fine", "10.0.0.1 bob 503 1200", "10.0.0.2 amy 200 99"]
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": now + n, "message": line} for n, line in enumerate(lines)])

    def total(metric: str) -> float:
        points = cw.get_metric_statistics(Namespace=namespace, MetricName=metric, Statistics=["Sum"], Period=60,
                                          StartTime=now / 1000 - 120, EndTime=now / 1000 + 120)["Datapoints"]
        return sum(p["Sum"] for p in points)

    assert total("Problems") == 2
    assert total("ErrorBytes") == 1200
