"""A ring buffer of recent deliveries — source, target, latency, result, retries — for `localcloud events`.

Served as JSON at GET /_localcloud/events (newest last; ?limit=N, ?source=substring).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs

CAPACITY = 10000  # the console's live trace holds this many without slowing (a deque of small records)


@dataclass
class Delivery:
    source: str  # e.g. "s3:bucket/key", "kinesis:arn", "events:rule/name", "sns:topic-arn"
    target: str  # e.g. a function ARN, a queue ARN, "mailbox:someone@example.com"
    # "ok", "error", "retrying", "dropped", "dead-lettered"; decisions not to deliver: "filtered" (no filter
    # or pattern matched), "skipped" (held by a disabled mapping), "completed" (a one-time schedule is done)
    result: str
    latency_ms: float = 0.0
    attempts: int = 1
    detail: str = ""
    at: float = field(default_factory=time.time)
    seq: int = 0  # increasing: the console's live trace resumes after the last one it saw (Last-Event-ID)


_deliveries: deque[Delivery] = deque(maxlen=CAPACITY)
_lock = threading.Lock()
_sequence = itertools.count(1)


def record(source: str, target: str, result: str, *, latency_ms: float = 0.0, attempts: int = 1,
           detail: str = "") -> Delivery:
    delivery = Delivery(source, target, result, round(latency_ms, 3), attempts, detail[:2000])
    with _lock:
        delivery.seq = next(_sequence)
        _deliveries.append(delivery)
    return delivery


def recent(limit: int = 100, source: str | None = None) -> list[Delivery]:
    with _lock:
        items = list(_deliveries)
    if source:
        items = [d for d in items if source in d.source or source in d.target]
    return items[-limit:]


def since(seq: int, limit: int = CAPACITY) -> list[Delivery]:
    """Deliveries recorded after `seq`, oldest first (at most `limit`, the newest of them)."""
    newer: list[Delivery] = []
    with _lock:
        for delivery in reversed(_deliveries):  # newest first: a poll with nothing new costs one comparison
            if delivery.seq <= seq or len(newer) >= limit:
                break
            newer.append(delivery)
    return newer[::-1]


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    limit = int(query.get("limit", ["100"])[0])
    items = recent(limit, query.get("source", [None])[0])
    body = json.dumps({"deliveries": [asdict(d) for d in items]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
