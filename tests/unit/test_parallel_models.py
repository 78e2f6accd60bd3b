"""moto's models, patched, under 8 threads that switch as often as the interpreter allows.

The end-to-end proofs are in tests/services/test_concurrency.py (8 clients, one real server); there a race needs
the interpreter to switch threads inside a few bytecodes of moto's read-modify-write, which a 5 ms switch
interval makes rare. Here the same model calls run with a 1 µs switch interval, so a missing lock shows
every run: without moto_patches/dynamodb.py, kinesis.py and aws/sqs/receiving.py, each of these failed
(counter short of N, repeated sequence numbers, messages received twice).
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from localcloud import moto_patches

ACCOUNT, REGION, THREADS = "123456789012", "us-east-1", 8


@pytest.fixture(scope="module", autouse=True)
def patched() -> None:
    moto_patches.apply_all()


@contextmanager
def switching_often() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def in_parallel(work: Callable[[int], Any]) -> list[Any]:
    start = threading.Barrier(THREADS)

    def run(index: int) -> Any:
        start.wait()
        return work(index)

    with switching_often(), ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def test_update_item_add_from_8_threads_counts_every_increment() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    backend = DynamoDBBackend(REGION, ACCOUNT)
    backend.create_table("c", schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         attr=[{"AttributeName": "pk", "AttributeType": "S"}], throughput=None,
                         billing_mode="PAY_PER_REQUEST", indexes=None, global_indexes=None, streams=None,
                         sse_specification=None, tags=None, deletion_protection_enabled=None, warm_throughput=None)
    per_thread = 300

    def increment(_: int) -> None:
        for _ in range(per_thread):
            backend.update_item("c", {"pk": {"S": "n"}}, "ADD hits :one", None, {":one": {"N": "1"}})

    in_parallel(increment)
    assert backend.get_item("c", {"pk": {"S": "n"}}).attrs["hits"].value == str(THREADS * per_thread)


def test_kinesis_put_record_from_8_threads_numbers_every_record_once() -> None:
    from moto.kinesis.models import Shard

    shard = Shard(0, 0, 2**128)
    per_thread = 500
    numbers = [n for got in in_parallel(lambda i: [shard.put_record(f"{i}", "eA==", None) for _ in range(per_thread)])
               for n in got]
    assert [n for n, count in Counter(numbers).items() if count > 1] == []
    assert len(shard.records) == THREADS * per_thread
    assert list(shard.records) == sorted(shard.records)


def test_receive_message_from_8_threads_hands_each_message_out_once() -> None:
    from moto.sqs.models import SQSBackend

    backend = SQSBackend(REGION, ACCOUNT)
    backend.create_queue("once", VisibilityTimeout="120")
    total = 800
    for n in range(total):
        backend.send_message("once", f"m{n}")

    def drain(_: int) -> list[str]:
        bodies = []
        while got := backend.receive_message("once", 3, 0, 120):
            bodies.extend(message.body for message in got)
            for message in got[:1]:  # deletes and visibility changes interleave with the other receives
                backend.delete_message("once", message.receipt_handle)
            for message in got[1:2]:
                backend.change_message_visibility("once", message.receipt_handle, 100)
        return bodies

    bodies = [body for got in in_parallel(drain) for body in got]
    assert [body for body, count in Counter(bodies).items() if count > 1] == []
    assert sorted(bodies) == sorted(f"m{n}" for n in range(total))
