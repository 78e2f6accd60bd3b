"""The data-trigger half of the event plane, as one component: `install(app)` from components.py.

moto's inline deliveries are replaced at start (moto_patches), then: event source mapping pollers (esm),
S3 notifications and SNS deliveries (async workers), CloudWatch Logs metric filters and alarm evaluation.
"""

from __future__ import annotations

from localcloud.host import Host


def install(app: Host) -> None:
    from localcloud.events import esm, s3_notifications, sns_delivery, trace

    app.mount("/_localcloud/events", trace.wsgi_app)  # `localcloud events`: the delivery trace

    notifications = app.subsystems.put("s3-notifications", s3_notifications.NotificationWorker())
    app.on_start(notifications.start)
    app.on_stop(notifications.stop)
    sns_workers = app.subsystems.put("sns-delivery", sns_delivery.SnsWorkers(app.settings))
    app.on_start(sns_workers.start)
    app.on_stop(sns_workers.stop)
    esm.install(app)
    from localcloud.events.alarms import AlarmEvaluator

    evaluator = app.subsystems.put("alarms", AlarmEvaluator())
    app.on_start(evaluator.start)
    app.on_stop(evaluator.stop)
