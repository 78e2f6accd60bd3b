"""Why an apply failed, in the local cloud's own words.

Terraform reports what its waiter saw (`unexpected state 'failed', wanted target 'available'. last error:
%!s(<nil>)`), not why. The local cloud knows: an RDS instance that went `failed` carries the reason in
StatusInfos, a Lambda in `Failed` state its StateReason, an event source mapping its StateTransitionReason.
After a failed local apply the runner asks for those through the public APIs (so it works against any
endpoint that fills them in) and prints them beside Terraform's error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_TIMEOUTS = {"connect_timeout": 2, "read_timeout": 5, "retries": {"max_attempts": 1}}


def failure_reasons(endpoint: str, region: str) -> list[str]:
    """One line per resource the local cloud holds in a failed state, with its reason."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=region)

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint, config=Config(**_TIMEOUTS))

    lines: list[str] = []
    for source in (_rds, _lambda, _event_source_mappings):
        try:
            lines.extend(source(client))
        except Exception:  # noqa: BLE001  an explanation is a bonus: never hide Terraform's own error behind ours
            continue
    return lines


def _rds(client: Any) -> Iterator[str]:
    for page in client("rds").get_paginator("describe_db_instances").paginate():
        for instance in page.get("DBInstances", []):
            if instance.get("DBInstanceStatus") != "failed":
                continue
            messages = [info.get("Message", "") for info in instance.get("StatusInfos", []) if info.get("Message")]
            reason = "; ".join(messages) or "no reason recorded"
            yield f"RDS instance {instance['DBInstanceIdentifier']} is failed: {reason}"


def _lambda(client: Any) -> Iterator[str]:
    lambda_ = client("lambda")
    for page in lambda_.get_paginator("list_functions").paginate():
        for function in page.get("Functions", []):
            if function.get("State") == "Failed" or function.get("LastUpdateStatus") == "Failed":
                reason = (function.get("StateReason") or function.get("LastUpdateStatusReason")
                          or "no reason recorded")
                code = function.get("StateReasonCode") or function.get("LastUpdateStatusReasonCode") or ""
                yield f"Lambda function {function['FunctionName']} is Failed{f' ({code})' if code else ''}: {reason}"


def _event_source_mappings(client: Any) -> Iterator[str]:
    for page in client("lambda").get_paginator("list_event_source_mappings").paginate():
        for mapping in page.get("EventSourceMappings", []):
            reason = mapping.get("StateTransitionReason") or ""
            if mapping.get("State") not in ("Creating", "Enabled", "Enabling", "Updating", "Disabled", "Disabling") \
                    or "fail" in reason.lower() or mapping.get("LastProcessingResult", "").startswith("PROBLEM"):
                yield (f"Event source mapping {mapping['UUID']} ({mapping.get('EventSourceArn')}) is "
                       f"{mapping.get('State')}: {reason or mapping.get('LastProcessingResult') or 'no reason recorded'}")
