"""Flat cost as data grows: per-call cost of hot reads and writes with 1k, 10k and 100k resident
objects/items/messages/records/events, against the 1k figure (goal: within 1.5x), and resident memory per
item — localcloud and, in the same run, ministack (and localcloud before, given BENCH_BEFORE_SRC).

Per family, resident data is added in steps (BENCH_SCALING_SIZES, default 1000,10000,100000) through the
batch APIs where AWS has one, 8 client threads; after each step every operation of the family is timed
(BENCH_SCALING_CALLS calls, p50). Families: s3 (GetObject, PutObject, ListObjectsV2 with prefix + delimiter,
the second page of a paged listing), dynamodb (GetItem, Query of one 10-item partition), sqs
(ReceiveMessage of 10), kinesis (GetRecords of 100 from TRIM_HORIZON, and from LATEST), logs
(FilterLogEvents, 50 events). JSON in bench/results/scaling.json.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from common import figure, percentile, write_results
from servers import available, running

SIZES = [int(size) for size in os.environ.get("BENCH_SCALING_SIZES", "1000,10000,100000").split(",")]
CALLS = int(os.environ.get("BENCH_SCALING_CALLS", "60"))
FAMILIES = os.environ.get("BENCH_SCALING_FAMILIES", "s3,dynamodb,sqs,kinesis,logs").split(",")
SERVERS = os.environ.get("BENCH_SCALING_SERVERS", "localcloud,localcloud-before,ministack").split(",")
THREADS = 8
GOAL_RATIO = 1.5


def clients(endpoint: str) -> Callable[[str], Any]:
    config = Config(retries={"max_attempts": 2}, max_pool_connections=THREADS * 2)

    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                            aws_secret_access_key="test", config=config)
    return make


def in_threads(calls: list[Callable[[], Any]]) -> None:
    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()


def p50_ms(call: Callable[[], Any]) -> float:
    for _ in range(5):
        call()
    samples = []
    for _ in range(CALLS):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return percentile(samples, 0.5)


class S3:
    unit = "objects"

    def __init__(self, make: Callable[[str], Any]) -> None:
        self.s3, self.bucket, self.count = make("s3"), "scaling-" + uuid.uuid4().hex[:8], 0
        self.s3.create_bucket(Bucket=self.bucket)
        for n in range(10):
            self.s3.put_object(Bucket=self.bucket, Key=f"hot/{n}", Body=b"x" * 1024)
        for folder in ("a", "b"):
            self.s3.put_object(Bucket=self.bucket, Key=f"hot/{folder}/inside", Body=b"x")
        self.new = iter(range(10**9))

    def grow(self, to: int) -> None:
        keys = [f"bulk/{n % 100:02d}/{n:07d}" for n in range(self.count, to)]
        in_threads([lambda k=k: self.s3.put_object(Bucket=self.bucket, Key=k, Body=b"y" * 100) for k in keys])
        self.count = to

    def operations(self) -> dict[str, Callable[[], Any]]:
        first = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="bulk/", MaxKeys=100)
        token = first["NextContinuationToken"]
        return {
            "s3_get_object": lambda: self.s3.get_object(Bucket=self.bucket, Key="hot/1")["Body"].read(),
            "s3_put_object": lambda: self.s3.put_object(Bucket=self.bucket, Key=f"new/{next(self.new)}", Body=b"z"),
            "s3_list_prefix_delimiter": lambda: self.s3.list_objects_v2(Bucket=self.bucket, Prefix="hot/",
                                                                        Delimiter="/"),
            "s3_list_second_page": lambda: self.s3.list_objects_v2(Bucket=self.bucket, Prefix="bulk/", MaxKeys=100,
                                                                   ContinuationToken=token),
        }


class DynamoDB:
    unit = "items"

    def __init__(self, make: Callable[[str], Any]) -> None:
        self.db, self.table, self.count = make("dynamodb"), "scaling-" + uuid.uuid4().hex[:8], 0
        self.db.create_table(TableName=self.table, BillingMode="PAY_PER_REQUEST",
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                        {"AttributeName": "sk", "KeyType": "RANGE"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                   {"AttributeName": "sk", "AttributeType": "N"}])
        self.db.batch_write_item(RequestItems={self.table: [
            {"PutRequest": {"Item": {"pk": {"S": "hot"}, "sk": {"N": str(n)}, "v": {"S": "x" * 100}}}}
            for n in range(10)]})

    def grow(self, to: int) -> None:
        batches = [[{"PutRequest": {"Item": {"pk": {"S": f"b{n}"}, "sk": {"N": "0"}, "v": {"S": "y" * 100}}}}
                    for n in range(start, min(start + 25, to))] for start in range(self.count, to, 25)]
        in_threads([lambda b=b: self.db.batch_write_item(RequestItems={self.table: b}) for b in batches])
        self.count = to

    def operations(self) -> dict[str, Callable[[], Any]]:
        return {
            "dynamodb_get_item": lambda: self.db.get_item(TableName=self.table,
                                                          Key={"pk": {"S": "hot"}, "sk": {"N": "3"}}),
            "dynamodb_query_partition": lambda: self.db.query(
                TableName=self.table, KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "hot"}}),
        }


class SQS:
    unit = "messages"

    def __init__(self, make: Callable[[str], Any]) -> None:
        self.sqs, self.count = make("sqs"), 0
        self.url = self.sqs.create_queue(QueueName="scaling-" + uuid.uuid4().hex[:8])["QueueUrl"]

    def grow(self, to: int) -> None:
        batches = [[{"Id": str(n), "MessageBody": "m" * 200} for n in range(start, min(start + 10, to))]
                   for start in range(self.count, to, 10)]
        in_threads([lambda b=b: self.sqs.send_message_batch(QueueUrl=self.url, Entries=b) for b in batches])
        self.count = to

    def operations(self) -> dict[str, Callable[[], Any]]:
        # VisibilityTimeout=0: the received messages are visible again at once, so every size is read alike
        return {"sqs_receive_message": lambda: self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                                                        VisibilityTimeout=0)}


class Kinesis:
    unit = "records"

    def __init__(self, make: Callable[[str], Any]) -> None:
        self.kinesis, self.stream, self.count = make("kinesis"), "scaling-" + uuid.uuid4().hex[:8], 0
        self.kinesis.create_stream(StreamName=self.stream, ShardCount=1)
        self.kinesis.get_waiter("stream_exists").wait(StreamName=self.stream,
                                                     WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
        self.shard = self.kinesis.list_shards(StreamName=self.stream)["Shards"][0]["ShardId"]

    def grow(self, to: int) -> None:
        batches = [[{"Data": b"r" * 100, "PartitionKey": str(n)} for n in range(start, min(start + 500, to))]
                   for start in range(self.count, to, 500)]
        for batch in batches:  # in order: one shard
            self.kinesis.put_records(StreamName=self.stream, Records=batch)
        self.count = to

    def operations(self) -> dict[str, Callable[[], Any]]:
        def iterator(kind: str) -> str:
            return self.kinesis.get_shard_iterator(StreamName=self.stream, ShardId=self.shard,
                                                   ShardIteratorType=kind)["ShardIterator"]
        oldest, latest = iterator("TRIM_HORIZON"), iterator("LATEST")
        return {"kinesis_get_records_trim_horizon": lambda: self.kinesis.get_records(ShardIterator=oldest, Limit=100),
                "kinesis_get_records_latest": lambda: self.kinesis.get_records(ShardIterator=latest, Limit=100)}


class Logs:
    unit = "events"

    def __init__(self, make: Callable[[str], Any]) -> None:
        self.logs, self.group, self.count = make("logs"), "/scaling/" + uuid.uuid4().hex[:8], 0
        self.logs.create_log_group(logGroupName=self.group)
        self.logs.create_log_stream(logGroupName=self.group, logStreamName="s")
        self.started = int(time.time() * 1000) - 3_600_000

    def grow(self, to: int) -> None:
        for start in range(self.count, to, 5000):
            self.logs.put_log_events(logGroupName=self.group, logStreamName="s", logEvents=[
                {"timestamp": self.started + n, "message": f"event {n} ok"} for n in range(start, min(start + 5000, to))])
        self.count = to

    def operations(self) -> dict[str, Callable[[], Any]]:
        return {"logs_filter_log_events": lambda: self.logs.filter_log_events(logGroupName=self.group, limit=50)}


FAMILY_CLASSES = {"s3": S3, "dynamodb": DynamoDB, "sqs": SQS, "kinesis": Kinesis, "logs": Logs}


def measure(server: Any) -> dict[str, Any]:
    make = clients(server.endpoint)
    found: dict[str, Any] = {"per_call_ms": {}, "bytes_per_item": {}, "load_s": {}, "errors": {}}
    for family in FAMILIES:
        try:
            model = FAMILY_CLASSES[family](make)
        except Exception as exc:  # a peer without the service: its cells stay empty, and say why
            found["errors"][family] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        rss_first = None
        for size in SIZES:
            began = time.perf_counter()
            try:
                model.grow(size)
                operations = model.operations()
            except Exception as exc:
                found["errors"][f"{family}@{size}"] = f"{type(exc).__name__}: {exc}"[:300]
                break
            found["load_s"][f"{family}@{size}"] = round(time.perf_counter() - began, 2)
            rss = server.rss_bytes()
            if rss_first is None:
                rss_first = (size, rss)
            elif size > rss_first[0]:
                found["bytes_per_item"][family] = round((rss - rss_first[1]) / (size - rss_first[0]))
            for name, call in operations.items():
                try:
                    found["per_call_ms"].setdefault(name, {})[str(size)] = round(p50_ms(call), 3)
                except Exception as exc:
                    found["errors"][f"{name}@{size}"] = f"{type(exc).__name__}: {exc}"[:300]
            print(f"bench: {server.name} {family} {size}: " + ", ".join(
                f"{name} {found['per_call_ms'].get(name, {}).get(str(size))} ms" for name in operations),
                file=sys.stderr, flush=True)
    return found


def main() -> None:
    """BENCH_SCALING_FROM=a.json,b.json: combine the servers of earlier runs (taken in parallel on a loaded
    machine, say) instead of measuring; BENCH_SCALING_NAME: the results file's name (default scaling)."""
    import json
    from pathlib import Path

    measured: dict[str, Any] = {}
    if os.environ.get("BENCH_SCALING_FROM"):
        for path in os.environ["BENCH_SCALING_FROM"].split(","):
            measured.update(json.loads(Path(path).read_text())["detail"])
    else:
        for name, spec in available(SERVERS).items():
            with running(name, spec) as server:
                measured[name] = measure(server)
    figures, peers = [], {}
    smallest, largest = str(SIZES[0]), str(SIZES[-1])
    for name, found in measured.items():
        values = {}
        for operation, by_size in found["per_call_ms"].items():
            for size, ms in by_size.items():
                values[f"{operation}_{size}_ms"] = ms
            if smallest in by_size and largest in by_size and by_size[smallest]:
                values[f"{operation}_{largest}_over_{smallest}_x"] = round(by_size[largest] / by_size[smallest], 2)
        for family, per_item in found["bytes_per_item"].items():
            values[f"{family}_bytes_per_resident_item_B"] = per_item
        if name == "localcloud":
            for key, value in values.items():
                stem, _, unit = key.rpartition("_")
                figures.append(figure(stem, value, unit, goal=GOAL_RATIO if unit == "x" else None))
        else:
            peers[name] = values
    ours = {f"{f['name']}_{f['unit']}": f["value"] for f in figures}
    for values in peers.values():
        values["ratio_localcloud_over_peer"] = {
            key: round(ours[key] / value, 2) for key, value in values.items() if value and ours.get(key)}
    write_results(os.environ.get("BENCH_SCALING_NAME", "scaling"), figures, peers=peers, sizes=SIZES, calls=CALLS, load_average=os.getloadavg(),
                  detail=measured)


if __name__ == "__main__":
    main()
