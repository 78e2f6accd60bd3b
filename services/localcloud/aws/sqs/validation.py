"""SQS input rules AWS enforces and moto 5.2.5 does not, checked before moto's backend runs.

Each rule comes from the SQS API reference (the botocore model's documentation of the same operations):
- SendMessage / SendMessageBatch MessageBody: required, at least one character, only the Unicode characters
  #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (API_SendMessage).
- MessageDeduplicationId / MessageGroupId: 1 to 128 alphanumeric and punctuation characters (API_SendMessage).
- Batch entry ids (SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch): alphanumeric
  characters, hyphens and underscores, at most 80 (API_SendMessageBatchRequestEntry and its siblings).
- Message attributes of type String or Number need a non-empty value (API_MessageAttributeValue).
- CreateQueue / SetQueueAttributes: only the documented attribute names; FIFO-only attributes only on FIFO
  queues; the queue type never changes; a queue name ends in `.fifo` exactly when the queue is FIFO; the
  numeric attributes within their documented ranges (API_CreateQueue, API_SetQueueAttributes).

The checks sit on moto's SQSBackend, so the JSON and the query protocol are both covered.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from moto.sqs import models as sqs_models
from moto.sqs.exceptions import (
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidParameterValue,
    MissingParameter,
    QueueAlreadyExists,
    SQSException,
)

# API_SendMessage: "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
_INVALID_BODY_CHARACTER = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# API_SendMessage: MessageDeduplicationId / MessageGroupId "alphanumeric characters (a-z, A-Z, 0-9) and
# punctuation (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~)", 128 at most.
_MESSAGE_ID_PARAMETER = re.compile(r"^[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}$")
_BATCH_ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")

# QueueAttributeName in the botocore model, less the ones SQS computes (read-only) and "All".
SETTABLE_ATTRIBUTES = frozenset({
    "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "Policy", "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
})
FIFO_ONLY_ATTRIBUTES = frozenset({"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
                                  "FifoThroughputLimit"})
# API_CreateQueue's "Valid values" for the numeric attributes, inclusive.
INTEGER_RANGES = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1024, 1_048_576),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43_200),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
ENUM_VALUES = {
    "DeduplicationScope": ("messageGroup", "queue"),
    "FifoThroughputLimit": ("perQueue", "perMessageGroupId"),
}
BOOLEAN_ATTRIBUTES = ("FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled")

FIFO_NAME_MESSAGE = ("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                     "must end with .fifo suffix and be 1 to 80 in length.")
STANDARD_NAME_MESSAGE = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"


class InvalidMessageContents(SQSException):
    def __init__(self) -> None:
        super().__init__("InvalidMessageContents",
                         "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF "
                         "| #xE000 to #xFFFD | #x10000 to #x10FFFF")


class InvalidBatchEntryId(SQSException):
    def __init__(self) -> None:
        super().__init__("AWS.SimpleQueueService.InvalidBatchEntryId",
                         "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                         "It can be at most 80 letters long.")


# -- messages ------------------------------------------------------------------------------------------
def check_message_body(body: Any) -> None:
    if body is None or body == "":
        raise MissingParameter("MessageBody")
    if _INVALID_BODY_CHARACTER.search(body):
        raise InvalidMessageContents()


def check_message_id_parameter(name: str, value: str | None) -> None:
    if value is not None and not _MESSAGE_ID_PARAMETER.match(value):
        raise InvalidParameterValue(
            f"Value {value} for parameter {name} is invalid. Reason: {name} can only include alphanumeric and "
            "punctuation characters. 1 to 128 in length.")


def check_message_attributes(attributes: dict[str, Any] | None) -> None:
    for name, value in (attributes or {}).items():
        data_type = (value or {}).get("DataType") or ""
        base_type = data_type.split(".", 1)[0]
        if base_type in ("String", "Number") and not value.get("StringValue"):
            raise InvalidParameterValue(
                f"Message (user) attribute '{name}' must contain a non-empty value of type '{base_type}'.")
        if base_type == "Binary" and not value.get("BinaryValue"):
            raise InvalidParameterValue(
                f"Message (user) attribute '{name}' must contain a non-empty value of type 'Binary'.")


def check_batch_entry_ids(entries: Any) -> None:
    values = entries.values() if isinstance(entries, dict) else entries or []
    for entry in values:
        if not _BATCH_ENTRY_ID.match(str(entry.get("Id", ""))):
            raise InvalidBatchEntryId()


# -- queues --------------------------------------------------------------------------------------------
def check_queue_name(name: str, fifo: bool) -> None:
    if fifo and not name.endswith(".fifo"):
        raise InvalidParameterValue(FIFO_NAME_MESSAGE)
    if not fifo and name.endswith(".fifo"):
        raise InvalidParameterValue(STANDARD_NAME_MESSAGE)


def _is_true(value: Any) -> bool:
    return str(value).lower() == "true"


def check_attributes(attributes: dict[str, Any], fifo: bool) -> None:
    for name, value in attributes.items():
        if name not in SETTABLE_ATTRIBUTES or (name in FIFO_ONLY_ATTRIBUTES and not fifo):
            raise InvalidAttributeName(name)
        if name in INTEGER_RANGES:
            low, high = INTEGER_RANGES[name]
            try:
                number = int(str(value))
            except ValueError:
                raise InvalidAttributeValue(name) from None
            if not low <= number <= high:
                raise InvalidAttributeValue(name)
        elif name in ENUM_VALUES and value not in ENUM_VALUES[name] or name in BOOLEAN_ATTRIBUTES and str(value).lower() not in ("true", "false"):
            raise InvalidAttributeValue(name)


class QueueTypeChange(SQSException):
    def __init__(self) -> None:
        super().__init__("InvalidAttributeValue",
                         "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.")


# -- the hooks on moto's backend -----------------------------------------------------------------------
def _before(method: Callable[..., Any], check: Callable[..., None]) -> Callable[..., Any]:
    @functools.wraps(method)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        check(self, *args, **kwargs)
        return method(self, *args, **kwargs)

    checked.__localcloud_validation__ = method  # type: ignore[attr-defined]
    return checked


def _create_queue(backend: Any, name: str, tags: Any = None, **attributes: Any) -> None:
    attributes = {k: v for k, v in attributes.items() if k != "region"}
    fifo = _is_true(attributes.get("FifoQueue", "false"))
    if "FifoQueue" in attributes and not fifo and name.endswith(".fifo"):
        raise InvalidParameterValue(STANDARD_NAME_MESSAGE)
    check_queue_name(name, fifo)
    # FifoQueue=false is accepted on a standard queue (it is the default); the other FIFO ones are not.
    check_attributes({k: v for k, v in attributes.items() if not (k == "FifoQueue" and not fifo)}, fifo)


def _set_queue_attributes(backend: Any, queue_name: str, attributes: dict[str, Any]) -> None:
    queue = backend.get_queue(queue_name)
    if queue.fifo_queue and "FifoQueue" in attributes and not _is_true(attributes["FifoQueue"]):
        raise QueueTypeChange()
    check_attributes(attributes, queue.fifo_queue)


def _send_message(backend: Any, queue_name: str, message_body: Any, message_attributes: Any = None,
                  delay_seconds: Any = None, deduplication_id: str | None = None, group_id: str | None = None,
                  *args: Any, **kwargs: Any) -> None:
    check_message_body(message_body)
    check_message_attributes(message_attributes)
    check_message_id_parameter("MessageDeduplicationId", deduplication_id)
    check_message_id_parameter("MessageGroupId", group_id)


def _send_message_batch(backend: Any, queue_name: str, entries: dict[str, dict[str, Any]]) -> None:
    check_batch_entry_ids(entries)
    fifo = backend.get_queue(queue_name).fifo_queue
    for entry in entries.values():
        if fifo and not entry.get("MessageGroupId"):
            # In a batch AWS answers InvalidParameterValue for the whole request (SendMessage: MissingParameter).
            raise InvalidParameterValue("The request must contain the parameter MessageGroupId.")
        check_message_body(entry.get("MessageBody"))
        check_message_attributes(entry.get("MessageAttributes"))
        check_message_id_parameter("MessageDeduplicationId", entry.get("MessageDeduplicationId"))
        check_message_id_parameter("MessageGroupId", entry.get("MessageGroupId"))


def _entries_batch(backend: Any, queue_name: str, entries: list[dict[str, Any]]) -> None:
    check_batch_entry_ids(entries)


def _create_queue_naming_the_difference(method: Callable[..., Any]) -> Callable[..., Any]:
    """CreateQueue on an existing name with other attribute values: AWS's QueueAlreadyExists names the first
    attribute that differs (moto: "The specified queue already exists.")."""

    @functools.wraps(method)
    def create_queue(self: Any, name: str, tags: Any = None, **attributes: Any) -> Any:
        try:
            return method(self, name, tags, **attributes)
        except QueueAlreadyExists:
            existing = self.queues[name].attributes
            given = sqs_models.Queue(name, region=self.region_name, account_id=self.account_id,
                                     **{k: v for k, v in attributes.items() if k != "region"}).attributes
            for key in attributes:
                if key != "region" and existing.get(key) != given.get(key):
                    raise QueueAlreadyExists(f"A queue already exists with the same name and a different value "
                                             f"for attribute {key}") from None
            raise

    create_queue.__localcloud_validation_exists__ = method  # type: ignore[attr-defined]
    return create_queue


HOOKS = {
    "create_queue": _create_queue,
    "set_queue_attributes": _set_queue_attributes,
    "send_message": _send_message,
    "send_message_batch": _send_message_batch,
    "delete_message_batch": _entries_batch,
    "change_message_visibility_batch": _entries_batch,
}
