"""Fire EventBridge scheduled rules and EventBridge Scheduler schedules on time, on the local clock.

One thread scans moto's rules and schedules (cheap: dict walks), keeps each one's next due time, and
sleeps until the earliest (at most SCAN_SECONDS of wall time, so new and changed schedules are picked up).
`fire(name)` fires one now, for tests and `localcloud events fire` (served at POST /_localcloud/events/fire).

Scheduled rule event: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
({"version": "0", "id", "detail-type": "Scheduled Event", "source": "aws.events", "account", "time",
"region", "resources": [rule ARN], "detail": {}}). Scheduler sends the target's Input as is, with its
context attributes (<aws.scheduler.schedule-arn>, ...) filled in:
https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
A FlexibleTimeWindow is honoured by firing at the start of the window, a moment AWS may also pick; that
keeps local runs repeatable.

Each schedule's phase (when it was first seen) and last firing are saved with the state, so after a
restart a run that came due while the local cloud was stopped fires once (not once per missed period:
AWS does not catch up either), and rate schedules keep their phase.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from localcloud.clock import clock
from localcloud.events import trace
from localcloud.events.eventbridge_targets import Delivery, rule_input, submit
from localcloud.events.schedules import InvalidSchedule, Schedule
from localcloud.host import Host, find

log = logging.getLogger("localcloud.schedules")

SCAN_SECONDS = 0.25  # wall seconds between scans for new or changed schedules


def iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Entry:
    kind: str  # "rule" or "schedule"
    arn: str
    name: str
    account_id: str
    region: str
    model: Any  # moto's Rule or Schedule

    @property
    def expression(self) -> tuple[str, str]:
        if self.kind == "rule":
            return self.model.scheduled_expression, "UTC"
        return self.model.schedule_expression, self.model.schedule_expression_timezone or "UTC"

    @property
    def enabled(self) -> bool:
        return (self.model.state or "ENABLED") == "ENABLED"


def _backends(module: str, attribute: str) -> Iterator[tuple[str, str, Any]]:
    import importlib

    backends = getattr(importlib.import_module(module), attribute)
    for account_id in list(backends.keys()):
        for region, backend in list(backends[account_id].items()):
            yield account_id, region, backend


def entries() -> list[Entry]:
    found = []
    for account_id, region, backend in _backends("moto.events.models", "events_backends"):
        for bus in list(backend.event_buses.values()):
            for rule in list(bus.rules.values()):
                if rule.scheduled_expression:
                    found.append(Entry("rule", rule.arn, rule.name, account_id, region, rule))
    for account_id, region, backend in _backends("moto.scheduler.models", "scheduler_backends"):
        for group in list(backend.schedule_groups.values()):
            for schedule in list(group.schedules.values()):
                found.append(Entry("schedule", schedule.arn, f"{group.name}/{schedule.name}", account_id, region,
                                   schedule))
    return found


class ScheduleRunner:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._due: dict[str, tuple[tuple[str, str], float | None, float]] = {}  # arn -> (expr, next, first seen)
        self._thread = threading.Thread(target=self._loop, name="schedule-runner", daemon=True)
        self.fired: list[dict[str, Any]] = []  # recent firings with their lateness, for the benchmark
        self._last_fired: dict[str, float] = {}  # arn -> due time of its last scheduled firing
        self._saved: dict[str, tuple[tuple[str, str], float | None, float]] = {}  # restored: (expr, last, seen)

    def saved_state(self) -> dict[str, tuple[tuple[str, str], float | None, float]]:
        """What a snapshot keeps (read in the snapshot's child: no locks)."""
        return {arn: (known[0], self._last_fired.get(arn), known[2]) for arn, known in dict(self._due).items()}

    def restore_state(self, saved: dict[str, Any] | None) -> None:
        self._saved = dict(saved or {})

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    # -- firing -------------------------------------------------------------------------------------
    def fire(self, name: str) -> list[dict[str, Any]]:
        """Fire every rule/schedule whose name, group/name or ARN is `name`, now; [] when none is."""
        chosen = [e for e in entries() if name in (e.arn, e.name, e.name.split("/", 1)[-1])]
        now = clock().now()
        return [self._fire(entry, now, manual=True) for entry in chosen]

    def _fire(self, entry: Entry, due: float, manual: bool = False) -> dict[str, Any]:
        late_ms = (clock().now() - due) * 1000 / clock().speed  # wall milliseconds
        if entry.kind == "rule":
            targets = self._fire_rule(entry, due)
        else:
            targets = self._fire_schedule(entry, due)
        if not manual:
            self._last_fired[entry.arn] = due
        record = {"kind": entry.kind, "arn": entry.arn, "name": entry.name, "due": iso(due), "targets": targets,
                  "late_ms": round(late_ms, 3), "manual": manual}
        self.fired = [*self.fired[-99:], record]
        if not targets:
            trace.record(entry.arn, "-", "filtered", detail="fired with no targets")
        return record

    def _fire_rule(self, entry: Entry, due: float) -> int:
        event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": entry.account_id, "time": iso(due), "region": entry.region, "resources": [entry.arn],
                 "detail": {}}
        targets = list(entry.model.targets)
        for target in targets:
            submit(Delivery(entry.arn, target, rule_input(target, event, entry.arn), entry.account_id, entry.region))
        return len(targets)

    def _fire_schedule(self, entry: Entry, due: float) -> int:
        target = dict(entry.model.target or {})
        if not target.get("Arn"):
            return 0
        payload = target.get("Input") or "{}"
        for key, value in {"aws.scheduler.schedule-arn": entry.arn, "aws.scheduler.scheduled-time": iso(due),
                           "aws.scheduler.execution-id": str(uuid.uuid4()), "aws.scheduler.attempt-number": "1"}.items():
            payload = payload.replace(f"<{key}>", value)
        submit(Delivery(entry.arn, target, payload, entry.account_id, entry.region, source_attribute="SCHEDULE_ARN"))
        if entry.expression[0].startswith("at(") and entry.model.action_after_completion == "DELETE":
            self._delete_schedule(entry)
        return 1

    @staticmethod
    def _delete_schedule(entry: Entry) -> None:
        from localcloud.moto_adapter import scheduler_backends

        group, name = entry.name.split("/", 1)
        try:
            scheduler_backends[entry.account_id][entry.region].delete_schedule(group, name)
        except Exception:
            log.warning("could not delete the completed schedule %s", entry.arn)

    # -- the loop -----------------------------------------------------------------------------------
    def _next_due(self, entry: Entry, now: float) -> float | None:
        expression, timezone = entry.expression
        known = self._due.get(entry.arn)
        if known and known[0] == (expression, timezone):
            return known[1]
        saved = self._saved.pop(entry.arn, None)
        if (known is None and saved is not None and tuple(saved[0]) == (expression, timezone)
                and max(saved[1] or 0.0, saved[2]) <= now):  # a sped-up clock of the last run may be ahead
            # Seen before the restart: its next run after the last one, which may have come due meanwhile.
            _, last, seen = saved
            try:
                due = Schedule(expression, timezone).next_after(last if last is not None else seen, created=seen)
            except (InvalidSchedule, ValueError, KeyError):
                due = None
            self._due[entry.arn] = ((expression, timezone), due, seen)
            return due
        try:
            due = Schedule(expression, timezone).next_after(now, created=now)
        except (InvalidSchedule, ValueError, KeyError) as exc:
            log.warning("%s has an invalid schedule %r (%s); it never fires. Fix the expression.",
                        entry.arn, expression, exc)
            due = None
        self._due[entry.arn] = ((expression, timezone), due, now)
        return due

    def _in_window(self, entry: Entry, due: float) -> bool:
        if entry.kind != "schedule":
            return True
        start, end = _epoch(entry.model.start_date), _epoch(entry.model.end_date)
        return (start is None or due >= start) and (end is None or due <= end)

    def _tick(self) -> float:
        """Fire what is due; return local seconds until the next due time."""
        now = clock().now()
        soonest = float("inf")
        current = entries()
        for entry in current:
            due = self._next_due(entry, now)
            if due is None:
                continue
            if due <= now:
                if entry.enabled and self._in_window(entry, due):
                    try:
                        self._fire(entry, due)
                    except Exception:
                        log.exception("firing %s failed", entry.arn)
                expression, timezone = entry.expression
                created = self._due[entry.arn][2]
                try:
                    # After `now`, not after `due`: runs missed while stopped fire once, not once each.
                    following = Schedule(expression, timezone).next_after(max(due, now), created=created)
                except (InvalidSchedule, ValueError):
                    following = None
                if following is None and expression.startswith("at("):
                    trace.record(entry.arn, "-", "completed", detail=f"{expression} is past: a one-time schedule "
                                 "does not fire again")
                self._due[entry.arn] = ((expression, timezone), following, created)
                due = following
            if due is not None:
                soonest = min(soonest, due - now)
        live = {e.arn for e in current}
        for arn in [a for a in self._due if a not in live]:
            del self._due[arn]
        return soonest

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                until = self._tick()
            except Exception:
                log.exception("schedule scan failed; retrying")
                until = 1.0
            self._wake.wait(min(SCAN_SECONDS, clock().wall_seconds(max(0.0, until))))
            self._wake.clear()


def _epoch(value: Any) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.timestamp()
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def current_runner() -> ScheduleRunner | None:
    """The app's schedule runner (installed below), None outside the server."""
    return find("schedules")


def fire_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """POST /_localcloud/events/fire?name=RULE_OR_SCHEDULE -> {"fired": [...]} (404 when nothing matched)."""
    from urllib.parse import parse_qs

    name = parse_qs(environ.get("QUERY_STRING", "")).get("name", [""])[0]
    if environ.get("REQUEST_METHOD") != "POST" or not name:
        status, document = "400 Bad Request", {"message": "POST /_localcloud/events/fire?name=RULE_OR_SCHEDULE"}
    elif (runner := current_runner()) is None:
        status, document = "503 Service Unavailable", {"message": "the schedule runner is not running"}
    else:
        fired = runner.fire(name)
        status = "200 OK" if fired else "404 Not Found"
        document = {"fired": fired} if fired else {
            "message": f"No EventBridge rule with a schedule and no Scheduler schedule is named {name!r}; "
                       "list them with `aws events list-rules` / `aws scheduler list-schedules`."}
    body = json.dumps(document).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def install(app: Host) -> ScheduleRunner:
    runner = app.subsystems.put("schedules", ScheduleRunner())
    app.mount("/_localcloud/events/fire", fire_app)
    app.on_start(runner.start)
    app.on_drain(runner.stop)  # no new firings once a stop begins; what fired drains with the outbox
    from localcloud.events import eventbridge_targets

    app.on_stop(eventbridge_targets.stop)
    app.state.register_extra("schedules", runner.saved_state, runner.restore_state)
    return runner
