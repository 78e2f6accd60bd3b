"""Concurrency: 8 client threads against DynamoDB, SQS and S3 at once — aggregate throughput, errors, and
whether every write arrived exactly once — for localcloud and, in the same run, ministack (and localcloud
before, given BENCH_BEFORE_SRC).

Each thread has its own boto3 clients and does BENCH_CONCURRENCY_ROUNDS rounds of: PutItem (its own key),
UpdateItem ADD on one shared counter, SendMessage, PutObject (its own key). Then 8 threads drain the queue
(ReceiveMessage + DeleteMessage, visibility 60 s). Checked afterwards: the table holds every item, the
counter equals the number of increments, every message was received once (none twice, none lost), the bucket
lists every object. Goal: throughput >= 1.5x ministack's, no errors, no lost or duplicated writes.
JSON in bench/results/concurrency.json.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from common import figure, write_results
from servers import available, running

THREADS = 8
ROUNDS = int(os.environ.get("BENCH_CONCURRENCY_ROUNDS", "40"))
SERVERS = os.environ.get("BENCH_CONCURRENCY_SERVERS", "localcloud,localcloud-before,ministack").split(",")
GOAL_OVER_MINISTACK = 1.5


def client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


def measure(endpoint: str) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    table, bucket, queue_name = f"conc-{tag}", f"conc-{tag}", f"conc-{tag}"
    db, s3, sqs = client(endpoint, "dynamodb"), client(endpoint, "s3"), client(endpoint, "sqs")
    db.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    s3.create_bucket(Bucket=bucket)
    url = sqs.create_queue(QueueName=queue_name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    errors: Counter[str] = Counter()
    start = threading.Barrier(THREADS)

    def work(index: int) -> int:
        mine = {name: client(endpoint, name) for name in ("dynamodb", "s3", "sqs")}
        start.wait()
        done = 0
        for n in range(ROUNDS):
            for name, call in (
                    ("PutItem", lambda: mine["dynamodb"].put_item(TableName=table, Item={"pk": {"S": f"{index}-{n}"}})),
                    ("UpdateItem", lambda: mine["dynamodb"].update_item(
                        TableName=table, Key={"pk": {"S": "counter"}}, UpdateExpression="ADD n :one",
                        ExpressionAttributeValues={":one": {"N": "1"}})),
                    ("SendMessage", lambda: mine["sqs"].send_message(QueueUrl=url, MessageBody=f"{index}-{n}")),
                    ("PutObject", lambda: mine["s3"].put_object(Bucket=bucket, Key=f"{index}/{n}", Body=b"x" * 256))):
                try:
                    call()
                    done += 1
                except Exception as exc:
                    errors[f"{name}: {type(exc).__name__}"] += 1
        return done

    began = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        calls = sum(pool.map(work, range(THREADS)))
    seconds = time.perf_counter() - began

    def drain(_: int) -> list[str]:
        mine, bodies, empty = client(endpoint, "sqs"), [], 0
        while empty < 2:  # two empty answers in a row: nothing visible is left
            try:
                got = mine.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            except Exception as exc:
                errors[f"ReceiveMessage: {type(exc).__name__}"] += 1
                continue
            empty = 0 if got else empty + 1
            for message in got:
                bodies.append(message["Body"])
                mine.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return bodies

    with ThreadPoolExecutor(THREADS) as pool:
        received = Counter(body for bodies in pool.map(drain, range(THREADS)) for body in bodies)
    expected = {f"{i}-{n}" for i in range(THREADS) for n in range(ROUNDS)}
    items, start_key = 0, None
    while True:
        page = db.scan(TableName=table, Select="COUNT", **({"ExclusiveStartKey": start_key} if start_key else {}))
        items += page["Count"]
        start_key = page.get("LastEvaluatedKey")
        if not start_key:
            break
    counter = int(db.get_item(TableName=table, Key={"pk": {"S": "counter"}})["Item"]["n"]["N"])
    objects = sum(page.get("KeyCount", 0) for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket))
    return {
        "calls": calls, "seconds": round(seconds, 2), "throughput_calls_per_s": round(calls / seconds, 1),
        "errors": dict(errors),
        "items_lost": THREADS * ROUNDS + 1 - items, "counter_lost_increments": THREADS * ROUNDS - counter,
        "messages_lost": len(expected - set(received)),
        "messages_received_twice": sum(1 for count in received.values() if count > 1),
        "objects_lost": THREADS * ROUNDS - objects,
    }


def main() -> None:
    measured = {}
    for name, spec in available(SERVERS).items():
        with running(name, spec) as server:
            measured[name] = measure(server.endpoint)
    ours = measured["localcloud"]
    wrong = sum(ours[key] for key in ("items_lost", "counter_lost_increments", "messages_lost",
                                      "messages_received_twice", "objects_lost"))
    figures = [figure("throughput_8_threads", ours["throughput_calls_per_s"], "calls/s"),
               figure("errors", sum(ours["errors"].values()), "count", goal=0),
               figure("lost_or_duplicated_writes", wrong, "count", goal=0)]
    peers = {}
    for name, found in measured.items():
        if name == "localcloud":
            continue
        peers[name] = {"throughput_8_threads_calls/s": found["throughput_calls_per_s"],
                       "errors_count": sum(found["errors"].values()),
                       "lost_or_duplicated_writes_count": sum(found[key] for key in (
                           "items_lost", "counter_lost_increments", "messages_lost", "messages_received_twice",
                           "objects_lost"))}
        peers[name]["ratio_localcloud_over_peer"] = {
            "throughput_8_threads_calls/s": round(ours["throughput_calls_per_s"] / found["throughput_calls_per_s"], 2)}
    if "ministack" in measured:  # the goal is a ratio: how many times ministack's throughput
        speedup = ours["throughput_calls_per_s"] / measured["ministack"]["throughput_calls_per_s"]
        figures.append({**figure("throughput_over_ministack", speedup, "x"), "goal": GOAL_OVER_MINISTACK,
                        "met": speedup >= GOAL_OVER_MINISTACK, "goal_is_minimum": True})
    write_results("concurrency", figures, peers=peers, rounds=ROUNDS, threads=THREADS, detail=measured,
                  load_average=os.getloadavg())


if __name__ == "__main__":
    main()
