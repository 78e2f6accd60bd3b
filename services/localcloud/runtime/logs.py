"""Each invocation's log lines, in AWS's format, into CloudWatch Logs through moto's backend.

https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html (START / END / REPORT lines).
"""

from __future__ import annotations

import base64
import math
import time
import uuid
from datetime import UTC, datetime

from localcloud.moto_adapter import logs_backends
from localcloud.runtime.environment import Invocation
from localcloud.runtime.functions import FunctionSpec

TAIL_BYTES = 4096  # LogType=Tail returns the last 4 KB


def stream_name(version: str) -> str:
    return f"{datetime.now(UTC):%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def create_stream(spec: FunctionSpec, stream: str) -> None:
    backend = logs_backends[spec.account_id][spec.region]
    backend.ensure_log_group(spec.log_group)
    try:
        backend.create_log_stream(spec.log_group, stream)
    except Exception:  # noqa: BLE001, S110  (already there: a restarted server reusing state)
        pass


def invocation_lines(spec: FunctionSpec, invocation: Invocation, prelude: bytes = b"") -> list[str]:
    rid = invocation.request_id
    lines = [line for line in prelude.decode("utf-8", "replace").splitlines()]
    lines.append(f"START RequestId: {rid} Version: {spec.version}")
    lines.extend(invocation.output.decode("utf-8", "replace").splitlines())
    if invocation.timed_out:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        lines.append(f"{stamp} {rid} Task timed out after {spec.timeout:.2f} seconds")
    duration = max(0.0, (invocation.finished - invocation.started) * 1000) if invocation.started else 0.0
    lines.append(f"END RequestId: {rid}")
    report = (f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: {math.ceil(duration)} ms\t"
              f"Memory Size: {spec.memory_size} MB\tMax Memory Used: {invocation.max_memory_mb} MB\t")
    if invocation.init_duration_ms is not None:
        report += f"Init Duration: {invocation.init_duration_ms:.2f} ms\t"
    lines.append(report)
    return lines


def write(spec: FunctionSpec, stream: str, lines: list[str]) -> None:
    now = int(time.time() * 1000)
    events = [{"timestamp": now, "message": line} for line in lines if line]
    if events:
        logs_backends[spec.account_id][spec.region].put_log_events(spec.log_group, stream, events)


def tail(lines: list[str]) -> str:
    text = ("\n".join(lines) + "\n").encode()
    return base64.b64encode(text[-TAIL_BYTES:]).decode()
