"""Take moto's own synchronous deliveries out of producers' requests; leave wake-up calls in their place.

moto delivers inside the producer's call: Kinesis PutRecord and DynamoDB writes invoke mapped functions
inline, SQS SendMessage receives and deletes a batch for its mapping, S3 writes invoke notification
targets, SNS Publish POSTs to HTTP endpoints. On AWS these are asynchronous: a producer never waits on a
consumer nor sees its error. So we replace each with a notify/enqueue and let our pollers and delivery
threads do the work (events/esm*.py, s3_notifications.py, sns_delivery.py). Patched from our code,
moto's files untouched; `install()` is idempotent and runs at server start, before any request.
"""

from __future__ import annotations

import threading
from typing import Any

from localcloud.events import wakeup

_installed = False
_lock = threading.Lock()
# Called when a mapping is created or changed, so the supervisor starts its poller at once.
mapping_changed = threading.Event()


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        _lambda_hooks()
        _sqs_hooks()
        _s3_hooks()
        _sns_hooks()
        _kinesis_hooks()
        from localcloud.events import alarms, log_metrics

        log_metrics.install()
        alarms.install_hooks()


def _lambda_hooks() -> None:
    from moto.awslambda.models import LambdaBackend

    def send_kinesis_message(self: Any, function_name: str, kinesis_stream: str, *args: Any, **kwargs: Any) -> None:
        wakeup.notify(kinesis_stream)  # moto calls this once per mapping on each PutRecord(s)

    def send_dynamodb_items(self: Any, function_arn: str, items: Any, source: str) -> None:
        wakeup.notify(source)  # returning None keeps moto from clearing the stream shard's records

    def send_sqs_batch(self: Any, function_arn: str, messages: Any, queue_arn: str) -> bool:
        return False  # unreachable: mappings are detached from queues below; kept as a guard

    LambdaBackend.send_kinesis_message = send_kinesis_message  # type: ignore[method-assign]
    LambdaBackend.send_dynamodb_items = send_dynamodb_items  # type: ignore[method-assign]
    LambdaBackend.send_sqs_batch = send_sqs_batch  # type: ignore[method-assign]

    original_create = LambdaBackend.create_event_source_mapping
    original_update = LambdaBackend.update_event_source_mapping

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        esm = original_create(self, spec)
        detach_from_queue(esm)
        if ":sqs:" not in esm.event_source_arn and esm.starting_position == "LATEST":
            from localcloud.events.esm_streams import latest_positions

            esm.localcloud_latest = latest_positions(esm)  # pickled with the mapping
        mapping_changed.set()
        return esm

    def update_event_source_mapping(self: Any, uuid: str, spec: dict[str, Any]) -> Any:
        esm = original_update(self, uuid, spec)
        mapping_changed.set()
        if esm is not None:
            wakeup.notify(esm.event_source_arn)
        return esm

    LambdaBackend.create_event_source_mapping = create_event_source_mapping  # type: ignore[method-assign]
    LambdaBackend.update_event_source_mapping = update_event_source_mapping  # type: ignore[method-assign]


def detach_from_queue(esm: Any) -> None:
    """moto's Queue.add_message receives a batch for every mapping it holds, inside SendMessage."""
    if ":sqs:" not in esm.event_source_arn:
        return
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, name = esm.event_source_arn.split(":", 5)
    queue = sqs_backends[account][region].queues.get(name)
    if queue is not None:
        queue.lambda_event_source_mappings.clear()


def _sqs_hooks() -> None:
    from moto.sqs.models import Queue

    original_add = Queue.add_message

    def add_message(self: Any, message: Any) -> None:
        original_add(self, message)
        wakeup.notify(self.queue_arn)

    Queue.add_message = add_message  # type: ignore[method-assign]


def _s3_hooks() -> None:
    from moto.s3 import models, notifications
    from moto.s3.exceptions import S3ClientError

    from localcloud.events import s3_notifications

    notifications.send_event = s3_notifications.send_event  # models.py calls notifications.send_event(...)
    notifications.send_test_event = s3_notifications.send_test_event
    original_set = models.FakeBucket.set_notification_configuration

    def set_notification_configuration(self: Any, notification_config: dict[str, Any] | None) -> None:
        problems = s3_notifications.unauthorized_destinations(self, notification_config or {})
        if problems:
            error = S3ClientError("InvalidArgument", "Unable to validate the following destination configurations")
            # AWS names each destination and its problem: ArgumentName1/ArgumentValue1, ...
            error.argument_pairs = list(problems.items())  # type: ignore[attr-defined]
            raise error
        original_set(self, notification_config)

    models.FakeBucket.set_notification_configuration = set_notification_configuration  # type: ignore[method-assign]

    # A versioned DELETE without a version id adds a delete marker; AWS announces that as
    # s3:ObjectRemoved:DeleteMarkerCreated, moto announces nothing.
    original_marker = models.S3Backend._set_delete_marker

    def _set_delete_marker(self: Any, bucket_name: str, key_name: str) -> Any:
        marker = original_marker(self, bucket_name, key_name)
        s3_notifications.send_event(self.account_id, "s3:ObjectRemoved:DeleteMarkerCreated",
                                    self.get_bucket(bucket_name), marker)
        return marker

    models.S3Backend._set_delete_marker = _set_delete_marker  # type: ignore[method-assign]


def _sns_hooks() -> None:
    from moto.sns.models import SNSBackend, Subscription

    from localcloud.events import sns_delivery

    Subscription.publish = sns_delivery.publish  # type: ignore[method-assign]
    original_subscribe = SNSBackend.subscribe

    def subscribe(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
        existing = self._find_subscription(topic_arn, endpoint, protocol)
        subscription = original_subscribe(self, topic_arn, endpoint, protocol)
        if existing is None:
            sns_delivery.confirm(subscription)
        return subscription

    SNSBackend.subscribe = subscribe  # type: ignore[method-assign]


def _kinesis_hooks() -> None:
    """moto finds a shard's newest sequence number by listing every key (O(records) per PutRecord, so
    10,000 puts took 6 s); its records are an insertion-ordered dict, so the ends are O(1)."""
    from moto.kinesis.models import Shard

    def get_max_sequence_number(self: Any) -> int:
        return next(reversed(self.records), 0) if self.records else 0

    def get_min_sequence_number(self: Any) -> int:
        return next(iter(self.records), 0) if self.records else 0

    Shard.get_max_sequence_number = get_max_sequence_number  # type: ignore[method-assign]
    Shard.get_min_sequence_number = get_min_sequence_number  # type: ignore[method-assign]
