"""CloudWatch metric alarms evaluated on the local clock; state changes publish to the alarm's SNS actions.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html: the most recent
EvaluationPeriods complete periods are evaluated; ALARM when at least DatapointsToAlarm of them breach;
TreatMissingData decides what an empty period counts as (missing: not evaluated, all missing ->
INSUFFICIENT_DATA; notBreaching / breaching; ignore: the state stays). A new alarm starts in
INSUFFICIENT_DATA. The SNS message is AWS's alarm JSON (.../alarm-format... "Trigger" block).
Datapoint timestamps are real time; they are placed on the local clock's timeline so a sped-up clock
(LOCALCLOUD_CLOCK_SPEED) makes periods pass faster without moving the data.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from datetime import UTC, datetime
from typing import Any

from localcloud.clock import clock
from localcloud.events import trace

log = logging.getLogger("localcloud.events.alarms")

REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
                "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
                "eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)", "eu-west-2": "EU (London)",
                "ap-southeast-1": "Asia Pacific (Singapore)", "ap-northeast-1": "Asia Pacific (Tokyo)"}
COMPARE = {"GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
           "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
           "LessThanThreshold": (lambda v, t: v < t, "less than"),
           "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to")}


def _local(real_epoch: float) -> float:
    c = clock()
    return c._wall_origin + (real_epoch - c._wall_origin) * c.speed


def _statistic(values: list[float], statistic: str) -> float:
    return {"SampleCount": float(len(values)), "Sum": sum(values), "Average": sum(values) / len(values),
            "Minimum": min(values), "Maximum": max(values)}[statistic]


def _values_by_period(backend: Any, alarm: Any, starts: list[float]) -> list[list[float]]:
    from localcloud.moto_adapter import MetricDatum

    wanted = sorted((d.name, d.value) for d in alarm.dimensions)
    period = float(alarm.period)
    buckets: list[list[float]] = [[] for _ in starts]
    for datum in list(backend.metric_data):
        if datum.name != alarm.metric_name or datum.namespace != alarm.namespace:
            continue
        if not isinstance(datum, MetricDatum) or sorted((d.name, d.value) for d in datum.dimensions) != wanted:
            continue
        at = _local(datum.timestamp.replace(tzinfo=datum.timestamp.tzinfo or UTC).timestamp())
        for n, start in enumerate(starts):
            if start <= at < start + period:
                buckets[n].append(datum.value)
    return buckets


def evaluate(backend: Any, alarm: Any, now: float) -> tuple[str, str, dict[str, Any]] | None:
    """(new state, reason, reason data) for a single-metric alarm, or None to keep the state."""
    if not alarm.metric_name or not alarm.period or alarm.comparison_operator not in COMPARE:
        return None  # metric math and anomaly detection alarms are not evaluated locally
    period, periods = float(alarm.period), int(alarm.evaluation_periods)
    needed = int(alarm.datapoints_to_alarm or periods)
    end = math.floor(now / period) * period  # the newest complete period ends here
    starts = [end - (n + 1) * period for n in range(periods)]  # newest first
    statistic = alarm.statistic or "Average"
    buckets = _values_by_period(backend, alarm, starts)
    values = [_statistic(b, statistic) if b else None for b in buckets]
    compare, words = COMPARE[alarm.comparison_operator]
    threshold = float(alarm.threshold)
    treat = alarm.treat_missing_data or "missing"
    present = [v for v in values if v is not None]
    if not present and treat in ("missing", "ignore"):
        if treat == "ignore":
            return None
        return ("INSUFFICIENT_DATA", f"Insufficient Data: {periods} datapoint{'s' if periods > 1 else ''} "
                "were unknown.", {"version": "1.0", "queryDate": _stamp(now)})
    breaching = sum(1 for v in values if (v is None and treat == "breaching") or (v is not None and compare(v, threshold)))
    shown = ", ".join(f"{v} ({datetime.fromtimestamp(s, UTC):%d/%m/%y %H:%M:%S})"
                      for v, s in zip(values, starts) if v is not None)
    state = "ALARM" if breaching >= needed else "OK"
    count = len(present)
    verb = "was" if count == 1 else "were"
    negation = "" if state == "ALARM" else "not "
    reason = (f"Threshold Crossed: {breaching if state == 'ALARM' else count - breaching} out of the last "
              f"{count} datapoint{'s' if count != 1 else ''} [{shown}] {verb} {negation}{words} the threshold "
              f"({threshold}) (minimum {needed} datapoint{'s' if needed != 1 else ''} for "
              f"{'OK -> ALARM' if state == 'ALARM' else 'ALARM -> OK'} transition).")
    data = {"version": "1.0", "queryDate": _stamp(now), "statistic": statistic, "period": int(period),
            "recentDatapoints": present, "threshold": threshold,
            "evaluatedDatapoints": [{"timestamp": _stamp(s), "value": v} for v, s in zip(values, starts) if v is not None]}
    return state, reason, data


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def message(alarm: Any, old: str, account: str, region: str) -> dict[str, Any]:
    return {
        "AlarmName": alarm.name, "AlarmDescription": alarm.description, "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": _stamp(aware(alarm.configuration_updated_timestamp).timestamp()),
        "NewStateValue": alarm.state_value, "NewStateReason": alarm.state_reason,
        "StateChangeTime": _stamp(aware(alarm.state_updated_timestamp).timestamp()),
        "Region": REGION_NAMES.get(region, region), "AlarmArn": alarm.alarm_arn, "OldStateValue": old,
        "OKActions": list(alarm.ok_actions or []), "AlarmActions": list(alarm.alarm_actions or []),
        "InsufficientDataActions": list(alarm.insufficient_data_actions or []),
        "Trigger": {"MetricName": alarm.metric_name, "Namespace": alarm.namespace, "StatisticType": "Statistic",
                    "Statistic": (alarm.statistic or "Average").upper(), "Unit": alarm.unit,
                    "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
                    "Period": int(alarm.period), "EvaluationPeriods": int(alarm.evaluation_periods),
                    "DatapointsToAlarm": int(alarm.datapoints_to_alarm or alarm.evaluation_periods),
                    "ComparisonOperator": alarm.comparison_operator, "Threshold": float(alarm.threshold),
                    "TreatMissingData": alarm.treat_missing_data or "missing",
                    "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or ""},
    }


def history(alarm: Any) -> list[dict[str, Any]]:
    if not hasattr(alarm, "localcloud_history"):
        alarm.localcloud_history = []
    return alarm.localcloud_history


def change_state(alarm: Any, state: str, reason: str, data: dict[str, Any], account: str, region: str) -> None:
    old = alarm.state_value
    alarm.update_state(reason, json.dumps(data), state)
    at = aware(alarm.state_updated_timestamp)
    history(alarm).append({"AlarmName": alarm.name, "AlarmType": "MetricAlarm", "Timestamp": at,
                           "HistoryItemType": "StateUpdate", "HistorySummary": f"Alarm updated from {old} to {state}",
                           "HistoryData": json.dumps({"version": "1.0", "oldState": {"stateValue": old},
                                                      "newState": {"stateValue": state, "stateReason": reason,
                                                                   "stateReasonData": data}})})
    if not alarm.actions_enabled:
        return
    actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
               "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[state] or []
    body = json.dumps(message(alarm, old, account, region))
    subject = f'{state}: "{alarm.name}" in {REGION_NAMES.get(region, region)}'[:100]
    from localcloud.events.targets import DeliveryContext, TargetError, deliver

    for action in actions:
        summary = f"Successfully executed action {action}"
        if ":sns:" in action:
            try:
                deliver(action, body, DeliveryContext(source=f"cloudwatch:{alarm.alarm_arn}", subject=subject))
            except TargetError as exc:
                summary = f"Failed to execute action {action}. Received error: {exc}"
        else:
            summary = f"Failed to execute action {action}: localcloud runs SNS alarm actions only"
            trace.record(f"cloudwatch:{alarm.alarm_arn}", action, "dropped", detail=summary)
        history(alarm).append({"AlarmName": alarm.name, "AlarmType": "MetricAlarm", "Timestamp": at,
                               "HistoryItemType": "Action", "HistorySummary": summary,
                               "HistoryData": json.dumps({"actionState": "Succeeded" if summary.startswith("Succ")
                                                          else "Failed", "notificationResource": action})})


class AlarmEvaluator:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="alarm-evaluator", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        # AWS evaluates about once a minute; every 10 local seconds (at most 4 times a wall second) is
        # close enough for 10 s high-resolution periods and cheap.
        while not self._stop.wait(max(0.25, clock().wall_seconds(10.0))):
            try:
                self.evaluate_all()
            except Exception:  # a backend mid-restore: the next round sees it whole
                log.exception("alarm evaluation failed; retrying at the next round")

    def evaluate_all(self) -> None:
        from localcloud.moto_adapter import cloudwatch_backends

        now = clock().now()
        for account, regions in list(cloudwatch_backends.items()):
            for region, backend in list(regions.items()):
                for alarm in list(backend.alarms.values()):
                    if getattr(alarm, "rule", None):
                        continue  # composite alarms
                    outcome = evaluate(backend, alarm, now)
                    if outcome and outcome[0] != alarm.state_value:
                        change_state(alarm, *outcome, account, region)


def aware(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
