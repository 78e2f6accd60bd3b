"""moto.logs: written log events feed metric filters (events/log_metrics.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("logs")
log = logging.getLogger("localcloud.events.logs")


@PATCHES.wrap("moto.logs.models:LogsBackend.put_log_events", signature="(self, log_group_name, log_stream_name, log_events)")
def put_log_events(original: Callable[..., Any], self: Any, log_group_name: str, log_stream_name: str,
                   log_events: list[dict[str, Any]]) -> Any:
    """Metric filters see every log event: the PutLogEvents API's and the Lambda runtime's (runtime/logs.py)."""
    from localcloud.events.log_metrics import on_log_events

    result = original(self, log_group_name, log_stream_name, log_events)
    try:
        on_log_events(self, log_group_name, log_events)
    except Exception:  # a metric filter must never fail the write of the log lines themselves
        log.exception("metric filters on %s failed; the log events were stored", log_group_name)
    return result


@PATCHES.build("moto.logs.models:LogGroup.filter_log_events",
               signature="(self, log_group_name, log_stream_names, start_time, end_time, limit, next_token, "
                         "filter_pattern, interleaved)",
               why="FilterLogEvents reads the events of its page, not every event of the group, parsing the pattern "
                   "once (aws/logs/filtering.py)")
def _filter_log_events(original: Callable[..., Any]) -> Callable[..., Any]:
    from localcloud.aws.logs import filtering

    return filtering.filter_log_events(original)
