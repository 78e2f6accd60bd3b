"""What IAM decided, for people: each denied (or, in report mode, would-be-denied) call with the statement that
would allow it, and the operations that could not be mapped to an action.

Served as JSON at GET /_localcloud/iam (`localcloud iam report [--json]` prints it); each denial is also
recorded in the delivery trace (`localcloud events`, the console's live trace) as source `iam:<caller>`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

CAPACITY = 1000


@dataclass
class Denial:
    principal: str
    action: str
    resource: str
    reason: str  # AWS's phrase: "because no identity-based policy allows the dynamodb:PutItem action"
    deciding_policy: str  # the policy whose explicit Deny decided, or the boundary / key policy that lacks it
    fix: str  # what to do, in words
    statement: dict[str, Any]  # the minimal statement that would allow it (empty for an explicit deny)
    add_to: str  # where that statement goes: "an identity-based policy of role R", "the key policy of K"
    enforced: bool  # False in report mode: the call went through
    operation: str = ""
    message: str = ""  # AWS's AccessDenied text ("User: ... is not authorized to perform: ...")
    line: str = ""  # the one line the report, the delivery trace and the function's log all carry (line())
    at: float = field(default_factory=time.time)


def line(denial: Denial) -> str:
    """The IAM line for a denial: verdict, AWS's message, and the fix with the statement to add."""
    if denial.line:
        return denial.line
    verdict = "AccessDenied" if denial.enforced else "would be denied"
    hint = f"{denial.fix}: {json.dumps(denial.statement)}" if denial.statement else denial.fix
    message = denial.message or (f"{denial.principal} is not authorized to perform: {denial.action} on resource: "
                                 f"{denial.resource} {denial.reason}")
    return f"[localcloud iam] {verdict}: {message} ({hint})"


_denials: deque[Denial] = deque(maxlen=CAPACITY)
_unmapped: Counter[str] = Counter()
_counts: Counter[str] = Counter()
_lock = threading.Lock()


def count(outcome: str) -> None:
    _counts[outcome] += 1  # a Counter increment under the GIL: good enough for a tally


def denied(denial: Denial) -> None:
    from localcloud.events import trace

    denial.line = line(denial)
    with _lock:
        _denials.append(denial)
    count("denied" if denial.enforced else "would-deny")
    trace.record(f"iam:{denial.principal}", denial.resource, "denied" if denial.enforced else "would-deny",
                 detail=denial.line)


def unmapped(service: str, operation: str) -> bool:
    """Count an unmapped operation; True the first time it is seen (the caller logs a warning then)."""
    name = f"{service}:{operation}"
    with _lock:
        first = name not in _unmapped
        _unmapped[name] += 1
    count("unmapped")
    return first


def document(mode: str) -> dict[str, Any]:
    with _lock:
        return {"mode": mode, "counts": dict(_counts), "denied": [asdict(d) for d in _denials],
                "unmapped": dict(_unmapped)}


def clear() -> None:
    with _lock:
        _denials.clear()
        _unmapped.clear()
        _counts.clear()


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    from localcloud.iam.enforcement import current_mode

    if environ.get("REQUEST_METHOD") == "DELETE":
        clear()
    body = json.dumps(document(current_mode().value), default=str).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def render(doc: dict[str, Any]) -> str:
    """The report as a person reads it."""
    lines = [f"IAM mode: {doc['mode']}   " + "  ".join(f"{k}: {v}" for k, v in sorted(doc["counts"].items()))]
    if not doc["denied"]:
        lines.append("No call was denied.")
    for d in doc["denied"]:
        verdict = "DENIED" if d["enforced"] else "would be denied (report mode)"
        lines.append(f"\n{verdict}: {d['principal']}\n  {d['action']} on {d['resource']}\n  {d['reason']}")
        if d.get("operation"):
            lines.append(f"  during: {d['operation']}")
        if d["deciding_policy"]:
            lines.append(f"  decided by: {d['deciding_policy']}")
        lines.append(f"  fix: {d['fix']}")
        if d["statement"]:
            lines.append("  " + json.dumps(d["statement"]))
        if d.get("line"):
            lines.append(f"  line (as in the delivery trace and the function's log): {d['line']}")
    if doc["unmapped"]:
        lines.append("\nAllowed without evaluation (no action mapping yet): " +
                     ", ".join(f"{k} x{v}" for k, v in sorted(doc["unmapped"].items())))
    return "\n".join(lines)
