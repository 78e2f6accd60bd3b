"""Event source mappings keep working across a local cloud restart, resuming from their checkpoints."""

from __future__ import annotations

import base64
import json

from support import RECORDER, Functions, Recorder, start_cloud, wait_for


def test_kinesis_mapping_resumes_after_restart_without_redelivery(tmp_path):
    cloud = start_cloud(tmp_path / "state")
    try:
        recorder = Recorder(cloud, Functions(cloud))
        name = recorder.function(RECORDER)
        kinesis = cloud.client("kinesis")
        kinesis.create_stream(StreamName="orders", ShardCount=1)
        arn = kinesis.describe_stream(StreamName="orders")["StreamDescription"]["StreamARN"]
        cloud.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=name,
                                                           StartingPosition="TRIM_HORIZON")

        def delivered() -> list[int]:
            return [json.loads(base64.b64decode(r["kinesis"]["data"]))["n"]
                    for c in recorder.calls() for r in c["event"]["Records"]]

        kinesis.put_record(StreamName="orders", Data=b'{"n": 1}', PartitionKey="k")
        wait_for(lambda: delivered() == [1], what="the record before the restart")
        cloud.stop()
        cloud.start()
        kinesis = cloud.client("kinesis")
        kinesis.put_record(StreamName="orders", Data=b'{"n": 2}', PartitionKey="k")
        wait_for(lambda: delivered() == [1, 2], what="the record after the restart")
    finally:
        cloud.stop()
