"""State machines -> executions (paged) -> one execution: the graph of states, the path taken, input/output
per state, the retries and the Catch that fired (from GetExecutionHistory, as the AWS console shows it)."""

from __future__ import annotations

import json
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.data.layout import layered
from localcloud.console.web import HttpError

_FAILED_EVENTS = ("TaskFailed", "LambdaFunctionFailed", "LambdaFunctionTimedOut", "TaskTimedOut",
                  "ExecutionFailed", "FailStateEntered")


def machines(ctx: ConsoleContext, search: str = "") -> dict[str, Any]:
    client = ctx.client("stepfunctions")
    found = [m for page in client.get_paginator("list_state_machines").paginate() for m in page["stateMachines"]]
    return {"items": [{"name": m["name"], "arn": m["stateMachineArn"], "type": m.get("type"),
                       "created": m.get("creationDate")} for m in found if search.lower() in m["name"].lower()]}


def executions(ctx: ConsoleContext, machine_arn: str, cursor: str = "", size: int = 50,
               status: str = "") -> dict[str, Any]:
    params: dict[str, Any] = {"stateMachineArn": machine_arn, "maxResults": size}
    if cursor:
        params["nextToken"] = cursor
    if status:
        params["statusFilter"] = status
    client = ctx.client("stepfunctions")
    try:
        about = client.describe_state_machine(stateMachineArn=machine_arn)
        page = client.list_executions(**params)
    except client.exceptions.StateMachineDoesNotExist:
        raise HttpError(404, f"there is no state machine {machine_arn}") from None
    graph = definition_graph(json.loads(about["definition"]))
    return {"machine": {"name": about["name"], "arn": machine_arn, "definition": about["definition"],
                        "role": about.get("roleArn")}, "graph": layered(*graph),
            "items": [{"name": e["name"], "arn": e["executionArn"], "status": e["status"], "started": e["startDate"],
                       "stopped": e.get("stopDate")} for e in page["executions"]],
            "next": page.get("nextToken")}


def definition_graph(definition: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """States as nodes; Next / Default / Choices / Catch as edges (a Parallel or Map state is one node)."""
    nodes: list[dict[str, Any]] = [{"id": "Start", "label": "Start", "kind": "start"}]
    edges: list[dict[str, Any]] = [{"source": "Start", "target": definition.get("StartAt", ""), "kind": "next"}]
    for name, state in definition.get("States", {}).items():
        nodes.append({"id": name, "label": name, "kind": state.get("Type", "").lower(),
                      "resource": state.get("Resource") or (state.get("Parameters") or {}).get("FunctionName")})
        if state.get("Next"):
            edges.append({"source": name, "target": state["Next"], "kind": "next"})
        if state.get("Default"):
            edges.append({"source": name, "target": state["Default"], "kind": "default"})
        for choice in state.get("Choices", []):
            if choice.get("Next"):
                edges.append({"source": name, "target": choice["Next"], "kind": "choice"})
        for catch in state.get("Catch", []):
            edges.append({"source": name, "target": catch["Next"], "kind": "catch",
                          "label": ",".join(catch.get("ErrorEquals", []))})
        if state.get("End"):  # Succeed and Fail states end a run themselves: no edge across the graph to End
            edges.append({"source": name, "target": "End", "kind": "end"})
    nodes.append({"id": "End", "label": "End", "kind": "end"})
    return nodes, edges


def execution(ctx: ConsoleContext, arn: str) -> dict[str, Any]:
    client = ctx.client("stepfunctions")
    try:
        about = client.describe_execution(executionArn=arn)
    except client.exceptions.ExecutionDoesNotExist:
        raise HttpError(404, f"there is no execution {arn}") from None
    history = [e for page in client.get_paginator("get_execution_history").paginate(executionArn=arn)
               for e in page["events"]]
    definition = json.loads(client.describe_state_machine(stateMachineArn=about["stateMachineArn"])["definition"])
    steps = path_taken(history, definition)
    nodes, edges = definition_graph(definition)
    visited = [s["state"] for s in steps]
    ended = ["End"] if ended_by(visited, definition) else []
    for node in nodes:
        node["visited"] = node["id"] in [*visited, *ended, "Start"]
        outcome = [s for s in steps if s["state"] == node["id"]]
        node["outcome"] = outcome[-1]["outcome"] if outcome else None
    taken = {(a, b) for a, b in zip(["Start", *visited], [*visited, *ended])}
    for edge in edges:
        edge["taken"] = (edge["source"], edge["target"]) in taken
    return {"execution": {k: about.get(k) for k in ("name", "executionArn", "stateMachineArn", "status", "startDate",
                                                    "stopDate", "input", "output", "error", "cause")},
            "graph": layered(nodes, edges), "steps": steps,
            "events": [{"id": e["id"], "type": e["type"], "at": e["timestamp"],
                        "detail": _details(e)} for e in history]}


def ended_by(visited: list[str], definition: dict[str, Any]) -> str | None:
    """The state whose `End: true` finished the run, if it finished that way."""
    last = visited[-1] if visited else None
    return last if last and definition.get("States", {}).get(last, {}).get("End") else None


def _details(event: dict[str, Any]) -> dict[str, Any]:
    return next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {})


def path_taken(history: list[dict[str, Any]], definition: dict[str, Any]) -> list[dict[str, Any]]:
    """One step per state entered: its input and output, the failures it retried, and the Catch that fired."""
    states = definition.get("States", {})
    steps: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for event in history:
        kind, details = event["type"], _details(event)
        if kind.endswith("StateEntered"):
            current = {"state": details.get("name"), "type": kind.removesuffix("StateEntered"),
                       "entered": event["timestamp"], "input": details.get("input"), "output": None,
                       "failures": [], "outcome": "running", "caught_by": None}
            steps.append(current)
        elif current is not None and kind in _FAILED_EVENTS:
            current["failures"].append({"error": details.get("error"), "cause": (details.get("cause") or "")[:2000],
                                        "at": event["timestamp"]})
            current["outcome"] = "failed"
        elif kind.endswith("StateExited") and current is not None:
            current["output"] = details.get("output")
            current["exited"] = event["timestamp"]
            if current["outcome"] == "running":
                current["outcome"] = "succeeded"
    for index, step in enumerate(steps):
        following = steps[index + 1]["state"] if index + 1 < len(steps) else None
        catches = states.get(step["state"], {}).get("Catch", [])
        caught = next((c for c in catches if following and c.get("Next") == following), None) if step["failures"] else None
        if caught:
            step["outcome"], step["caught_by"] = "caught", caught
        elif step["failures"] and following is not None:
            step["outcome"] = "succeeded"  # it failed, was retried, and the retry succeeded
        final_failure = step["outcome"] in ("failed", "caught")
        step["retries"] = max(0, len(step["failures"]) - (1 if final_failure else 0))
    return steps
