"""Follow a Lambda's CloudWatch Logs group: each poll returns the lines not seen yet, oldest first.

Used by `localcloud logs --follow` and by `localcloud dev`, which tails every function it reloads.
"""

from __future__ import annotations

import time
from typing import Any


class LogTail:
    def __init__(self, client: Any, group: str, since_seconds: float = 0.0) -> None:
        self.client = client
        self.group = group
        self.start = int((time.time() - since_seconds) * 1000)
        self._seen: set[str] = set()

    def poll(self) -> list[dict[str, Any]]:
        """New events since the last poll. Raises botocore's ClientError (ResourceNotFoundException while
        the group does not exist yet) and EndpointConnectionError as the client does."""
        pages = self.client.get_paginator("filter_log_events").paginate(logGroupName=self.group,
                                                                        startTime=self.start)
        events = [e for page in pages for e in page["events"]]
        fresh = []
        for entry in sorted(events, key=lambda e: (e["timestamp"], e.get("ingestionTime", 0))):
            if entry["eventId"] not in self._seen:
                self._seen.add(entry["eventId"])
                fresh.append(entry)
                self.start = max(self.start, entry["timestamp"])
        return fresh
