"""The stack's resources and the event edges between them, each edge with live counts and its last error.

Edges come from the configuration (S3 notifications, event source mappings, rule targets, SNS
subscriptions, Step Functions tasks, alarm actions, queue redrive, a function's DLQ) and from what the
delivery trace saw. A function whose environment names a bucket, table, stream, queue or secret gets a
"uses" edge: that is how a handler's writes (the rows of a table) show on the graph.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.data.layout import layered
from localcloud.events import trace


def node_id(endpoint: str) -> str:
    """A trace source/target or a configured ARN -> the graph's node id (an unqualified ARN, or kind:name)."""
    if endpoint.startswith("s3:") and not endpoint.startswith("s3:arn"):
        return "arn:aws:s3:::" + endpoint[3:].split("/", 1)[0]
    if ":arn:" in endpoint and not endpoint.startswith("arn:"):
        endpoint = endpoint[endpoint.index("arn:"):]
    if endpoint.startswith("arn:aws:lambda:"):
        return ":".join(endpoint.split(":")[:7])  # drop a version or alias qualifier
    if endpoint.startswith("arn:aws:dynamodb:") and "/stream/" in endpoint:
        return endpoint.split("/stream/")[0]  # the table's stream is drawn as the table
    if endpoint.startswith(("email:", "email-json:")):
        return "mailbox:" + endpoint.split(":", 1)[1]
    return endpoint


def _kind(node: str) -> str:
    if node.startswith("mailbox:"):
        return "mailbox"
    parts = node.split(":")
    if len(parts) > 5 and parts[2] == "events":
        return "rule"
    if len(parts) > 5 and parts[2] == "states":
        return "state machine"
    if node.startswith("api:"):
        return "api"
    return {"s3": "bucket", "lambda": "function", "kinesis": "stream", "dynamodb": "table", "sqs": "queue",
            "sns": "topic", "cloudwatch": "alarm", "secretsmanager": "secret", "scheduler": "schedule"}.get(
                parts[2] if len(parts) > 2 else "", "resource")


def _label(node: str) -> str:
    """The resource's name (what its own page is called by); a secret's ARN suffix and an -<account> tail go."""
    if node.startswith(("mailbox:", "api:")):
        return node.split(":", 1)[1]
    tail = node.split(":")[-1] if not node.startswith("arn:aws:s3:::") else node[len("arn:aws:s3:::"):]
    return tail.split("/")[-1] if "/" in tail else tail


def _short(label: str, account_id: str) -> str:
    return label.removesuffix(f"-{account_id}") if account_id else label


def _collect(ctx: ConsoleContext) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """(source, target, kind) edges from the configuration, and {name: node} for env-var references."""
    region, account = ctx.region, ctx.settings.account_id
    edges: list[tuple[str, str, str]] = []
    names: dict[str, str] = {}

    def s3() -> None:
        client = ctx.client("s3")
        for bucket in client.list_buckets().get("Buckets", []):
            node = "arn:aws:s3:::" + bucket["Name"]
            names[bucket["Name"]] = node
            config = client.get_bucket_notification_configuration(Bucket=bucket["Name"])
            for key, arn_key in (("LambdaFunctionConfigurations", "LambdaFunctionArn"),
                                 ("QueueConfigurations", "QueueArn"), ("TopicConfigurations", "TopicArn")):
                for entry in config.get(key, []):
                    edges.append((node, node_id(entry[arn_key]), "notification"))

    def mappings() -> None:
        client = ctx.client("lambda")
        for page in client.get_paginator("list_event_source_mappings").paginate():
            for m in page["EventSourceMappings"]:
                edges.append((node_id(m["EventSourceArn"]), node_id(m["FunctionArn"]), "mapping"))
        for page in client.get_paginator("list_functions").paginate():
            for f in page["Functions"]:
                fn = node_id(f["FunctionArn"])
                for value in (f.get("Environment") or {}).get("Variables", {}).values():
                    edges.append((fn, "env:" + value, "uses"))
                dlq = (f.get("DeadLetterConfig") or {}).get("TargetArn")
                if dlq:
                    edges.append((fn, node_id(dlq), "dead-letter"))

    def rules() -> None:
        client = ctx.client("events")
        for rule in client.list_rules().get("Rules", []):
            for target in client.list_targets_by_rule(Rule=rule["Name"]).get("Targets", []):
                edges.append((rule["Arn"], node_id(target["Arn"]), "rule target"))

    def topics() -> None:
        client = ctx.client("sns")
        for page in client.get_paginator("list_subscriptions").paginate():
            for sub in page["Subscriptions"]:
                target = f"mailbox:{sub['Endpoint']}" if sub["Protocol"].startswith("email") else node_id(sub["Endpoint"])
                edges.append((sub["TopicArn"], target, "subscription"))

    def machines() -> None:
        client = ctx.client("stepfunctions")
        for machine in client.list_state_machines().get("stateMachines", []):
            definition = client.describe_state_machine(stateMachineArn=machine["stateMachineArn"])["definition"]
            for state in json.loads(definition).get("States", {}).values():
                target = (state.get("Parameters") or {}).get("FunctionName") or state.get("Resource", "")
                if isinstance(target, str) and target.startswith("arn:aws:lambda:"):
                    edges.append((machine["stateMachineArn"], node_id(target), "task"))
                elif isinstance(target, str) and target.startswith("arn:aws:states:::sns:publish"):
                    topic = (state.get("Parameters") or {}).get("TopicArn")
                    if topic:
                        edges.append((machine["stateMachineArn"], topic, "task"))

    def alarms() -> None:
        for alarm in ctx.client("cloudwatch").describe_alarms().get("MetricAlarms", []):
            for action in alarm.get("AlarmActions", []):
                edges.append((alarm["AlarmArn"], node_id(action), "alarm action"))

    def queues_and_streams() -> None:
        sqs = ctx.client("sqs")
        for url in sqs.list_queues().get("QueueUrls", []):
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "RedrivePolicy"])["Attributes"]
            names[url.rsplit("/", 1)[-1]] = attributes["QueueArn"]
            names[url] = attributes["QueueArn"]
            redrive = json.loads(attributes.get("RedrivePolicy") or "{}")
            if redrive.get("deadLetterTargetArn"):
                edges.append((attributes["QueueArn"], redrive["deadLetterTargetArn"], "dead-letter"))
        for stream in ctx.client("kinesis").list_streams().get("StreamNames", []):
            names[stream] = f"arn:aws:kinesis:{region}:{account}:stream/{stream}"
        for table in ctx.client("dynamodb").list_tables().get("TableNames", []):
            names[table] = f"arn:aws:dynamodb:{region}:{account}:table/{table}"
        for secret in ctx.client("secretsmanager").list_secrets().get("SecretList", []):
            names[secret["ARN"]] = secret["ARN"]

    def rest_apis() -> None:
        client = ctx.client("apigateway")
        for api in client.get_rest_apis().get("items", []):
            node = f"api:{api['name']}"  # no delivery names an API in the trace, so its name is its id
            for resource in client.get_resources(restApiId=api["id"], embed=["methods"]).get("items", []):
                for method in (resource.get("resourceMethods") or {}).values():
                    uri = (method.get("methodIntegration") or {}).get("uri", "")
                    if ":function:" in uri:  # arn:aws:apigateway:r:lambda:path/2015-03-31/functions/<arn>/invocations
                        function = uri.split("/functions/", 1)[-1].split("/invocations", 1)[0]
                        edges.append((node, node_id(function), "integration"))

    collectors: list[Callable[[], None]] = [s3, mappings, rules, topics, machines, alarms, queues_and_streams,
                                            rest_apis]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(c) for c in collectors]:
            try:
                future.result()
            except Exception:  # noqa: BLE001  (a service that fails leaves its edges out, not the graph)
                pass
    return edges, names


def graph(ctx: ConsoleContext) -> dict[str, Any]:
    configured, names = _collect(ctx)
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for source, target, kind in configured:
        if target.startswith("env:"):
            target = names.get(target[4:], "")
            if not target:
                continue
        edges.setdefault((source, target), {"source": source, "target": target, "kind": kind, "count": 0,
                                            "errors": 0, "last_error": None, "last_at": None})
    for delivery in trace.recent(trace.CAPACITY):
        if delivery.target in ("-", ""):
            continue
        key = (node_id(delivery.source), node_id(delivery.target))
        edge = edges.setdefault(key, {"source": key[0], "target": key[1], "kind": "observed", "count": 0,
                                      "errors": 0, "last_error": None, "last_at": None})
        edge["count"] += 1
        edge["last_at"] = delivery.at
        if delivery.result not in ("ok", "filtered"):
            edge["errors"] += 1
            edge["last_error"] = f"{delivery.result}: {delivery.detail}"[:300]
    nodes = sorted({n for key in edges for n in key})
    account = ctx.settings.account_id
    laid = layered([{"id": n, "label": _label(n), "short": _short(_label(n), account), "kind": _kind(n)}
                    for n in nodes], list(edges.values()))
    return laid


def deliveries(after: int = 0, limit: int = 500, search: str = "", result: str = "") -> list[dict[str, Any]]:
    from dataclasses import asdict

    items = trace.since(after, limit if not (search or result) else trace.CAPACITY)
    found = [asdict(d) for d in items
             if (not search or search in d.source or search in d.target or search in d.detail)
             and (not result or d.result == result)]
    return found[-limit:]
