"""Parallel requests are as safe as on AWS: the server answers each on its own thread, and moto's models do
read-modify-write in Python (moto_patches/dynamodb.py, moto_patches/kinesis.py, aws/sqs/receiving.py).

8 client threads, each with its own boto3 client (its own connections), against one real server. Each test
can fail: without the locks, the counter ended below N, sequence numbers repeated, and messages came back
twice while in flight.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from localcloud.testing import LocalCloud

THREADS = 8


def in_parallel(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    """`work(i)` for each thread, all released together; their results in thread order (errors re-raised)."""
    start = threading.Barrier(threads)

    def run(index: int) -> Any:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, range(threads)))


def test_an_update_item_add_counter_from_8_threads_ends_at_n(cloud: LocalCloud) -> None:
    table = f"counter-{uuid.uuid4().hex[:8]}"
    setup = cloud.client("dynamodb")
    setup.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                       KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    per_thread = 40

    def increment(_: int) -> list[int]:
        client = cloud.client("dynamodb")
        seen = []
        for _ in range(per_thread):
            answer = client.update_item(TableName=table, Key={"pk": {"S": "hits"}}, UpdateExpression="ADD n :one",
                                        ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="UPDATED_NEW")
            seen.append(int(answer["Attributes"]["n"]["N"]))
        return seen

    seen = [value for values in in_parallel(increment) for value in values]
    final = setup.get_item(TableName=table, Key={"pk": {"S": "hits"}}, ConsistentRead=True)["Item"]["n"]["N"]
    assert int(final) == THREADS * per_thread
    # every increment saw its own new value: none was lost, none applied twice
    assert sorted(seen) == list(range(1, THREADS * per_thread + 1))


def test_conditional_puts_from_8_threads_let_exactly_one_win(cloud: LocalCloud) -> None:
    table = f"claims-{uuid.uuid4().hex[:8]}"
    setup = cloud.client("dynamodb")
    setup.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                       KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])

    def claim(index: int) -> int:
        client = cloud.client("dynamodb")
        won = 0
        for job in range(25):
            try:
                client.put_item(TableName=table, Item={"pk": {"S": f"job-{job}"}, "owner": {"N": str(index)}},
                                ConditionExpression="attribute_not_exists(pk)")
                won += 1
            except client.exceptions.ConditionalCheckFailedException:
                pass
        return won

    assert sum(in_parallel(claim)) == 25


def test_kinesis_sequence_numbers_from_8_threads_are_unique_and_increasing_per_shard(cloud: LocalCloud) -> None:
    stream = f"seq-{uuid.uuid4().hex[:8]}"
    setup = cloud.client("kinesis")
    setup.create_stream(StreamName=stream, ShardCount=2)
    setup.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    per_thread = 30

    def put(index: int) -> list[tuple[str, int, str]]:
        client = cloud.client("kinesis")
        made = []
        for n in range(per_thread):
            data = f"{index}-{n}"
            if n % 2:
                answer = client.put_record(StreamName=stream, Data=data.encode(), PartitionKey=data)
                made.append((answer["ShardId"], int(answer["SequenceNumber"]), data))
            else:
                answer = client.put_records(StreamName=stream, Records=[{"Data": data.encode(), "PartitionKey": data}])
                record = answer["Records"][0]
                made.append((record["ShardId"], int(record["SequenceNumber"]), data))
        return made

    made = [entry for entries in in_parallel(put) for entry in entries]
    numbers = Counter((shard, number) for shard, number, _ in made)
    assert [key for key, count in numbers.items() if count > 1] == []
    stored = {}
    for shard in {shard for shard, _, _ in made}:
        iterator = setup.get_shard_iterator(StreamName=stream, ShardId=shard,
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = setup.get_records(ShardIterator=iterator, Limit=10000)["Records"]
        sequence = [int(record["SequenceNumber"]) for record in records]
        assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)
        stored.update({(shard, int(r["SequenceNumber"])): r["Data"].decode() for r in records})
    # every record put is stored under the number it was given: none replaced another
    assert stored == {(shard, number): data for shard, number, data in made}


def test_no_message_is_received_twice_within_its_visibility_timeout(cloud: LocalCloud) -> None:
    setup = cloud.client("sqs")
    url = setup.create_queue(QueueName=f"once-{uuid.uuid4().hex[:8]}",
                             Attributes={"VisibilityTimeout": "120"})["QueueUrl"]
    total = 200
    for start in range(0, total, 10):
        setup.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "MessageBody": f"m{n}"} for n in range(start, start + 10)])

    def drain(_: int) -> list[str]:
        client = cloud.client("sqs")
        bodies = []
        while True:
            got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=3).get("Messages", [])
            if not got:
                return bodies
            bodies.extend(message["Body"] for message in got)

    bodies = [body for got in in_parallel(drain) for body in got]
    duplicated = [body for body, count in Counter(bodies).items() if count > 1]
    assert duplicated == []
    assert sorted(bodies) == sorted(f"m{n}" for n in range(total))
