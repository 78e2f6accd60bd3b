"""S3 event notifications to Lambda, SQS, SNS and EventBridge: matched on write, delivered by a background
worker through the delivery layer (events/targets.py).

https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html (event JSON,
version 2.1), .../notification-how-to-filtering.html (prefix/suffix), .../grant-destinations-permissions-to-s3.html
(S3 may only notify destinations whose resource policy allows it; otherwise
PutBucketNotificationConfiguration fails with InvalidArgument "Unable to validate the following destination
configurations"), .../how-to-enable-disable-notification-intro.html (an s3:TestEvent on configuration).
moto's synchronous send_event / send_test_event are replaced (moto_patches/s3.py), so a PUT returns at once.
Each accepted event is in the outbox (localcloud.state.outbox) from the write until its delivery ends,
so it survives a restart or a crash with the object that caused it: at-least-once, as AWS promises.
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from localcloud.events import policies, trace
from localcloud.events.targets import DeliveryContext, TargetError, deliver
from localcloud.host import find
from localcloud.state.outbox import outbox

log = logging.getLogger("localcloud.events.s3")

OUTBOX_KIND = "s3-notification"
_sequence = itertools.count(1)
Job = tuple[str, str, str, str]  # (target ARN, body, trace source, kind: cloud_function/queue/topic/eventbridge)


class NotificationWorker:
    """The app's S3 notification thread (host.subsystems["s3-notifications"], installed by events/plane.py):
    a write accepts its events into the outbox and this queue; the thread delivers them in order."""

    def __init__(self) -> None:
        self.work: queue.Queue[tuple[str, Job] | None] = queue.Queue()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        outbox.register(OUTBOX_KIND, lambda item_id, job: self.work.put((item_id, job)))
        if self.thread is None:
            self.stopping.clear()
            self.thread = threading.Thread(target=self._loop, name="s3-notifications", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.work.put(None)

    def _loop(self) -> None:
        while True:
            queued = self.work.get()
            if queued is None or self.stopping.is_set():
                return  # what is left stays in the outbox, saved with the state
            item_id, (arn, body, source, kind) = queued
            try:
                deliver(arn, *_context(arn, body, source, kind))
            except TargetError as exc:  # a destination deleted after configuration: AWS drops the event too
                log.warning("S3 notification from %s not delivered: %s", source, exc)
            except Exception:  # localcloud itself failed: keep the event for the next start rather than lose it
                log.exception("S3 notification from %s failed in localcloud; it stays pending", source)
                continue
            outbox.done(OUTBOX_KIND, item_id)


def _accept(job: Job) -> None:
    item_id = outbox.add(OUTBOX_KIND, job)  # without a worker (not serving) it waits there for the next start
    worker = find("s3-notifications")
    if worker is not None:
        worker.work.put((item_id, job))


# -- matching ------------------------------------------------------------------------------------------
def event_matches(configured: list[str], event_name: str) -> bool:
    """`s3:ObjectCreated:*` covers every ObjectCreated event; names are exact otherwise."""
    family = event_name.rsplit(":", 1)[0] + ":*"
    return event_name in configured or family in configured


def key_matches(filters: dict[str, Any], key: str) -> bool:
    """Prefix/suffix rules; rule names are case-insensitive on AWS ("Prefix" or "prefix")."""
    rules = {r["Name"].lower(): r["Value"] for r in (filters.get("S3Key") or {}).get("FilterRule", [])}
    return key.startswith(rules.get("prefix", "")) and key.endswith(rules.get("suffix", ""))


# -- the event -----------------------------------------------------------------------------------------
def _serving_request() -> Any | None:
    """The request moto is serving on this thread: the fast path's (server/fast_path), else Flask's."""
    from localcloud.server.fast_path import current_request

    request = current_request()
    if request is not None:
        return request
    from flask import has_request_context
    from flask import request as flask_request

    return flask_request if has_request_context() else None


def _requester() -> tuple[str, str]:
    """(source IP, principal) of the request being served, when moto is serving one."""
    try:
        request = _serving_request()
        if request is not None:
            auth = request.headers.get("Authorization", "")
            key = auth.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in auth else "anonymous"
            return request.remote_addr or "127.0.0.1", f"AWS:{key}"
    except Exception:
        pass
    return "127.0.0.1", "AWS:localcloud"


def build_event(event_name: str, bucket: Any, key: Any, configuration_id: str, region: str) -> dict[str, Any]:
    source_ip, principal = _requester()
    obj: dict[str, Any] = {"key": quote_plus(key.name, safe="/")}
    if not event_name.startswith("s3:ObjectRemoved"):
        obj.update({"size": key.size, "eTag": key.etag.strip('"')})
    if getattr(bucket, "is_versioned", False) and getattr(key, "version_id", None) not in (None, "null"):
        obj["versionId"] = key.version_id
    obj["sequencer"] = f"{time.time_ns():016X}{next(_sequence):04X}"
    request_id = uuid.uuid4().hex[:16].upper()
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region,
        "eventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "eventName": event_name[3:],  # s3:ObjectCreated:Put -> ObjectCreated:Put
        "userIdentity": {"principalId": principal},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": uuid.uuid4().hex * 2},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": configuration_id,
               "bucket": {"name": bucket.name, "ownerIdentity": {"principalId": "A" + bucket.account_id},
                          "arn": f"arn:aws:s3:::{bucket.name}"},
               "object": obj},
    }]}


def _tagging_side_effect(name: str) -> bool:
    """moto's PutObject/CopyObject tag every new key through put_object_tagging, which announces
    s3:ObjectTagging:Put; AWS announces it only for PutObjectTagging (a request with ?tagging)."""
    if name != "s3:ObjectTagging:Put":
        return False
    try:
        request = _serving_request()
        return request is not None and "tagging" not in request.args
    except Exception:
        return False


def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
    """moto's hook, called inside the write: build the events now (the key may change), deliver later."""
    config = bucket.notification_configuration
    name = str(getattr(event_name, "value", event_name))
    if config is None or _tagging_side_effect(name):
        return
    for kind in ("cloud_function", "queue", "topic"):
        for notification in getattr(config, kind):
            events = notification.events if isinstance(notification.events, list) else [notification.events]
            source = f"s3:{bucket.name}/{key.name}"
            if not event_matches(events, name):
                trace.record(source, notification.arn, "filtered", detail=f"{name[3:]} is not among {events}")
            elif not key_matches(notification.filters, key.name):
                trace.record(source, notification.arn, "filtered",
                             detail=f"{name[3:]}: the key does not match the prefix/suffix filter")
            else:
                body = json.dumps(build_event(name, bucket, key, notification.id, bucket.region_name))
                _accept((notification.arn, body, source, kind))
    if config.event_bridge is not None:  # EventBridge enabled on the bucket: every event, to the default bus
        bus = f"arn:aws:events:{bucket.region_name}:{account_id}:event-bus/default"
        _accept((bus, json.dumps(eventbridge_event(name, bucket, key)), f"s3:{bucket.name}/{key.name}",
                 "eventbridge"))


# S3's EventBridge detail types by event family.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html (event message structure)
_DETAIL_TYPES = {"ObjectCreated": "Object Created", "ObjectRemoved": "Object Deleted",
                 "LifecycleExpiration": "Object Deleted", "ObjectRestore:Post": "Object Restore Initiated",
                 "ObjectRestore:Completed": "Object Restore Completed",
                 "ObjectRestore:Delete": "Object Restore Expired", "ObjectTagging:Put": "Object Tags Added",
                 "ObjectTagging:Delete": "Object Tags Deleted", "ObjectAcl:Put": "Object ACL Updated",
                 "LifecycleTransition": "Object Storage Class Changed",
                 "IntelligentTiering": "Object Access Tier Changed"}


def eventbridge_event(event_name: str, bucket: Any, key: Any) -> dict[str, Any]:
    """The detail-type, resources and detail S3 puts on the default bus (source aws.s3)."""
    name = event_name[3:]  # s3:ObjectCreated:Put -> ObjectCreated:Put
    family = name.split(":", 1)[0]
    detail_type = _DETAIL_TYPES.get(name) or _DETAIL_TYPES.get(family) or family
    source_ip, principal = _requester()
    obj: dict[str, Any] = {"key": key.name, "sequencer": f"{time.time_ns():016X}{next(_sequence):04X}"}
    if family != "ObjectRemoved":
        obj.update({"size": key.size, "etag": key.etag.strip('"')})
    if getattr(key, "version_id", None) not in (None, "null"):
        obj["version-id"] = key.version_id
    detail = {"version": "0", "bucket": {"name": bucket.name}, "object": obj,
              "request-id": uuid.uuid4().hex[:16].upper(), "requester": bucket.account_id,
              "source-ip-address": source_ip, "reason": _REASONS.get(name, name.split(":")[-1])}
    return {"detail-type": detail_type, "resources": [f"arn:aws:s3:::{bucket.name}"], "detail": detail}


_REASONS = {"ObjectCreated:Put": "PutObject", "ObjectCreated:Post": "POST Object", "ObjectCreated:Copy": "CopyObject",
            "ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
            "ObjectRemoved:Delete": "DeleteObject", "ObjectRemoved:DeleteMarkerCreated": "DeleteObject"}


def _context(arn: str, body: str, source: str, kind: str) -> tuple[str, DeliveryContext]:
    """The payload and delivery context of a saved job (an EventBridge job carries its detail-type)."""
    if kind == "eventbridge":
        event = json.loads(body)
        return json.dumps(event["detail"]), DeliveryContext(source=source, event_source="aws.s3",
                                                             detail_type=event["detail-type"],
                                                             resources=tuple(event["resources"]))
    return body, DeliveryContext(source=source, subject="Amazon S3 Notification" if kind == "topic" else None)


# -- configuration time --------------------------------------------------------------------------------
def unauthorized_destinations(bucket: Any, config: dict[str, Any]) -> dict[str, str]:
    """Destination ARN -> why S3 may not use it, as AWS words it."""
    bucket_arn = f"arn:aws:s3:::{bucket.name}"
    problems: dict[str, str] = {}
    for item in _as_list(config.get("CloudFunctionConfiguration")):
        arn = item.get("CloudFunction", "")
        if not _lambda_allows(arn, bucket_arn, bucket.account_id):
            problems[arn] = f"Not authorized to invoke function [{arn}]"
    for item in _as_list(config.get("QueueConfiguration")):
        arn = item.get("Queue", "")
        if not _queue_allows(arn, bucket_arn, bucket.account_id):
            problems[arn] = "Permissions on the destination queue do not allow S3 to publish notifications from this bucket"
    for item in _as_list(config.get("TopicConfiguration")):
        arn = item.get("Topic", "")
        if not _topic_allows(arn, bucket_arn, bucket.account_id):
            problems[arn] = "Permissions on the destination topic do not allow S3 to publish notifications from this bucket"
    return problems


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([value] if value else [])


def _lambda_allows(arn: str, bucket_arn: str, account: str) -> bool:
    from localcloud.moto_adapter import lambda_backends

    try:
        _, _, _, region, owner, _ = arn.split(":", 5)
        function = lambda_backends[owner][region].get_function(arn)
    except Exception:
        return False
    return policies.allows({"Statement": function.policy.statements}, "s3.amazonaws.com",
                           "lambda:InvokeFunction", bucket_arn, account, resource=function.function_arn)


def _queue_allows(arn: str, bucket_arn: str, account: str) -> bool:
    from localcloud.moto_adapter import sqs_backends

    try:
        _, _, _, region, owner, name = arn.split(":", 5)
        queue_ = sqs_backends[owner][region].queues[name]
    except Exception:
        return False
    return policies.allows(queue_.policy, "s3.amazonaws.com", "sqs:SendMessage", bucket_arn, account,
                           resource=queue_.queue_arn)


def _topic_allows(arn: str, bucket_arn: str, account: str) -> bool:
    from localcloud.moto_adapter import sns_backends

    try:
        _, _, _, region, owner, _ = arn.split(":", 5)
        topic = sns_backends[owner][region].get_topic(arn)
    except Exception:
        return False
    return policies.allows(topic.policy, "s3.amazonaws.com", "sns:Publish", bucket_arn, account, resource=arn)


def send_test_event(account_id: str, bucket: Any) -> None:
    """s3:TestEvent to each SQS queue and SNS topic on (re)configuration; Lambda gets none."""
    config = bucket.notification_configuration
    body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent",
                       "Time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                       "Bucket": bucket.name, "RequestId": uuid.uuid4().hex[:16].upper(),
                       "HostId": uuid.uuid4().hex * 2})
    for arn in sorted({n.arn for n in config.queue} | {n.arn for n in config.topic}):
        _accept((arn, body, f"s3:{bucket.name}", "topic" if ":sns:" in arn else "queue"))
