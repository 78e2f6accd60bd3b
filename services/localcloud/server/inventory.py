"""A digest of what the cloud holds at the resource level: which buckets, tables, queues, roles, functions
(and the code each runs), ... exist — not what is inside them.

`localcloud terraform apply` compares it with the digest it recorded after its last apply: a bucket
deleted with the AWS CLI, or a function whose code `localcloud dev` replaced, means Terraform must run
again. Objects, items, messages and records live inside their resources, so uploads, seeding and
pipeline runs leave the digest alone; the top-level collections runtime work fills (Athena query
executions, Step Functions executions, ...) are left out by name below.

Generic on purpose: every moto backend attribute that is a dict of moto models counts, so a service or
resource type added later is covered without a line here. It reads only what is loaded, in memory,
in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

from localcloud.moto_adapter import BaseModel, get_backend

# (service, backend attribute) that grow with use, not with infrastructure.
RUNTIME_COLLECTIONS = {
    ("athena", "executions"), ("athena", "query_results"), ("athena", "query_results_queue"),
    ("stepfunctions", "executions"), ("logs", "queries"), ("logs", "export_tasks"),
    ("glue", "job_runs"), ("glue", "sessions"), ("rds", "snapshots"), ("rds", "cluster_snapshots"),
    ("events", "replays"), ("sqs", "_receipt_handles"), ("kinesis", "_consumers_by_shard"),
    # Lambda writes /aws/lambda/<name> on a function's first run when Terraform did not create it.
    ("logs", "groups"),
    # Every Lambda run assumes its role: STS keeps the temporary keys (ASIA...) among IAM's access keys.
    ("iam", "access_keys"),
}
AWS_MANAGED_POLICY_PREFIX = "arn:aws:iam::aws:policy/"
_MODULE = {"awslambda": "moto.awslambda.models", "dynamodbstreams": "moto.dynamodbstreams.models"}


def _loaded(services: tuple[str, ...]) -> list[str]:
    return [s for s in services if _MODULE.get(s, f"moto.{s}.models") in sys.modules]


def _model_keys(value: Any) -> list[str] | None:
    """The sorted keys of a dict of moto models; None for anything else."""
    if not isinstance(value, dict) or not value:
        return None
    if not all(isinstance(v, BaseModel) for v in value.values()):
        return None
    return sorted(str(k) for k in value)


def _lambda_functions(backend: Any) -> list[list[Any]]:
    """Each function with the code and layers its $LATEST runs (UpdateFunctionCode changes no name)."""
    storage = getattr(backend, "_lambdas", None)
    functions = getattr(storage, "_functions", {}) or {}
    rows = []
    for name, entry in sorted(functions.items()):
        latest = entry.get("latest") if isinstance(entry, dict) else None
        if latest is None:
            continue
        layers = [layer.get("Arn") for layer in (latest.layers or [])]
        rows.append([name, latest.code_sha_256, layers, len(entry.get("versions", []))])
    return rows


def describe(services: tuple[str, ...]) -> dict[str, Any]:
    """{service: {region: {attribute: keys}}} over the loaded services."""
    document: dict[str, Any] = {}
    for service in _loaded(services):
        try:
            backends = get_backend(service)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001  (not a moto service)
            continue
        for account, regions in list(backends.items()):
            for region, backend in list(regions.items()):
                entry: dict[str, Any] = {}
                for attribute, value in list(vars(backend).items()):
                    if (service, attribute) in RUNTIME_COLLECTIONS:
                        continue
                    keys = _model_keys(value)
                    if keys and (service, attribute) == ("iam", "managed_policies"):
                        # AWS's own policies are there or not depending on whether moto loaded its ~1,600
                        # of them yet (a restore brings them all back); only the account's own count.
                        keys = [key for key in keys if not key.startswith(AWS_MANAGED_POLICY_PREFIX)]
                    if keys:
                        entry[attribute] = keys
                if service == "awslambda":
                    entry["functions"] = _lambda_functions(backend)
                if any(entry.values()):
                    document.setdefault(service, {})[f"{account}/{region}"] = entry
    return document


def digest(services: tuple[str, ...]) -> str:
    for attempt in range(3):
        try:
            text = json.dumps(describe(services), sort_keys=True, default=str)
            break
        except RuntimeError:  # a request changed a dict while we walked it: walk again
            if attempt == 2:
                raise
    return hashlib.sha256(text.encode()).hexdigest()
