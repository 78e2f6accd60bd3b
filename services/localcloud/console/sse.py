"""The live delivery trace as server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html).

The endpoint's HTTP server sends each response in one write, so a stream is a series of bounded answers:
each one waits (at most HOLD_SECONDS) for deliveries after the client's Last-Event-ID, sends them, and
ends with `retry:`, after which the browser's EventSource reconnects by itself with the last id it saw.
No delivery is lost between answers: ids are the trace's sequence numbers.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

from localcloud.console.web import Request, Response
from localcloud.events import trace

HOLD_SECONDS = 10.0
POLL_SECONDS = 0.2
RETRY_MS = 300
BATCH = 1000


def stream(request: Request) -> Response:
    after = max(request.int_arg("after", 0, low=0, high=10**12),
                _int(request.environ.get("HTTP_LAST_EVENT_ID", "")))
    hold = float(request.int_arg("hold", int(HOLD_SECONDS), low=0, high=30))
    deadline = time.monotonic() + hold
    items = trace.since(after, BATCH)
    while not items and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        items = trace.since(after, BATCH)
    lines = [f"retry: {RETRY_MS}\n\n"]
    lines.extend(f"id: {d.seq}\nevent: delivery\ndata: {json.dumps(asdict(d))}\n\n" for d in items)
    if not items:
        lines.append(": nothing new\n\n")
    return Response(200, "".join(lines).encode(), "text/event-stream; charset=utf-8")


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0


__all__: list[Any] = ["stream"]
