"""CloudWatch alarms -> their state and its history (DescribeAlarmHistory)."""

from __future__ import annotations

from typing import Any

from localcloud.console.context import ConsoleContext


def alarms(ctx: ConsoleContext, search: str = "") -> dict[str, Any]:
    client = ctx.client("cloudwatch")
    items = []
    for alarm in client.describe_alarms().get("MetricAlarms", []):
        if search.lower() not in alarm["AlarmName"].lower():
            continue
        history = client.describe_alarm_history(AlarmName=alarm["AlarmName"], MaxRecords=20).get("AlarmHistoryItems", [])
        items.append({"name": alarm["AlarmName"], "state": alarm.get("StateValue"), "reason": alarm.get("StateReason"),
                      "metric": f"{alarm.get('Namespace')}/{alarm.get('MetricName')}", "actions": alarm.get("AlarmActions", []),
                      "history": [{"at": h["Timestamp"], "type": h["HistoryItemType"], "summary": h["HistorySummary"]}
                                  for h in history]})
    return {"items": items}
