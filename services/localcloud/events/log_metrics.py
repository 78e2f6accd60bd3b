"""Metric filters: log events that match a group's filter pattern become CloudWatch metric data.

Hooked on moto's LogsBackend.put_log_events, which both the PutLogEvents API and the Lambda runtime
(runtime/logs.py writes each invocation's lines through it) go through, so function output counts too.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html: each matching event emits
metricValue (a number or a field of the event); defaultValue, when set, is emitted for a batch in which
no event matched, so the metric reads 0 rather than missing. Dimensions may name fields ($field).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from localcloud.events import log_patterns

log = logging.getLogger("localcloud.events.logs")


@lru_cache(maxsize=512)
def _matcher(pattern: str) -> log_patterns.Matcher:
    return log_patterns.compile(pattern)


def on_log_events(backend: Any, group: str, events: list[dict[str, Any]]) -> None:
    filters = [f for f in backend.filters.metric_filters if f["logGroupName"] == group]
    if not filters:
        return
    from localcloud.moto_adapter import cloudwatch_backends

    metrics = cloudwatch_backends[backend.account_id][backend.region_name]
    for metric_filter in filters:
        try:
            matcher = _matcher(metric_filter.get("filterPattern") or "")
        except (ValueError, KeyError) as exc:
            log.warning("metric filter %s on %s has a pattern localcloud cannot read (%s); it emits nothing",
                        metric_filter["filterName"], group, exc)
            continue
        for transformation in metric_filter["metricTransformations"]:
            data = _data_for(matcher, transformation, events)
            if data:
                metrics.put_metric_data(transformation["metricNamespace"], data)


def _data_for(matcher: log_patterns.Matcher, transformation: dict[str, Any],
              events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    data = []
    for event in events:
        fields = matcher.match(str(event.get("message", "")))
        if fields is None:
            continue
        value = log_patterns.metric_value(transformation["metricValue"], fields)
        if value is None:
            continue
        datum: dict[str, Any] = {"MetricName": transformation["metricName"], "Value": value,
                                 "Timestamp": _naive(event["timestamp"])}
        if transformation.get("unit"):
            datum["Unit"] = transformation["unit"]
        dimensions = transformation.get("dimensions") or {}
        if dimensions:
            datum["Dimensions"] = [{"Name": k, "Value": str(fields.get(v.lstrip("$"), v)) if v.startswith("$")
                                    else v} for k, v in dimensions.items()]
        data.append(datum)
    if not data and transformation.get("defaultValue") is not None and events:
        data.append({"MetricName": transformation["metricName"], "Value": float(transformation["defaultValue"]),
                     "Timestamp": _naive(events[-1]["timestamp"]),
                     **({"Unit": transformation["unit"]} if transformation.get("unit") else {})})
    return data


def _naive(millis: int) -> datetime:
    """moto keeps metric timestamps as naive UTC (its utcnow()); an aware one breaks its comparisons."""
    return datetime.fromtimestamp(millis / 1000, UTC).replace(tzinfo=None)
