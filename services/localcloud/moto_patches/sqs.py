"""moto.sqs: a sent message wakes its pollers; queue attributes count messages only when read."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("sqs")


def add_message(original: Callable[..., None], self: Any, message: Any) -> None:
    """Event source mapping pollers wait on a wake-up, not a poll interval (events/wakeup.py)."""
    from localcloud.events import wakeup

    original(self, message)
    wakeup.notify(self.queue_arn)


@PATCHES.build("moto.sqs.models:Queue.add_message", signature="(self, message)",
               why="pollers wake on a send (events/wakeup.py); FIFO deduplication as AWS keeps it (aws/sqs/fifo.py)")
def _add_message(original: Callable[..., None]) -> Callable[..., None]:
    from localcloud.aws.sqs import fifo

    @functools.wraps(original)
    def waking(self: Any, message: Any) -> None:
        add_message(original, self, message)

    return fifo._add_message(waking)  # a duplicate is dropped before it wakes anyone


COUNTS = {
    "ApproximateNumberOfMessages": "approximate_number_of_messages",
    "ApproximateNumberOfMessagesDelayed": "approximate_number_of_messages_delayed",
    "ApproximateNumberOfMessagesNotVisible": "approximate_number_of_messages_not_visible",
}


class QueueAttributes(dict):
    def __init__(self, queue: Any, eager: dict[str, Any]) -> None:
        super().__init__(eager)
        self._queue = queue
        self._counted = False

    def _count(self) -> None:
        if not self._counted:
            self._counted = True
            for key, attribute in COUNTS.items():
                dict.__setitem__(self, key, getattr(self._queue, attribute))

    def __getitem__(self, key: str) -> Any:
        if key in COUNTS:
            self._count()
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        if key in COUNTS:
            self._count()
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        return key in COUNTS or dict.__contains__(self, key)

    def __iter__(self) -> Iterator[str]:
        self._count()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._count()
        return dict.__len__(self)

    def keys(self):  # type: ignore[override]
        self._count()
        return dict.keys(self)

    def items(self):  # type: ignore[override]
        self._count()
        return dict.items(self)

    def values(self):  # type: ignore[override]
        self._count()
        return dict.values(self)

    def copy(self) -> dict[str, Any]:
        self._count()
        return dict(dict.items(self))


@PATCHES.replace("moto.sqs.models:Queue.attributes", signature="(self)")
def attributes(queue: Any) -> QueueAttributes:
    """moto builds every queue attribute on each SendMessage (to read ContentBasedDeduplication), including
    ApproximateNumberOfMessages*, which walk every message in the queue: SendMessage became O(queue size)
    (8.5 ms with 300 messages). The counts are now computed when read; GetQueueAttributes sees them exact."""
    from moto.core.utils import camelcase_to_underscores

    names = [n for n in queue.BASE_ATTRIBUTES if n not in COUNTS]
    if queue.fifo_queue:
        names += queue.FIFO_ATTRIBUTES
    if queue.kms_master_key_id:
        names += queue.KMS_ATTRIBUTES
    eager: dict[str, Any] = {name: getattr(queue, camelcase_to_underscores(name)) for name in names}
    if queue.policy:
        eager["Policy"] = queue.policy
    if queue.redrive_policy:
        eager["RedrivePolicy"] = json.dumps(queue.redrive_policy)
    for key, value in eager.items():
        if isinstance(value, bool):
            eager[key] = str(value).lower()
    for stamp in ("CreatedTimestamp", "LastModifiedTimestamp"):
        if isinstance(eager.get(stamp), float):  # AWS: whole epoch seconds, in both protocols
            eager[stamp] = int(eager[stamp])
    return QueueAttributes(queue, eager)


# -- issue 17: SQS as AWS answers it. The behaviour lives in localcloud/aws/sqs/, one module per behaviour, each a
# factory `(moto's original) -> what to install`; here it is registered. Where several wrap one target they are
# chained in the order listed (the first innermost).
def _sqs(name: str) -> Any:
    import importlib

    return importlib.import_module(f"localcloud.aws.sqs.{name}")


def _checked(check: str) -> Callable[[Any], Any]:
    return lambda original: _sqs("validation")._before(original, getattr(_sqs("validation"), check))


def _factory(module: str, name: str, *extra: Any) -> Callable[[Any], Any]:
    return lambda original: getattr(_sqs(module), name)(original, *extra)


def _register(location: str, signature: str, why: str, *steps: Callable[[Any], Any]) -> None:
    def build(original: Any) -> Any:
        for step in steps:
            original = step(original)
        return original

    PATCHES.build(location, signature=signature, why=why)(build)


_register("moto.sqs.models:SQSBackend.create_queue", "(self, name, tags=None, **kwargs)",
          "queue name vs type, attribute names and ranges; QueueAlreadyExists names the attribute (validation.py)",
          _factory("validation", "_create_queue_naming_the_difference"), _checked("_create_queue"))
_register("moto.sqs.models:SQSBackend.set_queue_attributes", "(self, queue_name, attributes)",
          "attribute names and ranges, no queue type change (validation.py)", _checked("_set_queue_attributes"))
_register("moto.sqs.models:SQSBackend.send_message",
          "(self, queue_name, message_body, message_attributes=None, delay_seconds=None, deduplication_id=None, "
          "group_id=None, system_attributes=None, validate_group_id=True)",
          "body, ids and attribute values validated; FIFO queue delay and sequence numbers (validation.py, fifo.py)",
          _checked("_send_message"), _factory("fifo", "_send_message"))
_register("moto.sqs.models:SQSBackend.send_message_batch", "(self, queue_name, entries)",
          "batch entry ids, bodies, FIFO group ids (validation.py)", _checked("_send_message_batch"))
_register("moto.sqs.models:SQSBackend.delete_message_batch", "(self, queue_name, receipts)",
          "batch entry ids (validation.py)", _checked("_entries_batch"))
_register("moto.sqs.models:SQSBackend.change_message_visibility_batch", "(self, queue_name, entries)",
          "batch entry ids (validation.py)", _checked("_entries_batch"))
_register("moto.sqs.models:SQSBackend.receive_message",
          "(self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names=None)",
          "FIFO groups unlocked as AWS unlocks them (fifo.py); one receiver at a time per queue, a long poll "
          "waiting outside the lock (receiving.py)", _factory("fifo", "_receive_message"),
          _factory("receiving", "_receive_message"))
_register("moto.sqs.models:Queue.delete_message", "(self, receipt_handle)",
          "under the queue's lock, as receives are (receiving.py)", _factory("receiving", "_delete_message"))
_register("moto.sqs.models:SQSBackend.change_message_visibility", "(self, queue_name, receipt_handle, visibility_timeout)",
          "under the queue's lock, as receives are (receiving.py)", _factory("receiving", "_change_message_visibility"))
PATCHES.replace("moto.sqs.models:Queue.messages", signature="(self)",
                why="visible messages as a lazy view: a receive costs what it returns, not every resident message "
                    "(aws/sqs/receiving.py)")(lambda self: _sqs("receiving").messages(self))
_register("moto.sqs.models:SQSBackend.purge_queue", "(self, queue_name)",
          "PurgeQueue forgets FIFO deduplication (fifo.py)", _factory("fifo", "_purge_queue"))
_register("moto.sqs.models:SQSBackend.add_permission", "(self, region_name, queue_name, actions, account_ids, label)",
          "AddPermission writes a 2008-10-17 policy (permissions.py)", _factory("permissions", "_add_permission"))
_register("moto.sqs.models:SQSBackend.remove_permission", "(self, queue_name, label)",
          "RemovePermission of an unknown label (permissions.py)", _factory("permissions", "_remove_permission"))
_register("moto.core.errors:ErrorLookupFactory._create_error_lut", "(service_model)",
          "SQS's common error InvalidParameterValue under its JSON name (errors.py)",
          lambda original: _sqs("errors")._with_common_errors(original).__func__)
_register("moto.core.serialize:SqsQuerySerializer._serialize_error_metadata", "(self, serialized, error, shape)",
          "query errors without the JSON message member, with <Detail/> (errors.py)",
          _factory("errors", "_query_error_metadata"))
_register("moto.core.responses:BaseResponse.setup_class", "(self, request, full_url=None, headers=None, use_raw_body=None)",
          "a bodiless query-protocol request is read and answered as query protocol (query_protocol.py)",
          _factory("query_protocol", "_setup_class"))
_register("moto.sqs.responses:SQSResponse.create_queue", "(self)", "CreateQueue on a queue URL is InvalidAction",
          _factory("query_protocol", "_service_action", "CreateQueue"))
_register("moto.sqs.responses:SQSResponse.list_queues", "(self)", "ListQueues on a queue URL is InvalidAction",
          _factory("query_protocol", "_service_action", "ListQueues"))
_register("moto.sqs.responses:SQSResponse.send_message", "(self)", "MD5OfMessageSystemAttributes (responses.py)",
          _factory("responses", "_send_message"))
_register("moto.sqs.responses:SQSResponse.send_message_batch", "(self)",
          "MD5OfMessageSystemAttributes, no empty Failed (responses.py)", _factory("responses", "_send_message_batch"))
_register("moto.sqs.responses:SQSResponse.delete_message_batch", "(self)", "no empty Failed (responses.py)",
          _factory("responses", "_without_empty_failed"))
_register("moto.sqs.responses:SQSResponse.change_message_visibility_batch", "(self)", "no empty Failed (responses.py)",
          _factory("responses", "_without_empty_failed"))
_register("moto.sqs.models:Queue.url", "(self, request_url)",
          "queue URLs name their region: two regions, two URLs (queue_urls.py)",
          lambda original: _sqs("queue_urls").queue_url)



_LOWERCASE = bytes(ord("a") + n % 26 for n in range(256))


@PATCHES.replace("moto.sqs.models:generate_receipt_handle", signature="()")
def generate_receipt_handle() -> str:
    """moto draws each received message's 185-letter receipt handle one `random.choice` at a time (the
    largest cost of a ReceiveMessage of 10 after the name conversions, moto_patches/core.py); the same
    format ([a-z]{185}) from 185 bytes of os.urandom. ReceiveMessage is not journaled (state/replay.py), so
    no replay expects these from moto's seeded generator."""
    import os

    return os.urandom(185).translate(_LOWERCASE).decode("ascii")
