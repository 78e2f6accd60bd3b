"""SQS mappings: receive a batch, invoke, delete what succeeded; failures reappear after the visibility timeout.

https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html: Lambda deletes the batch when the function
succeeds; on error the messages become visible again after the queue's visibility timeout and the queue's
redrive policy moves them to its DLQ after maxReceiveCount receives (moto's receive does that move).
With ReportBatchItemFailures only the reported message ids stay. Messages that match no filter are
deleted (.../invocation-eventfiltering.html).
"""

from __future__ import annotations

import json
import time
from typing import Any

from localcloud.clock import clock
from localcloud.events import wakeup
from localcloud.events.esm_common import BasePoller


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    shaped: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")}
    if "StringValue" in value:
        shaped["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        binary = value["BinaryValue"]
        shaped["binaryValue"] = binary.decode() if isinstance(binary, bytes) else binary
    return shaped


class SqsPoller(BasePoller):
    def queue(self) -> tuple[Any, Any] | None:
        from localcloud.moto_adapter import sqs_backends

        backend = sqs_backends[self.account][self.region]
        queue = backend.queues.get(self.source_arn.rsplit(":", 1)[1])
        return (backend, queue) if queue is not None else None

    def poll_once(self) -> None:
        since = wakeup.token(self.source_arn)
        found = self.queue() if self.enabled else None
        if found is None:
            self.idle(since, 1.0)
            return
        backend, queue = found
        messages = self._receive(backend, queue, self.esm.batch_size)
        if not messages:
            # Messages whose visibility timeout runs out announce nothing: look again within a second.
            self.idle(since, min(1.0, max(0.05, clock().wall_seconds(1.0))))
            return
        window = self.esm.max_batch_window or 0
        deadline = time.monotonic() + clock().wall_seconds(window)
        while len(messages) < self.esm.batch_size and not self.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            since = wakeup.token(self.source_arn)
            more = self._receive(backend, queue, self.esm.batch_size - len(messages))
            if more:
                messages.extend(more)
            else:
                wakeup.wait(self.source_arn, since, remaining)
        self.process(backend, queue, messages)

    def _receive(self, backend: Any, queue: Any, count: int) -> list[Any]:
        return backend.receive_message(queue.name, count, 0, int(queue.visibility_timeout or 30),
                                       message_attribute_names=["All"])

    def record(self, message: Any, queue: Any) -> dict[str, Any]:
        attributes = {"ApproximateReceiveCount": str(message.approximate_receive_count),
                      "SentTimestamp": str(message.sent_timestamp), "SenderId": message.sender_id,
                      "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp)}
        if message.group_id:
            attributes.update({"MessageGroupId": message.group_id, "SequenceNumber": str(message.sequence_number),
                               "MessageDeduplicationId": message.deduplication_id or ""})
        return {"messageId": message.id, "receiptHandle": message.receipt_handle, "body": message.body,
                "attributes": attributes,
                "messageAttributes": {k: _attribute(v) for k, v in message.message_attributes.items()},
                "md5OfBody": message.body_md5, "eventSource": "aws:sqs", "eventSourceARN": self.source_arn,
                "awsRegion": self.region}

    def filter_view(self, record: dict[str, Any]) -> dict[str, Any]:
        view = dict(record)
        try:
            view["body"] = json.loads(record["body"])
        except ValueError:
            pass  # plain-text bodies match only patterns on the string itself
        return view

    def process(self, backend: Any, queue: Any, messages: list[Any]) -> None:
        records, dropped = [], []
        for message in messages:
            record = self.record(message, queue)
            (records if self.matches(record) else dropped).append(record)
        for record in dropped:
            self._delete_message(backend, queue, record["receiptHandle"])
            self.trace_filtered(record["messageId"])
        if not records:
            return
        result = self.invoke(records)
        if result.ok and not result.failed_ids:
            failed: set[str] = set()
        elif result.ok and result.failed_ids and "*" not in result.failed_ids:
            failed = set(result.failed_ids)
        else:
            failed = {r["messageId"] for r in records}
        for record in records:
            if record["messageId"] in failed:
                self._hide(queue, record["messageId"])
            else:
                self._delete_message(backend, queue, record["receiptHandle"])
        from localcloud.state import changes

        changes.mark("sqs")  # deleted outside a request: the next snapshot must pickle the queue

    @staticmethod
    def _delete_message(backend: Any, queue: Any, receipt_handle: str) -> None:
        try:
            backend.delete_message(queue.name, receipt_handle)
        except Exception:  # already gone (purged, or deleted by another consumer)
            pass

    @staticmethod
    def _hide(queue: Any, message_id: str) -> None:
        """Keep a failed message invisible for the visibility timeout, on the local clock."""
        from localcloud.moto_adapter import unix_time_millis

        wall_ms = clock().wall_seconds(float(queue.visibility_timeout or 30)) * 1000
        for message in list(queue._messages):
            if message.id == message_id:
                message.visible_at = unix_time_millis() + wall_ms
