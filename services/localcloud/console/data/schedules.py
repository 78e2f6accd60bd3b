"""EventBridge rules and Scheduler schedules: their expression, next firing, targets; "fire now"."""

from __future__ import annotations

from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError


def _next_firing(arn: str) -> float | None:
    """When the schedule runner will fire `arn` next (local clock seconds, as schedules run on it)."""
    from localcloud.events import schedules_runner

    runner = schedules_runner.current_runner()
    known = getattr(runner, "_due", {}).get(arn) if runner is not None else None
    return known[1] if known else None


def rules(ctx: ConsoleContext, search: str = "") -> dict[str, Any]:
    client = ctx.client("events")
    items = []
    for rule in client.list_rules().get("Rules", []):
        if search.lower() not in rule["Name"].lower():
            continue
        targets = client.list_targets_by_rule(Rule=rule["Name"]).get("Targets", [])
        items.append({"name": rule["Name"], "arn": rule["Arn"], "kind": "rule", "state": rule.get("State"),
                      "schedule": rule.get("ScheduleExpression"), "pattern": rule.get("EventPattern"),
                      "targets": [t["Arn"] for t in targets], "next_firing": _next_firing(rule["Arn"])})
    try:
        scheduler = ctx.client("scheduler")
        for schedule in scheduler.list_schedules().get("Schedules", []):
            if search.lower() in schedule["Name"].lower():
                items.append({"name": schedule["Name"], "arn": schedule["Arn"], "kind": "schedule",
                              "state": schedule.get("State"), "schedule": None, "pattern": None,
                              "targets": [(schedule.get("Target") or {}).get("Arn")],
                              "next_firing": _next_firing(schedule["Arn"])})
    except Exception:  # noqa: BLE001  (no Scheduler schedules is the common case)
        pass
    return {"items": items}


def fire(name: str) -> dict[str, Any]:
    from localcloud.events import schedules_runner

    runner = schedules_runner.current_runner()
    if runner is None:
        raise HttpError(503, "the schedule runner is not running, so nothing can be fired; restart the local cloud")
    fired = runner.fire(name)
    if not fired:
        raise HttpError(404, f"no scheduled rule or schedule is named {name!r}")
    return {"fired": fired}
