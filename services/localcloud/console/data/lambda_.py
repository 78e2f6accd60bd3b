"""Lambda functions -> configuration, recent invocations (from their REPORT lines), an invoke form, logs.

The log lines are the ones AWS writes (START / END / REPORT, runtime/logs.py), read out of moto's CloudWatch
Logs model in process: a Lambda's log group can hold thousands of lines, and the newest are what a person
wants first, which FilterLogEvents (oldest first, paged forward) cannot give cheaply.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError

_REPORT = re.compile(r"REPORT RequestId: (?P<id>\S+)\s+Duration: (?P<duration>[\d.]+) ms.*?Memory Size: "
                     r"(?P<memory>\d+) MB\s+Max Memory Used: (?P<used>\d+) MB(?:.*?Init Duration: (?P<init>[\d.]+) ms)?")
_START = re.compile(r"^START RequestId: (\S+)")
_FAILED = re.compile(r'\[ERROR\]|"errorType"|"level":\s*"ERROR"|Traceback \(most recent call last\)')


def functions(ctx: ConsoleContext, search: str = "", cursor: str = "", size: int = 50) -> dict[str, Any]:
    params: dict[str, Any] = {"MaxItems": size}
    if cursor:
        params["Marker"] = cursor
    if search:  # ListFunctions cannot filter by name: list all (a stack holds tens, not thousands)
        found = [f for page in ctx.client("lambda").get_paginator("list_functions").paginate()
                 for f in page["Functions"] if search.lower() in f["FunctionName"].lower()]
        page = {"Functions": found}
    else:
        page = ctx.client("lambda").list_functions(**params)
    return {"items": [{"name": f["FunctionName"], "runtime": f.get("Runtime"), "memory": f.get("MemorySize"),
                       "timeout": f.get("Timeout"), "handler": f.get("Handler"), "modified": f.get("LastModified")}
                      for f in page["Functions"]], "next": page.get("NextMarker")}


def _log_events(ctx: ConsoleContext, group: str) -> list[Any]:
    from localcloud.moto_adapter import logs_backends

    found = logs_backends[ctx.settings.account_id][ctx.region].groups.get(group)
    if found is None:
        return []
    events = [e for stream in list(found.streams.values()) for e in list(stream.events)]
    events.sort(key=lambda e: (e.timestamp, e.event_id))
    return events


def invocations(events: list[Any], limit: int = 50) -> list[dict[str, Any]]:
    """Newest first: request id, start, duration, memory, outcome (ok / error / timeout), from the log lines."""
    runs: dict[str, dict[str, Any]] = {}
    current: str | None = None
    for event in events:
        message = event.message
        started = _START.match(message)
        if started:
            current = started.group(1)
            runs[current] = {"request_id": current, "at": event.timestamp / 1000, "outcome": "ok"}
            continue
        report = _REPORT.search(message)
        if report:
            run = runs.setdefault(report.group("id"), {"request_id": report.group("id"), "at": event.timestamp / 1000,
                                                        "outcome": "ok"})
            run.update(duration_ms=float(report.group("duration")), memory_mb=int(report.group("memory")),
                       max_memory_used_mb=int(report.group("used")),
                       init_ms=float(report.group("init")) if report.group("init") else None)
            current = None
            continue
        if current and current in runs:
            if "Task timed out" in message:
                runs[current]["outcome"] = "timeout"
            elif _FAILED.search(message) and runs[current]["outcome"] == "ok":
                runs[current]["outcome"] = "error"
                runs[current]["error"] = message[:300]
    return list(reversed(list(runs.values())))[:limit]


def detail(ctx: ConsoleContext, name: str) -> dict[str, Any]:
    client = ctx.client("lambda")
    try:
        about = client.get_function(FunctionName=name)
    except client.exceptions.ResourceNotFoundException:
        raise HttpError(404, f"there is no Lambda function named {name!r}") from None
    config = about["Configuration"]
    mappings = client.list_event_source_mappings(FunctionName=name).get("EventSourceMappings", [])
    events = _log_events(ctx, f"/aws/lambda/{config['FunctionName']}")
    return {"name": config["FunctionName"], "configuration": {k: v for k, v in config.items()
                                                              if k not in ("ResponseMetadata",)},
            "environment": sorted((config.get("Environment") or {}).get("Variables", {})),
            "event_source_mappings": [{"source": m.get("EventSourceArn"), "state": m.get("State"),
                                       "batch_size": m.get("BatchSize"), "uuid": m.get("UUID")} for m in mappings],
            "invocations": invocations(events)}


def logs(ctx: ConsoleContext, name: str, offset: int = 0, size: int = 200, search: str = "") -> dict[str, Any]:
    """The newest `size` lines (after skipping `offset` newer ones), oldest first within the page."""
    events = _log_events(ctx, f"/aws/lambda/{name}")
    if search:
        events = [e for e in events if search.lower() in e.message.lower()]
    end = max(0, len(events) - offset)
    page = events[max(0, end - size):end]
    return {"function": name, "total": len(events), "offset": offset,
            "items": [{"at": e.timestamp / 1000, "message": e.message} for e in page],
            "next": offset + size if end - size > 0 else None}


def invoke(ctx: ConsoleContext, name: str, payload: Any) -> dict[str, Any]:
    client = ctx.client("lambda")
    body = payload if isinstance(payload, str) else json.dumps(payload if payload is not None else {})
    try:
        json.loads(body)
    except ValueError:
        raise HttpError(400, "the payload is not JSON; give a JSON document such as {}") from None
    try:
        answer = client.invoke(FunctionName=name, Payload=body.encode(), LogType="Tail")
    except client.exceptions.ResourceNotFoundException:
        raise HttpError(404, f"there is no Lambda function named {name!r}") from None
    result = answer["Payload"].read().decode("utf-8", "replace")
    return {"status": answer["StatusCode"], "function_error": answer.get("FunctionError"),
            "executed_version": answer.get("ExecutedVersion"), "payload": result,
            "log_tail": base64.b64decode(answer.get("LogResult") or "").decode("utf-8", "replace")}
