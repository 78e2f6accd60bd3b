"""The patches that take O(n) scans off hot read paths answer exactly what moto's own code answers.

Each patched function is called side by side with moto's original (registry.original_of) on the same model
state, over many inputs: S3 ListObjectsV2 pages (aws/s3/listing.py), Kinesis GetRecords and DynamoDB base-table
Query (moto_patches/kinesis.py, moto_patches/dynamodb.py). The benchmark for the cost is bench/bench_scaling.py.
"""

from __future__ import annotations

import itertools
import random

import pytest
from localcloud import moto_patches
from localcloud.moto_patches import registry

ACCOUNT, REGION = "123456789012", "us-east-1"


def _patch(location: str) -> registry.Patch:
    target, _, attribute = location.rpartition(".")
    return next(p for p in moto_patches.all_patches() if (p.target, p.attribute) == (target, attribute))


@pytest.fixture(scope="module", autouse=True)
def patched() -> None:
    moto_patches.apply_all()


def _names(page: list) -> list[str]:
    return [entry if isinstance(entry, str) else entry.name for entry in page]


def test_list_objects_v2_pages_are_moto_s_pages() -> None:
    from moto.s3.models import S3Backend

    backend = S3Backend(REGION, ACCOUNT)
    backend.create_bucket("listing", REGION)
    rng = random.Random(7)
    parts = ["a", "b", "b/c", "d e", "ü", "z/"]
    keys = {"/".join(rng.choice(parts) for _ in range(rng.randint(1, 4))) + f"{n % 5}" for n in range(400)}
    for key in sorted(keys, key=lambda _: rng.random()):
        backend.put_object("listing", key, b"x")
    for key in rng.sample(sorted(keys), 40):  # removed names leave the index too
        backend.delete_object("listing", key)
    backend.put_object("listing", "late/key", b"x")  # a name added after the index was built
    original = registry.original_of(_patch("moto.s3.models:S3Backend.list_objects_v2"))
    bucket = backend.get_bucket("listing")
    checked = 0
    for prefix, delimiter, start_after, max_keys in itertools.product(
            [None, "", "a", "b/", "b/c", "z", "nothing"], [None, "/", " "], [None, "a/b", "b/c/", "d e"],
            [0, 1, 3, 1000]):
        ours = backend.list_objects_v2(bucket, prefix, delimiter, None, start_after, max_keys)
        theirs = original(backend, bucket, prefix, delimiter, None, start_after, max_keys)
        assert (_names(ours[0]), ours[1]) == (_names(theirs[0]), theirs[1]), (prefix, delimiter, start_after, max_keys)
        token = ours[2]
        while token:  # every following page, by moto's own continuation tokens
            ours = backend.list_objects_v2(bucket, prefix, delimiter, token, None, max_keys)
            theirs = original(backend, bucket, prefix, delimiter, token, None, max_keys)
            assert (_names(ours[0]), ours[1], ours[2]) == (_names(theirs[0]), theirs[1], theirs[2])
            token = ours[2]
            checked += 1
    assert checked > 100


def test_kinesis_get_records_reads_what_moto_reads() -> None:
    from moto.kinesis.models import Shard

    shard = Shard(0, 0, 2**128)
    original = registry.original_of(_patch("moto.kinesis.models:Shard.get_records"))
    assert shard.get_records("0", 10) == original(shard, "0", 10)  # empty shard
    for n in range(50):
        shard.put_record(f"p{n}", "ZGF0YQ==", None)
    for last, limit in itertools.product(["0", "1", "17", "49", "50", "60"], [None, 0, 1, 10, 100]):
        assert shard.get_records(last, limit) == original(shard, last, limit), (last, limit)


def test_a_base_table_query_returns_what_moto_returns() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType

    backend = DynamoDBBackend(REGION, ACCOUNT)
    backend.create_table("q", schema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                      {"AttributeName": "sk", "KeyType": "RANGE"}],
                         attr=[{"AttributeName": "pk", "AttributeType": "S"},
                               {"AttributeName": "sk", "AttributeType": "N"}],
                         throughput=None, billing_mode="PAY_PER_REQUEST", indexes=None, global_indexes=None,
                         streams=None, sse_specification=None, tags=None, deletion_protection_enabled=None,
                         warm_throughput=None)
    for pk, sk in itertools.product(["a", "b", "c"], range(30)):
        backend.put_item("q", {"pk": {"S": pk}, "sk": {"N": str(sk)}, "v": {"N": str(sk * 7 % 11)}})
    table = backend.get_table("q")
    partitions_before = len(table.items)
    original = registry.original_of(_patch("moto.dynamodb.models.table:Table.query"))
    for pk, comparison, values, forward, limit in [
            ("a", None, [], True, None), ("b", "GT", [DynamoType({"N": "12"})], False, 5),
            ("c", "BETWEEN", [DynamoType({"N": "3"}), DynamoType({"N": "9"})], True, None),
            ("missing", None, [], True, None)]:
        arguments = (DynamoType({"S": pk}), comparison, values, limit, None, forward, None)
        ours, theirs = table.query(*arguments), original(table, *arguments)
        assert [(i.hash_key, i.range_key) for i in ours[0]] == [(i.hash_key, i.range_key) for i in theirs[0]]
        assert ours[1:] == theirs[1:]
    assert len(table.items) == partitions_before  # asking for a missing partition did not create it


def test_filter_log_events_pages_are_moto_s_pages() -> None:
    from moto.logs.models import LogsBackend

    backend = LogsBackend(REGION, ACCOUNT)
    backend.create_log_group("/flat", {})
    import time

    rng = random.Random(3)
    base = int(time.time() * 1000) - 3_600_000  # PutLogEvents takes the last 14 days
    for name in ("a", "b", "c"):
        backend.create_log_stream("/flat", name)
        for batch in range(4):
            # stream c's third batch is older than its second: stored out of time order, sorted as moto sorts it
            offset = 0 if name == "c" and batch == 2 else batch * 100
            times = sorted(base + offset + rng.randint(0, 150) for _ in range(40))
            backend.put_log_events("/flat", name, [
                {"timestamp": t, "message": f"{rng.choice(['ok', 'error', 'warn'])} event {t % 1000}"} for t in times])
    group = backend.groups["/flat"]
    original = registry.original_of(_patch("moto.logs.models:LogGroup.filter_log_events"))
    pages = 0
    for streams, start, end, limit, pattern, interleaved in itertools.product(
            [[], ["b"], ["c", "a"]], [0, base + 100], [0, base + 300], [None, 7, 50], ["", "error", '"event 1"'],
            [False, True]):
        token = None
        while True:
            arguments = ("/flat", streams, start, end, limit, token, pattern, interleaved)
            ours, theirs = group.filter_log_events(*arguments), original(group, *arguments)
            assert ours == theirs, arguments
            pages += 1
            token = ours[1]
            if not token:
                break
    assert pages > 300
    for bad in ("/other@a@1", "/flat@a@no-such-event", "garbage"):
        arguments = ("/flat", [], 0, 0, 10, bad, "", False)
        assert group.filter_log_events(*arguments) == original(group, *arguments)
