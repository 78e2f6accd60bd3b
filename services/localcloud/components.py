"""The subsystems that live beside the API layer (Lambda runtime, event pollers, database engines, ...).

Each exposes `install(app)`, which takes the small host interface (localcloud.host.Host), mounts its
routes, registers its start/stop hooks and puts its running object in `app.subsystems`; nothing starts
at import time. server/main.py calls install_all once it has built the app: the server does not import
its subsystems, and they do not import the server.
"""

from __future__ import annotations

from localcloud.host import Host


def install_all(app: Host) -> None:
    # One line per subsystem, in start order.
    from localcloud import iam; iam.install(app)  # IAM as AWS evaluates it: authorizes each AWS request; /_localcloud/iam
    from localcloud.aws import rds; rds.install(app)  # real Postgres/MySQL behind RDS instances
    from localcloud.aws import athena; athena.install(app)  # Athena SQL in DuckDB over Glue tables
    from localcloud import runtime; runtime.install(app)  # Lambda runtime: Runtime API, worker environments
    from localcloud.aws import stepfunctions; stepfunctions.install(app)  # executions run in-process (moto's ASL interpreter)
    from localcloud.events import plane; plane.install(app)  # S3/SNS notifications, event source mappings, alarms
    from localcloud.events import eventbridge_bus; eventbridge_bus.install(app)  # PutEvents' rule matching, for event-bus targets
    from localcloud.events import schedules_runner; schedules_runner.install(app)  # EventBridge schedules and Scheduler, on the local clock
    from localcloud.aws.apigatewayv2 import data_plane as http_apis; http_apis.install(app)  # HTTP API invocations (before REST's: it answers only HTTP APIs' ids)
    from localcloud.aws.apigateway import data_plane; data_plane.install(app)  # REST API invocations: Lambda proxy, AWS, MOCK, HTTP_PROXY
    from localcloud.aws import ecr; ecr.install(app)  # the OCI registry API on ECR's registry hosts; blobs under <state>/ecr
    from localcloud.aws.s3 import cors; cors.install(app)  # browser requests from other origins, by bucket CORS
    from localcloud import console; console.install(app)  # the local console at /_localcloud/console/ (pages, event flow, dashboard)
