"""The data-trigger half of the event plane, as one component: `install(app)` from components.py.

moto's inline deliveries are replaced at start (moto_hooks), then: event source mapping pollers (esm),
S3 notifications and SNS deliveries (async workers), CloudWatch Logs metric filters and alarm evaluation.
"""

from __future__ import annotations

from typing import Any


def install(app: Any) -> None:
    from localcloud.events import esm, moto_hooks, s3_notifications, sns_delivery

    # Before any request can reach moto's own (synchronous) delivery code; it imports moto's models (~0.7 s),
    # so it runs after the server answers and holds the services whose writes deliver events.
    app.on_start(moto_hooks.install, background=True,
                 holds=("s3", "kinesis", "dynamodb", "sqs", "sns", "logs", "awslambda"))
    app.on_start(s3_notifications.start)
    app.on_stop(s3_notifications.stop)
    app.on_start(lambda: sns_delivery.start(app.settings))
    app.on_stop(sns_delivery.stop)
    esm.install(app)
    from localcloud.events.alarms import AlarmEvaluator

    evaluator = AlarmEvaluator()
    app.on_start(evaluator.start)
    app.on_stop(evaluator.stop)
