"""moto.cloudwatch: alarms start as AWS's do and keep a history (evaluated by events/alarms.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("cloudwatch")


@PATCHES.wrap("moto.cloudwatch.models:CloudWatchBackend.put_metric_alarm",
              signature="(self, name, namespace, metric_name, comparison_operator, evaluation_periods, period, "
                        "threshold, statistic, description, dimensions, alarm_actions, metric_data_queries=None, "
                        "datapoints_to_alarm=None, extended_statistic=None, ok_actions=None, "
                        "insufficient_data_actions=None, unit=None, actions_enabled=True, treat_missing_data=None, "
                        "evaluate_low_sample_count_percentile=None, threshold_metric_id=None, rule=None, tags=None)")
def put_metric_alarm(original: Callable[..., Any], self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """A new alarm starts in INSUFFICIENT_DATA (moto says OK); an update keeps its state and history."""
    from localcloud.events.alarms import aware, history

    before = self.alarms.get(name)
    alarm = original(self, name, *args, **kwargs)
    if before is None:
        alarm.state_value = "INSUFFICIENT_DATA"
    else:
        alarm.state_value, alarm.state_reason = before.state_value, before.state_reason
        alarm.state_reason_data, alarm.state_updated_timestamp = before.state_reason_data, before.state_updated_timestamp
        alarm.localcloud_history = history(before)
    history(alarm).append({"AlarmName": name, "AlarmType": "MetricAlarm",
                           "Timestamp": aware(alarm.configuration_updated_timestamp),
                           "HistoryItemType": "ConfigurationUpdate",
                           "HistorySummary": f"Alarm \"{name}\" {'created' if before is None else 'updated'}",
                           "HistoryData": "{}"})
    return alarm


@PATCHES.add("moto.cloudwatch.responses:CloudWatchResponse.describe_alarm_history")
def describe_alarm_history(self: Any) -> Any:
    """moto does not implement DescribeAlarmHistory.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html"""
    from moto.core.responses import ActionResult

    from localcloud.events.alarms import aware, history

    name, kind = self._get_param("AlarmName"), self._get_param("HistoryItemType")
    start, end = self._get_param("StartDate"), self._get_param("EndDate")
    items = []
    for alarm in self.cloudwatch_backend.alarms.values():
        if name and alarm.name != name:
            continue
        items += [i for i in history(alarm) if not kind or i["HistoryItemType"] == kind]
    items = [i for i in items if (not start or i["Timestamp"] >= aware(start)) and (not end or i["Timestamp"] <= aware(end))]
    items.sort(key=lambda i: i["Timestamp"], reverse=self._get_param("ScanBy") != "TimestampAscending")
    return ActionResult({"AlarmHistoryItems": items[: int(self._get_param("MaxRecords") or 100)]})


@PATCHES.wrap("moto.cloudwatch.responses:CloudWatchResponse.get_metric_data", signature="(self)")
def get_metric_data(original: Callable[..., Any], self: Any) -> Any:
    """GetMetricData always carries its Messages list, empty when there is nothing to say
    (API_GetMetricData: "Messages: Contains a message about this GetMetricData operation, if the operation
    results in such a message"; AWS sends "Messages": [] otherwise); moto left the member out."""
    answer = original(self)
    answer.result.setdefault("Messages", [])
    return answer
