"""Overview: services and their health, resource counts, applied stacks with outputs, clock, state, persistence."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from localcloud.console.context import ConsoleContext

# (label, page, service, how to count) — one cheap list call per service, run side by side.
COUNTERS: tuple[tuple[str, str, str, Callable[[Any], int]], ...] = (
    ("S3 buckets", "s3", "s3", lambda c: len(c.list_buckets().get("Buckets", []))),
    ("DynamoDB tables", "dynamodb", "dynamodb", lambda c: len(c.list_tables().get("TableNames", []))),
    ("SQS queues", "sqs", "sqs", lambda c: len(c.list_queues().get("QueueUrls", []))),
    ("Kinesis streams", "kinesis", "kinesis", lambda c: len(c.list_streams().get("StreamNames", []))),
    ("Lambda functions", "lambda", "lambda", lambda c: len(c.list_functions(MaxItems=1000).get("Functions", []))),
    ("State machines", "stepfunctions", "stepfunctions",
     lambda c: len(c.list_state_machines().get("stateMachines", []))),
    ("Rules", "schedules", "events", lambda c: len(c.list_rules().get("Rules", []))),
    ("Secrets", "secrets", "secretsmanager", lambda c: len(c.list_secrets().get("SecretList", []))),
    ("RDS instances", "rds", "rds", lambda c: len(c.describe_db_instances().get("DBInstances", []))),
    ("Glue databases", "glue", "glue", lambda c: len(c.get_databases().get("DatabaseList", []))),
    ("Alarms", "alarms", "cloudwatch", lambda c: len(c.describe_alarms().get("MetricAlarms", []))),
    ("SNS topics", "mailbox", "sns", lambda c: len(c.list_topics().get("Topics", []))),
)


def _count(ctx: ConsoleContext, counter: tuple[str, str, str, Callable[[Any], int]]) -> dict[str, Any]:
    label, page, service, how = counter
    try:
        return {"label": label, "page": page, "service": service, "count": how(ctx.client(service))}
    except Exception as exc:  # one service failing must not blank the overview
        return {"label": label, "page": page, "service": service, "count": None, "error": str(exc)[:300]}


def persistence(state_dir: Path) -> dict[str, Any]:
    folder = state_dir / "moto"
    snapshots = []
    for path in sorted(folder.glob("*.pickle")) if folder.is_dir() else []:
        stat = path.stat()
        snapshots.append({"service": path.stem, "bytes": stat.st_size, "saved_seconds_ago": round(time.time() - stat.st_mtime, 1)})
    return {"directory": str(folder), "enabled": folder.is_dir(), "snapshots": snapshots}


def overview(ctx: ConsoleContext, health: dict[str, Any]) -> dict[str, Any]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        counts = list(pool.map(lambda c: _count(ctx, c), COUNTERS))
    return {"endpoint": ctx.endpoint, "region": ctx.region, "version": health.get("version"),
            "uptime_seconds": health.get("uptime_seconds"), "services": health.get("services", {}),
            "notes": health.get("notes", []), "clock_speed": ctx.settings.clock_speed,
            "state_dir": str(ctx.settings.state_dir), "persistence": persistence(Path(ctx.settings.state_dir)),
            "counts": counts, "stacks": ctx.stacks()}
