"""Core figures: start-up to healthy, and simple API latency (S3 PutObject 1 KB, DynamoDB PutItem,
SQS SendMessage) through boto3 — for localcloud and, in the same run, plain moto server and ministack."""

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

STARTS = 5
CALLS = 500
WARMUP = 50


def commands(port: int, state: Path) -> dict[str, tuple[list[str], dict[str, str], str]]:
    venv_bin = Path(sys.executable).parent
    found = {
        "localcloud": ([sys.executable, "-m", "localcloud.server.main", "--port", str(port), "--state-dir", str(state)],
                       {}, "/_localcloud/health"),
        "moto": ([str(venv_bin / "moto_server"), "-p", str(port)], {}, "/moto-api/"),
    }
    peer = peer_python()
    if peer:
        found["ministack"] = ([str(peer.parent / "ministack")], {"GATEWAY_PORT": str(port)}, "/_localstack/health")
    return found


def start(name: str, port: int, state: Path) -> tuple[subprocess.Popen[bytes], float]:
    argv, env, health = commands(port, state)[name]
    process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               cwd=state)
    return process, wait_healthy(f"http://127.0.0.1:{port}{health}", process)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def time_calls(call) -> tuple[float, float]:
    for _ in range(WARMUP):
        call()
    samples = []
    for _ in range(CALLS):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return percentile(samples, 0.5), percentile(samples, 0.99)


def latencies(port: int) -> dict[str, tuple[float, float]]:
    options = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1", aws_access_key_id="test",
                   aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
    s3, dynamodb, sqs = (boto3.client(name, **options) for name in ("s3", "dynamodb", "sqs"))
    s3.create_bucket(Bucket="bench-bucket")
    dynamodb.create_table(TableName="bench", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    queue = sqs.create_queue(QueueName="bench")["QueueUrl"]
    body = os.urandom(512).hex().encode()  # 1 KB
    counter = iter(range(10**9))
    return {
        "s3_put_object_1kb": time_calls(lambda: s3.put_object(Bucket="bench-bucket", Key=f"k{next(counter)}", Body=body)),
        "dynamodb_put_item": time_calls(lambda: dynamodb.put_item(
            TableName="bench", Item={"pk": {"S": str(next(counter))}, "v": {"S": "x" * 100}})),
        "sqs_send_message": time_calls(lambda: sqs.send_message(QueueUrl=queue, MessageBody="x" * 200)),
    }


def main() -> None:
    figures, peers = [], {}
    for name in commands(free_port(), Path(tempfile.gettempdir())):
        starts = []
        for _ in range(STARTS):
            state = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            port = free_port()
            process, seconds = start(name, port, state)
            starts.append(seconds)
            stop(process)
            shutil.rmtree(state, ignore_errors=True)
        state = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        port = free_port()
        process, _ = start(name, port, state)
        try:
            measured = latencies(port)
        finally:
            stop(process)
            shutil.rmtree(state, ignore_errors=True)
        results = {"startup_to_healthy_s": median(starts),
                   **{f"{op}_p50_ms": p50 for op, (p50, _) in measured.items()},
                   **{f"{op}_p99_ms": p99 for op, (_, p99) in measured.items()}}
        if name == "localcloud":
            figures.append(figure("startup_to_healthy", results["startup_to_healthy_s"], "s", goal=1.0))
            for op, (p50, p99) in measured.items():
                figures.append(figure(f"{op}_p50", p50, "ms", goal=2.0))
                figures.append(figure(f"{op}_p99", p99, "ms"))
        else:
            peers[name] = {k: round(v, 3) for k, v in results.items()}
    ours = {f["name"]: f["value"] for f in figures}
    for peer, values in peers.items():
        values["ratio_localcloud_over_peer"] = {
            key: round(ours[key.removesuffix("_s").removesuffix("_ms")] / value, 2)
            for key, value in values.items() if key.endswith(("_p50_ms", "_s")) and value}
    write_results("core", figures, peers=peers)


if __name__ == "__main__":
    main()
