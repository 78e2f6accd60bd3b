"""The console's JSON API under /_localcloud/console/api/: one line per route, the work in data/*."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.data import (
    alarms,
    athena,
    dynamodb,
    event_graph,
    glue,
    lambda_,
    mailbox,
    overview,
    rds,
    s3,
    schedules,
    secrets,
    sqs,
    stepfunctions,
    streams,
    warehouse,
)
from localcloud.console.web import Request, Response, Router


def _health(ctx: ConsoleContext) -> dict[str, Any]:
    with urllib.request.urlopen(f"{ctx.endpoint}/_localcloud/health", timeout=10) as answer:
        return json.loads(answer.read())


def build(ctx: ConsoleContext) -> Router:
    router = Router()
    get, post = router.get, router.post

    def page_args(r: Request, size: int = 50) -> dict[str, Any]:
        return {"cursor": r.arg("cursor"), "size": r.int_arg("size", size, high=1000)}

    # Overview
    get("/api/overview")(lambda r: overview.overview(ctx, _health(ctx)))
    # S3
    get("/api/s3/buckets")(lambda r: s3.buckets(ctx, r.arg("search")))
    get("/api/s3/buckets/{bucket}/objects")(lambda r: s3.objects(ctx, r.params["bucket"], r.arg("prefix"),
                                                                 **page_args(r, 100), delimiter=r.arg("delimiter", "/")))
    get("/api/s3/buckets/{bucket}/preview")(lambda r: s3.preview(ctx, r.params["bucket"], r.arg("key")))
    get("/api/s3/buckets/{bucket}/download")(lambda r: _download(ctx, r))
    # DynamoDB
    get("/api/dynamodb/tables")(lambda r: dynamodb.tables(ctx, r.arg("search")))
    get("/api/dynamodb/tables/{table}/items")(lambda r: dynamodb.items(ctx, r.params["table"], **page_args(r),
                                                                       key_value=r.arg("key")))
    # SQS
    get("/api/sqs/queues")(lambda r: sqs.queues(ctx, r.arg("search")))
    get("/api/sqs/queues/{queue}/messages")(lambda r: sqs.peek(ctx, r.params["queue"], r.int_arg("offset", 0, low=0,
                                                                                                  high=10**9)))
    # Kinesis
    get("/api/kinesis/streams")(lambda r: streams.streams(ctx, r.arg("search")))
    get("/api/kinesis/streams/{stream}/records")(lambda r: streams.tail(ctx, r.params["stream"]))
    # Lambda
    get("/api/lambda/functions")(lambda r: lambda_.functions(ctx, r.arg("search"), **page_args(r)))
    get("/api/lambda/functions/{name}")(lambda r: lambda_.detail(ctx, r.params["name"]))
    get("/api/lambda/functions/{name}/logs")(lambda r: lambda_.logs(ctx, r.params["name"], r.int_arg(
        "offset", 0, low=0, high=10**9), r.int_arg("size", 200), r.arg("search")))
    post("/api/lambda/functions/{name}/invoke")(lambda r: lambda_.invoke(ctx, r.params["name"], r.json().get("payload")))
    # Step Functions
    get("/api/stepfunctions/machines")(lambda r: stepfunctions.machines(ctx, r.arg("search")))
    get("/api/stepfunctions/executions")(lambda r: stepfunctions.executions(ctx, r.arg("machine"), **page_args(r),
                                                                            status=r.arg("status")))
    get("/api/stepfunctions/execution")(lambda r: stepfunctions.execution(ctx, r.arg("arn")))
    # Schedules and rules
    get("/api/schedules")(lambda r: schedules.rules(ctx, r.arg("search")))
    post("/api/schedules/fire")(lambda r: schedules.fire(r.json().get("name", "")))
    # Secrets
    get("/api/secrets")(lambda r: secrets.secrets(ctx, r.arg("search")))
    post("/api/secrets/reveal")(lambda r: secrets.reveal(ctx, r.json().get("id", "")))
    # RDS
    get("/api/rds/instances")(lambda r: rds.instances(ctx, r.arg("search")))
    post("/api/rds/query")(lambda r: rds.run_read_only(ctx, r.json().get("secret_arn", ""), r.json().get("sql", "")))
    # Glue and Athena
    get("/api/glue/tables")(lambda r: glue.tables(ctx, r.arg("search")))
    get("/api/glue/tables/{database}/{table}")(lambda r: glue.table(ctx, r.params["database"], r.params["table"],
                                                                    **page_args(r, 100)))
    get("/api/athena")(lambda r: athena.workgroups(ctx))
    post("/api/athena/query")(lambda r: athena.run(ctx, **{k: v for k, v in r.json().items()
                                                           if k in ("sql", "database", "workgroup")}))
    # Alarms, mailbox
    get("/api/alarms")(lambda r: alarms.alarms(ctx, r.arg("search")))
    get("/api/mailbox")(lambda r: mailbox.messages(ctx.settings.state_dir, r.int_arg("offset", 0, low=0, high=10**9),
                                                   r.int_arg("size", 50), r.arg("search")))
    # Event flow
    get("/api/events/graph")(lambda r: event_graph.graph(ctx))
    get("/api/events/deliveries")(lambda r: {"items": event_graph.deliveries(
        r.int_arg("after", 0, low=0, high=10**12), r.int_arg("limit", 500, high=10000), r.arg("search"),
        r.arg("result"))})
    # Warehouse dashboard
    get("/api/warehouse/dashboard")(lambda r: warehouse.dashboard(ctx))
    get("/api/warehouse/last-run")(lambda r: {"last_run": warehouse.last_etl_run(ctx)})
    get("/api/warehouse/lineage")(lambda r: warehouse.lineage(ctx, r.int_arg("sales_record_id", 1, high=10**12)))
    return router


def _download(ctx: ConsoleContext, r: Request) -> Response:
    body, content_type = s3.download(ctx, r.params["bucket"], r.arg("key"))
    name = r.arg("key").rsplit("/", 1)[-1].replace('"', "") or "object"
    return Response(200, body, content_type, [("Content-Disposition", f'attachment; filename="{name}"')])
