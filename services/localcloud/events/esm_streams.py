"""Kinesis and DynamoDB Streams mappings: ordered batches per shard, retries, bisect, partial responses.

https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, .../with-ddb.html,
.../services-kinesis-batchfailurereporting.html: without ReportBatchItemFailures a batch checkpoints only
when it fully succeeds and is otherwise retried whole; with it, processing restarts from the lowest
reported sequence number; BisectBatchOnFunctionError splits a failed batch in two (on a partial response,
at the returned sequence number); MaximumRetryAttempts / MaximumRecordAgeInSeconds (-1 = until the record
expires) bound the retries, after which the on-failure destination gets a pointer to the records.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from localcloud.clock import clock
from localcloud.events import trace, wakeup
from localcloud.events.esm_common import BasePoller, iso_millis, iso_seconds

log = logging.getLogger("localcloud.events.esm")


@dataclass
class Item:
    position: int  # where the record sits in its shard (Kinesis: moto's sequence number; DynamoDB: index)
    sequence: str
    event: dict[str, Any]
    arrival: float  # epoch seconds


def _epoch(value: Any) -> float | str:
    """JSON for what moto keeps in a stream record: times as epoch seconds, binary attribute values (B, BS)
    base64, as DynamoDB's wire format and the Lambda event carry them (a B value stopped the poller)."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return float(value)


class KinesisSource:
    info_key = "KinesisBatchInfo"

    def __init__(self, arn: str, region: str, account: str, role: str) -> None:
        self.arn, self.region, self.account, self.role = arn, region, account, role

    def shards(self) -> dict[str, Any]:
        from localcloud.moto_adapter import kinesis_backends

        for stream in list(kinesis_backends[self.account][self.region].streams.values()):
            if stream.arn == self.arn:
                return {shard.shard_id: shard for shard in stream.shards.values()}
        return {}

    def start(self, shard: Any, position: str, timestamp: Any) -> int:
        if position == "LATEST":
            return shard.get_max_sequence_number() + 1
        if position == "AT_TIMESTAMP" and timestamp is not None:
            at = _epoch(timestamp)
            return next((seq for seq, r in shard.records.items() if r.created_at >= at),
                        shard.get_max_sequence_number() + 1)
        return 1  # TRIM_HORIZON; moto numbers each shard's records 1, 2, 3, ... and never trims

    def read(self, shard_id: str, shard: Any, position: int, limit: int) -> list[Item]:
        items, records = [], shard.records
        while len(items) < limit:
            record = records.get(position)
            if record is None:
                break
            items.append(Item(position, str(record.sequence_number), {
                "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": record.partition_key,
                            "sequenceNumber": str(record.sequence_number), "data": record.data,
                            "approximateArrivalTimestamp": round(record.created_at, 3)},
                "eventSource": "aws:kinesis", "eventVersion": "1.0",
                "eventID": f"{shard_id}:{record.sequence_number}", "eventName": "aws:kinesis:record",
                "invokeIdentityArn": self.role, "awsRegion": self.region, "eventSourceARN": self.arn,
            }, record.created_at))
            position += 1
        return items


class DynamoDbSource:
    info_key = "DDBStreamBatchInfo"

    def __init__(self, arn: str, region: str, account: str, role: str) -> None:
        self.arn, self.region, self.account, self.role = arn, region, account, role
        self.table_name = arn.split(":table/", 1)[1].split("/stream/", 1)[0]

    def shards(self) -> dict[str, Any]:
        from localcloud.moto_adapter import dynamodb_backends

        table = dynamodb_backends[self.account][self.region].tables.get(self.table_name)
        shard = getattr(table, "stream_shard", None)
        return {shard.id: shard} if shard is not None else {}

    def start(self, shard: Any, position: str, timestamp: Any) -> int:
        return len(shard.items) if position == "LATEST" else 0

    def read(self, shard_id: str, shard: Any, position: int, limit: int) -> list[Item]:
        items = []
        for index, stream_record in enumerate(shard.items[position:position + limit], start=position):
            record = json.loads(json.dumps(stream_record.record, default=_epoch))
            record["awsRegion"] = self.region  # moto writes us-east-1 whatever the region
            record["eventSourceARN"] = self.arn
            items.append(Item(index, record["dynamodb"]["SequenceNumber"], record,
                              float(record["dynamodb"].get("ApproximateCreationDateTime") or time.time())))
        return items


def latest_positions(esm: Any) -> dict[str, int]:
    """LATEST means "from when the mapping was created": pin it then, not when the poller first looks."""
    source = _source(esm, "")
    return {sid: source.start(shard, "LATEST", None) for sid, shard in source.shards().items()}


def _source(esm: Any, role: str) -> Any:
    _, _, service, region, account, _ = esm.event_source_arn.split(":", 5)
    kind = KinesisSource if service == "kinesis" else DynamoDbSource
    return kind(esm.event_source_arn, region, account, role)


class StreamPoller(BasePoller):
    def __init__(self, esm: Any, checkpoints: Any) -> None:
        super().__init__(esm, checkpoints)
        self.source = _source(esm, self._role())
        self.workers: dict[str, threading.Thread] = {}
        self._held: dict[str, str] = {}  # shard id -> first sequence a disabled mapping holds (reported)

    def _role(self) -> str:
        try:
            from localcloud.moto_adapter import lambda_backends

            return lambda_backends[self.account][self.region].get_function(self.esm.function_arn).role
        except Exception:
            return ""

    def position(self, shard_id: str, shard: Any) -> int:
        saved = self.checkpoints.get(self.esm.uuid, shard_id)
        if saved is None:
            pinned = getattr(self.esm, "localcloud_latest", {}) if self.esm.starting_position == "LATEST" else {}
            saved = pinned.get(shard_id)
            if saved is None:
                saved = self.source.start(shard, self.esm.starting_position or "TRIM_HORIZON",
                                          self.esm.starting_position_timestamp)
            self.checkpoints.put(self.esm.uuid, shard_id, saved)
        return saved

    def poll_once(self) -> None:
        """Start a worker per shard (AWS processes shards concurrently; a stuck shard stalls only itself)."""
        since = wakeup.token(self.source_arn)
        for shard_id in self.source.shards():
            if shard_id not in self.workers:
                worker = threading.Thread(target=self._shard_loop, args=(shard_id,), daemon=True,
                                          name=f"esm-{self.esm.uuid[:8]}-{shard_id[-4:]}")
                self.workers[shard_id] = worker
                worker.start()
        self.idle(since, 1.0)

    def run(self) -> None:
        super().run()
        for worker in self.workers.values():
            worker.join(timeout=5)

    def _shard_loop(self, shard_id: str) -> None:
        while not self.stopping:
            try:
                since = wakeup.token(self.source_arn)
                shard = self.source.shards().get(shard_id)
                if shard is None:
                    self.idle(since, 1.0)
                    continue
                position = self.position(shard_id, shard)
                batch = self.source.read(shard_id, shard, position, self.esm.batch_size)
                if batch and not self.enabled:  # checked after the read: a record put after a disable waits
                    self._report_held(shard_id, batch[0])
                if not batch or not self.enabled:
                    self.idle(since, 1.0)
                    continue
                self.process(shard_id, self._fill_window(shard_id, shard, position, batch))
            except Exception:  # a restore swapped the models mid-read: log, back off, go on
                log.exception("mapping %s failed on %s; retrying", self.esm.uuid, shard_id)
                self._stop_event.wait(1.0)

    def _report_held(self, shard_id: str, first: Item) -> None:
        """A disabled mapping keeps its records at the checkpoint; the trace says so once per held position,
        so `localcloud events` shows why nothing arrives."""
        if self._held.get(shard_id) != first.sequence:
            self._held[shard_id] = first.sequence
            trace.record(f"{self.service}:{self.source_arn}", self.esm.function_arn, "skipped",
                         detail=f"the mapping is disabled: records from {first.sequence} on {shard_id} are held "
                                "until it is enabled")

    def _fill_window(self, shard_id: str, shard: Any, position: int, batch: list[Item]) -> list[Item]:
        """MaximumBatchingWindowInSeconds: wait for a full batch at most this long (local clock)."""
        window = self.esm.max_batch_window or 0
        deadline = time.monotonic() + clock().wall_seconds(window)
        while len(batch) < self.esm.batch_size and not self.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            since = wakeup.token(self.source_arn)
            more = self.source.read(shard_id, shard, position, self.esm.batch_size)
            if len(more) > len(batch):
                batch = more
                continue
            wakeup.wait(self.source_arn, since, remaining)
        return batch

    def process(self, shard_id: str, batch: list[Item]) -> None:
        kept = []
        for item in batch:
            if self.matches(item.event):
                kept.append(item)
            else:
                self.trace_filtered(item.sequence)
        pending = [kept] if kept else []
        while pending and not self.stopping:
            part = pending.pop(0)
            attempts, last = 0, None
            while part and not self.stopping:
                if not self.enabled:
                    return  # disabled mid-batch: resume from the checkpoint when enabled again
                last = self.invoke([item.event for item in part])
                attempts += 1
                if last.ok and not last.failed_ids:
                    break
                failed_at = self._first_failed(part, last.failed_ids) if last.ok else 0
                if failed_at > 0:  # partial success: checkpoint before the lowest failure, retry the rest
                    self.checkpoints.put(self.esm.uuid, shard_id, part[failed_at - 1].position + 1)
                    part = part[failed_at:]
                    if self.esm.bisect_on_error:
                        attempts = 0  # split at the returned sequence number: a new batch
                        continue
                condition = self._give_up(part, attempts)
                if condition:
                    self.send_to_destination(self.source.info_key, self._pointer(shard_id, part), condition,
                                             attempts, last)
                    break
                if self.esm.bisect_on_error and len(part) > 1:
                    middle = len(part) // 2
                    pending[0:0] = [part[:middle], part[middle:]]
                    part = []
                    break
                self.backoff(attempts)
            if self.stopping:
                return
            if part:
                self.checkpoints.put(self.esm.uuid, shard_id, part[-1].position + 1)
        if not self.stopping:
            self.checkpoints.put(self.esm.uuid, shard_id, batch[-1].position + 1)

    @staticmethod
    def _first_failed(part: list[Item], failed_ids: list[str] | None) -> int:
        index = {item.sequence: n for n, item in enumerate(part)}
        found = [index[i] for i in failed_ids or [] if i in index]
        if not found or len(found) != len(failed_ids or []):
            return 0  # an identifier not in the batch: AWS treats the batch as a complete failure
        return min(found)

    def _give_up(self, part: list[Item], attempts: int) -> str | None:
        max_age = self.esm.max_record_age
        if max_age is not None and max_age >= 0 and clock().now() - part[0].arrival > max_age:
            return "RecordAgeExceeded"
        max_retries = self.esm.max_retry_attempts
        if max_retries is not None and max_retries >= 0 and attempts > max_retries:
            return "RetryAttemptsExhausted"
        return None

    def _pointer(self, shard_id: str, part: list[Item]) -> dict[str, Any]:
        # DynamoDB stream records carry their time to the second (ApproximateCreationDateTime), and AWS's
        # DDBStreamBatchInfo says it so ("2022-07-13T13:48:01Z"); Kinesis arrivals keep milliseconds.
        when = iso_seconds if ":dynamodb:" in self.source_arn else iso_millis
        return {"shardId": shard_id, "startSequenceNumber": part[0].sequence,
                "endSequenceNumber": part[-1].sequence,
                "approximateArrivalOfFirstRecord": when(part[0].arrival),
                "approximateArrivalOfLastRecord": when(part[-1].arrival),
                "batchSize": len(part), "streamArn": self.source_arn}

    def filter_view(self, record: dict[str, Any]) -> dict[str, Any]:
        """Kinesis filters see the `kinesis` fields, `data` decoded (JSON when it parses, else unmatched).

        https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-filtering.html
        """
        if "kinesis" not in record:
            return record
        import base64

        view = dict(record["kinesis"])
        try:
            view["data"] = json.loads(base64.b64decode(view["data"]))
        except ValueError:
            view["data"] = None
        return view
