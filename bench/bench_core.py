"""Core figures: start-up to healthy and to the first successful S3 ListBuckets, DynamoDB ListTables and SQS
ListQueues, and the latency of hot API calls through boto3 (every operation of the fast path: S3 Put/Get/Head/
DeleteObject and ListObjectsV2, DynamoDB Put/Get/Update/DeleteItem, Query and BatchWriteItem, SQS Send/Receive/
DeleteMessage, Kinesis PutRecord(s)/GetRecords, SNS Publish, Secrets Manager GetSecretValue) — for localcloud
and, in the same run,
localcloud without its fast path (LOCALCLOUD_FAST_PATH=0: the before figure), plain moto server and ministack.
The machine is shared: compare figures as ratios within one run.

BENCH_BEFORE_SRC=<a checkout's services/ directory> adds "localcloud-before": that code's server, started
with this venv's Python, for before/after start-up figures in the same run (e.g. `git archive main`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import boto3
from botocore.config import Config
from common import figure, free_port, peer_python, percentile, wait_healthy, write_results

STARTS = int(os.environ.get("BENCH_STARTS", "5"))
CALLS = int(os.environ.get("BENCH_CALLS", "500"))
WARMUP = 50
ROUND = 50  # calls per turn (see latencies)


def commands(port: int, state: Path) -> dict[str, tuple[list[str], dict[str, str], str]]:
    venv_bin = Path(sys.executable).parent
    localcloud = [sys.executable, "-m", "localcloud.server.main", "--port", str(port), "--state-dir", str(state)]
    found = {
        "localcloud": (localcloud, {"LOCALCLOUD_FAST_PATH": "1"}, "/_localcloud/health"),
        "localcloud-no-fast-path": (localcloud, {"LOCALCLOUD_FAST_PATH": "0"}, "/_localcloud/health"),
        "moto": ([str(venv_bin / "moto_server"), "-p", str(port)], {}, "/moto-api/"),
    }
    before = os.environ.get("BENCH_BEFORE_SRC")
    if before:
        found["localcloud-before"] = (localcloud, {"LOCALCLOUD_FAST_PATH": "1", "PYTHONPATH": before},
                                      "/_localcloud/health")
    peer = peer_python()
    if peer:
        found["ministack"] = ([str(peer.parent / "ministack")], {"GATEWAY_PORT": str(port)}, "/_localstack/health")
    return found


def start(name: str, port: int, state: Path) -> tuple[subprocess.Popen[bytes], float]:
    argv, env, health = commands(port, state)[name]
    process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               cwd=state)
    return process, wait_healthy(f"http://127.0.0.1:{port}{health}", process)


FIRST_CALLS = {"s3": lambda c: c.list_buckets(), "dynamodb": lambda c: c.list_tables(),
               "sqs": lambda c: c.list_queues()}


def start_to_first_calls(name: str, port: int, state: Path) -> tuple[subprocess.Popen[bytes], dict[str, float]]:
    """Seconds from the spawn until health answers, until S3 ListBuckets first succeeds, then DynamoDB
    ListTables, then SQS ListQueues (each polled every 5 ms; a 503 'still starting' is not a success).
    The clients are built before the spawn: their cost is the SDK's, not the server's."""
    argv, env, health = commands(port, state)[name]
    options = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1", aws_access_key_id="test",
                   aws_secret_access_key="test",
                   config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=30))
    clients = {service: boto3.client(service, **options) for service in FIRST_CALLS}
    began = time.perf_counter()
    process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               cwd=state)
    seconds = {"healthy": wait_healthy(f"http://127.0.0.1:{port}{health}", process)}
    for service, call in FIRST_CALLS.items():
        while True:
            if process.poll() is not None or time.perf_counter() - began > 60:
                raise RuntimeError(f"{name}: no successful {service} call within 60 s")
            try:
                call(clients[service])
                break
            except Exception:  # noqa: BLE001  not up yet (refused, 503)
                time.sleep(0.005)
        seconds[service] = time.perf_counter() - began
    return process, seconds


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def setup(port: int) -> dict[str, object]:
    """Clients and resources on one server, and the calls to time (name -> zero-argument call)."""
    options = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1", aws_access_key_id="test",
                   aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
    s3, dynamodb, sqs, secrets, kinesis, sns = (boto3.client(name, **options) for name in (
        "s3", "dynamodb", "sqs", "secretsmanager", "kinesis", "sns"))
    s3.create_bucket(Bucket="bench-bucket")
    dynamodb.create_table(TableName="bench", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    queue = sqs.create_queue(QueueName="bench")["QueueUrl"]
    body = os.urandom(512).hex().encode()  # 1 KB
    s3.put_object(Bucket="bench-bucket", Key="hot", Body=body)
    dynamodb.put_item(TableName="bench", Item={"pk": {"S": "hot"}, "v": {"S": "x" * 100}})
    counter = iter(range(10**9))
    calls = {
        "s3_put_object_1kb": lambda: s3.put_object(Bucket="bench-bucket", Key=f"k{next(counter)}", Body=body),
        "s3_get_object_1kb": lambda: s3.get_object(Bucket="bench-bucket", Key="hot")["Body"].read(),
        "dynamodb_put_item": lambda: dynamodb.put_item(
            TableName="bench", Item={"pk": {"S": str(next(counter))}, "v": {"S": "x" * 100}}),
        "dynamodb_get_item": lambda: dynamodb.get_item(TableName="bench", Key={"pk": {"S": "hot"}}),
        "sqs_send_message": lambda: sqs.send_message(QueueUrl=queue, MessageBody="x" * 200),
    }
    for n in range(20):
        s3.put_object(Bucket="bench-bucket", Key=f"listed/{n:02d}", Body=b"x")
        dynamodb.put_item(TableName="bench", Item={"pk": {"S": "hot"}, "v": {"S": "x" * 100}})
    doomed = iter(range(10**9))
    calls.update({
        "s3_head_object": lambda: s3.head_object(Bucket="bench-bucket", Key="hot"),
        "s3_list_objects_v2": lambda: s3.list_objects_v2(Bucket="bench-bucket", Prefix="listed/", Delimiter="/"),
        "s3_delete_object": lambda: s3.delete_object(Bucket="bench-bucket", Key=f"gone{next(doomed)}"),
        "dynamodb_update_item": lambda: dynamodb.update_item(
            TableName="bench", Key={"pk": {"S": "counter"}}, UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}}),
        "dynamodb_delete_item": lambda: dynamodb.delete_item(TableName="bench", Key={"pk": {"S": str(next(counter))}}),
        "dynamodb_query": lambda: dynamodb.query(TableName="bench", KeyConditionExpression="pk = :p",
                                                 ExpressionAttributeValues={":p": {"S": "hot"}}),
        "dynamodb_batch_write_item_10": lambda: dynamodb.batch_write_item(RequestItems={"bench": [
            {"PutRequest": {"Item": {"pk": {"S": f"b{next(counter)}"}, "v": {"S": "x" * 100}}}} for _ in range(10)]}),
        "sqs_receive_message": lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, VisibilityTimeout=0),
    })
    handles: list[str] = []
    while len(handles) < WARMUP + CALLS:  # DeleteMessage needs a fresh receipt handle per call
        sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(n), "MessageBody": "d"} for n in range(10)])
        handles += [m["ReceiptHandle"] for m in sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=900).get("Messages", [])]
    calls["sqs_delete_message"] = lambda: sqs.delete_message(QueueUrl=queue, ReceiptHandle=handles.pop())
    optional = {  # a peer without one of these services: its column stays empty
        "kinesis": lambda: _kinesis_calls(kinesis, body),
        "sns": lambda: {"sns_publish": (lambda arn: lambda: sns.publish(TopicArn=arn, Message="x" * 200))(
            sns.create_topic(Name="bench")["TopicArn"])},
        "secretsmanager": lambda: _secret_calls(secrets),
    }
    for service, make in optional.items():
        try:
            calls.update(make())
        except Exception as exc:
            print(f"bench: {service} unavailable on port {port} ({exc}); skipped", file=sys.stderr)
    return calls


def _secret_calls(secrets) -> dict[str, object]:
    secrets.create_secret(Name="bench", SecretString="x" * 64)
    return {"secretsmanager_get_secret_value": lambda: secrets.get_secret_value(SecretId="bench")}


def _kinesis_calls(kinesis, body: bytes) -> dict[str, object]:
    kinesis.create_stream(StreamName="bench", ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName="bench", WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    shard = kinesis.list_shards(StreamName="bench")["Shards"][0]["ShardId"]
    kinesis.put_records(StreamName="bench", Records=[{"Data": body, "PartitionKey": str(n)} for n in range(100)])
    def oldest() -> str:
        return kinesis.get_shard_iterator(StreamName="bench", ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    iterator = [oldest()]

    def get_records() -> object:
        try:
            return kinesis.get_records(ShardIterator=iterator[0], Limit=10)
        except kinesis.exceptions.ExpiredIteratorException:  # iterators live 5 minutes; a loaded run is longer
            iterator[0] = oldest()
            return kinesis.get_records(ShardIterator=iterator[0], Limit=10)

    return {
        "kinesis_put_record": lambda: kinesis.put_record(StreamName="bench", Data=body, PartitionKey="p"),
        "kinesis_put_records_10": lambda: kinesis.put_records(StreamName="bench", Records=[
            {"Data": body, "PartitionKey": str(n)} for n in range(10)]),
        "kinesis_get_records_10": get_records,
    }


def latencies(ports: dict[str, int]) -> dict[str, dict[str, tuple[float, float]]]:
    """p50/p99 per server and operation. The servers take turns in rounds of ROUND calls, so a change in the
    machine's load (other people's tests) falls on all of them alike, not on whichever ran at that moment."""
    calls = {name: setup(port) for name, port in ports.items()}
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in ports}
    for operation in dict.fromkeys(op for server_calls in calls.values() for op in server_calls):
        for name in ports:
            for _ in range(WARMUP):
                if operation in calls[name]:
                    calls[name][operation]()
        for _ in range(CALLS // ROUND):
            for name in ports:
                call = calls[name].get(operation)
                if call is None:
                    continue
                taken = samples[name].setdefault(operation, [])
                for _ in range(ROUND):
                    began = time.perf_counter()
                    call()
                    taken.append((time.perf_counter() - began) * 1000)
    return {name: {op: (percentile(s, 0.5), percentile(s, 0.99)) for op, s in ops.items()}
            for name, ops in samples.items()}


def main() -> None:
    figures, peers = [], {}
    names = list(commands(free_port(), Path(tempfile.gettempdir())))
    starts: dict[str, dict[str, list[float]]] = {name: {} for name in names}
    for _ in range(STARTS):  # start-up, in turns too
        for name in names:
            state = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            process, seconds = start_to_first_calls(name, free_port(), state)
            for key, value in seconds.items():
                starts[name].setdefault(key, []).append(value)
            stop(process)
            shutil.rmtree(state, ignore_errors=True)
    names = [name for name in names if name != "localcloud-before"]  # start-up only
    running, ports = [], {}
    try:
        for name in names:
            state = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            ports[name] = free_port()
            running.append((start(name, ports[name], state)[0], state))
        measured = latencies(ports)
    finally:
        for process, state in running:
            stop(process)
            shutil.rmtree(state, ignore_errors=True)
    startup = {name: {"startup_to_healthy_s": median(found["healthy"]),
                      "startup_to_first_call_s": median(found["s3"]),  # the first successful API call
                      **{f"startup_to_first_{service}_call_s": median(found[service]) for service in FIRST_CALLS}}
               for name, found in starts.items()}
    if "localcloud-before" in startup:
        peers["localcloud-before"] = {k: round(v, 3) for k, v in startup["localcloud-before"].items()}
    for name in names:
        results = {**startup[name],
                   **{f"{op}_p50_ms": p50 for op, (p50, _) in measured[name].items()},
                   **{f"{op}_p99_ms": p99 for op, (_, p99) in measured[name].items()}}
        if name == "localcloud":
            figures.append(figure("startup_to_healthy", results["startup_to_healthy_s"], "s"))
            figures.append(figure("startup_to_first_call", results["startup_to_first_call_s"], "s", goal=0.4))
            for service in FIRST_CALLS:
                key = f"startup_to_first_{service}_call"
                figures.append(figure(key, results[f"{key}_s"], "s"))
            for op, (p50, p99) in measured[name].items():
                figures.append(figure(f"{op}_p50", p50, "ms", goal=2.0))
                figures.append(figure(f"{op}_p99", p99, "ms"))
        else:
            peers[name] = {k: round(v, 3) for k, v in results.items()}
    ours = {f"{f['name']}_{f['unit']}": f["value"] for f in figures}
    for values in peers.values():
        values["ratio_localcloud_over_peer"] = {
            key: round(ours[key] / value, 2) for key, value in values.items() if value and key in ours}
    ministack = peers.get("ministack", {}).get("ratio_localcloud_over_peer", {})
    for key, ratio in ministack.items():  # issue 18's goals: p50 <= 0.8x ministack's, p99 <= 1.0x
        if key.endswith(("_p50_ms", "_p99_ms")):
            goal = 0.8 if key.endswith("_p50_ms") else 1.0
            figures.append(figure(key.removesuffix("_ms") + "_over_ministack", ratio, "x", goal=goal))
    write_results("core", figures, peers=peers, load_average=os.getloadavg())


if __name__ == "__main__":
    main()
