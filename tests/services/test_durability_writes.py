"""A `kill -9` of the local cloud loses no acknowledged write (the journal is in the OS before the answer
leaves; docs/state.md), and the state it restarts from is whole: every service loads, ids are kept."""

from __future__ import annotations

import os
import signal
import threading
import time

from localcloud import process
from localcloud.testing import snapshot_seq
from support import start_cloud, wait_for


def _kill_9(cloud) -> None:
    os.kill(process.read_pid(cloud.settings), signal.SIGKILL)
    wait_for(lambda: process.read_pid(cloud.settings) is None, what="the killed server to be gone")


def test_kill_9_during_a_burst_of_dynamodb_writes_loses_at_most_the_last_second(tmp_path):
    cloud = start_cloud(tmp_path / "state", clock_speed=1.0)
    try:
        ddb = cloud.client("dynamodb")
        ddb.create_table(TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        acked: dict[str, float] = {}
        stop = threading.Event()

        def writer(worker: int) -> None:
            client = cloud.client("dynamodb")
            n = 0
            while not stop.is_set():
                key = f"w{worker}-{n}"
                try:
                    client.put_item(TableName="orders", Item={"id": {"S": key}, "n": {"N": str(n)}})
                except Exception:
                    return  # the server is gone: this write was never acknowledged
                acked[key] = time.monotonic()
                n += 1

        writers = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
        for thread in writers:
            thread.start()
        wait_for(lambda: len(acked) >= 600, timeout=60, what="600 acknowledged writes")
        killed_at = time.monotonic()
        _kill_9(cloud)
        stop.set()
        for thread in writers:
            thread.join(timeout=30)
        cloud.start()
        present = set()
        for page in cloud.client("dynamodb").get_paginator("scan").paginate(TableName="orders"):
            present |= {item["id"]["S"] for item in page["Items"]}
        lost = {key: killed_at - at for key, at in acked.items() if key not in present}
        # The goal is "at most the last second"; the journal makes it none at all for a process crash.
        assert all(age <= 1.0 for age in lost.values()), f"{len(lost)} of {len(acked)} acknowledged writes lost"
        assert not lost, f"{len(lost)} acknowledged writes lost, all from the last second"
    finally:
        cloud.stop()


def test_after_kill_9_every_service_loads_and_keeps_its_ids(tmp_path):
    cloud = start_cloud(tmp_path / "state", clock_speed=1.0)
    try:
        api_id = cloud.client("apigateway").create_rest_api(name="orders")["id"]
        queue = cloud.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
        secret = cloud.client("secretsmanager").create_secret(Name="db", SecretString="s3cret")["ARN"]
        cloud.client("s3").create_bucket(Bucket="kept-bucket")
        cloud.client("s3").put_object(Bucket="kept-bucket", Key="a.txt", Body=b"body bytes")
        _kill_9(cloud)
        cloud.start()
        assert [a["id"] for a in cloud.client("apigateway").get_rest_apis()["items"]] == [api_id]
        assert cloud.client("sqs").get_queue_url(QueueName="jobs")["QueueUrl"] == queue
        assert cloud.client("secretsmanager").get_secret_value(SecretId="db")["ARN"] == secret
        assert cloud.client("s3").get_object(Bucket="kept-bucket", Key="a.txt")["Body"].read() == b"body bytes"
        health = process.health(cloud.settings, timeout=5)
        assert health["persistence"]["replayed"] >= 5 and health["persistence"]["last_error"] is None
        # A second crash right after the restart: the replayed state was snapshotted, nothing doubles.
        wait_for(lambda: snapshot_seq(cloud.settings) > 0, timeout=30,
                 what="a snapshot folding in the replayed journal")
        _kill_9(cloud)
        cloud.start()
        assert [a["id"] for a in cloud.client("apigateway").get_rest_apis()["items"]] == [api_id]
        assert len(cloud.client("sqs").list_queues()["QueueUrls"]) == 1
    finally:
        cloud.stop()
