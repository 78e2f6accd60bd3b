"""Stream-mapping checkpoints are saved with the records they point into: after a `kill -9` a Kinesis
mapping skips nothing (records may come again, as Lambda's at-least-once stream processing allows:
https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html)."""

from __future__ import annotations

import base64
import json
import os
import signal

from localcloud import process
from support import RECORDER, Functions, Recorder, start_cloud, wait_for


def test_kinesis_mapping_after_kill_9_skips_no_record(tmp_path):
    cloud = start_cloud(tmp_path / "state")
    try:
        recorder = Recorder(cloud, Functions(cloud))
        name = recorder.function(RECORDER)
        kinesis = cloud.client("kinesis")
        kinesis.create_stream(StreamName="orders", ShardCount=1)
        arn = kinesis.describe_stream(StreamName="orders")["StreamDescription"]["StreamARN"]
        cloud.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=name,
                                                           StartingPosition="TRIM_HORIZON", BatchSize=2)

        def delivered() -> list[int]:
            return [json.loads(base64.b64decode(r["kinesis"]["data"]))["n"]
                    for c in recorder.calls() for r in c["event"]["Records"]]

        for n in range(1, 6):
            kinesis.put_record(StreamName="orders", Data=json.dumps({"n": n}).encode(), PartitionKey="k")
        wait_for(lambda: set(delivered()) >= {1, 2, 3, 4, 5}, timeout=30, what="the records before the kill")
        os.kill(process.read_pid(cloud.settings), signal.SIGKILL)
        wait_for(lambda: process.read_pid(cloud.settings) is None, what="the killed server to be gone")
        cloud.start()
        kinesis = cloud.client("kinesis")
        for n in range(6, 11):
            kinesis.put_record(StreamName="orders", Data=json.dumps({"n": n}).encode(), PartitionKey="k")
        wait_for(lambda: set(delivered()) >= set(range(1, 11)), timeout=60, what="every record, none skipped")
        after = [n for n in delivered() if n > 5]
        assert after == sorted(after)  # in shard order, each at least once
    finally:
        cloud.stop()
