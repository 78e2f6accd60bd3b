"""Event plane figures: S3 PutObject -> handler start, Kinesis PutRecord -> handler start, and 10,000
Kinesis records through a mapping (batch size 100), checked exactly once and in order per shard.

"Handler start" is time.time() at the handler's first line (printed to its log) minus the client's
time.time() just before the put; the two clocks are the same machine's.
Goals: S3 p50 <= 30 ms; Kinesis p50 <= 100 ms with a zero batching window (LocalStack polls every 1 s,
backing off to 10 s); 10,000 records delivered within 10 s.
Run: .venv/bin/python bench/bench_events.py  (JSON on stdout and in bench/results/events.json)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import figure, percentile, write_results
from localcloud.runtime.prepare import prepare_runtime
from localcloud.testing import isolated, trust_policy, zip_of

SAMPLES = 40
SPACING = 0.25  # seconds between latency samples, so each is measured on an idle system
RECORDS = 10_000
ROLE_POLICY = trust_policy("lambda.amazonaws.com")
MARKS = """import json, time, base64
def handler(event, context):
    started = time.time()
    marks = []
    for r in event.get("Records", []):
        if "s3" in r:
            marks.append(r["s3"]["object"]["key"])
        elif "kinesis" in r:
            marks.append(json.loads(base64.b64decode(r["kinesis"]["data"]))["mark"])
    print("MARK " + json.dumps({"at": started, "marks": marks}))
"""
LANES = """import json, time, base64
def handler(event, context):
    started = time.time()
    items = [[r["eventID"].split(":")[0]] + json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
    print("BATCH " + json.dumps({"at": started, "items": items}))
"""


def log_lines(logs, function: str, prefix: str) -> list[dict]:
    found, kwargs = [], {"logGroupName": f"/aws/lambda/{function}", "filterPattern": f'"{prefix}"'}
    while True:
        page = logs.filter_log_events(**kwargs)
        found += [json.loads(e["message"].split(prefix + " ", 1)[1]) for e in page["events"]
                  if e["message"].startswith(prefix + " ")]
        if not page.get("nextToken"):
            return found
        kwargs["nextToken"] = page["nextToken"]


def create_function(lam, role: str, source: str) -> tuple[str, str]:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
                              Code={"ZipFile": zip_of(source)}, Timeout=60)["FunctionArn"]
    lam.invoke(FunctionName=name, Payload=b"{}")  # warm: the figures are about delivery, not cold starts
    return name, arn


def wait_lines(logs, function: str, prefix: str, count: int, timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        lines = log_lines(logs, function, prefix)
        if sum(len(l.get("marks", l.get("items", []))) for l in lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.5)


def s3_latency(cloud, lam, logs, role: str) -> dict:
    s3 = cloud.client("s3")
    name, arn = create_function(lam, role, MARKS)
    lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bench-events")
    s3.create_bucket(Bucket="bench-events")
    s3.put_bucket_notification_configuration(Bucket="bench-events", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    sent = {}
    for n in range(SAMPLES):
        key = f"k{n}"
        sent[key] = time.time()
        s3.put_object(Bucket="bench-events", Key=key, Body=b"x")
        time.sleep(SPACING)
    started = {m: line["at"] for line in wait_lines(logs, name, "MARK", SAMPLES, 30) for m in line["marks"]}
    latencies = [(started[k] - t) * 1000 for k, t in sent.items() if k in started]
    return figure("s3_put_to_handler_start_p50", percentile(latencies, 0.5), "ms", 30.0,
                  p90=round(percentile(latencies, 0.9), 3), samples=len(latencies), lost=SAMPLES - len(latencies))


def kinesis_latency(cloud, lam, logs, role: str) -> dict:
    kinesis = cloud.client("kinesis")
    name, _ = create_function(lam, role, MARKS)
    kinesis.create_stream(StreamName="latency", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="latency")["StreamDescription"]["StreamARN"]
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST",
                                    BatchSize=100, MaximumBatchingWindowInSeconds=0)
    time.sleep(1.0)
    sent = {}
    for n in range(SAMPLES):
        mark = f"m{n}"
        sent[mark] = time.time()
        kinesis.put_record(StreamName="latency", Data=json.dumps({"mark": mark}).encode(), PartitionKey="p")
        time.sleep(SPACING)
    started = {m: line["at"] for line in wait_lines(logs, name, "MARK", SAMPLES, 30) for m in line["marks"]}
    latencies = [(started[m] - t) * 1000 for m, t in sent.items() if m in started]
    return figure("kinesis_put_to_handler_start_p50", percentile(latencies, 0.5), "ms", 100.0,
                  p90=round(percentile(latencies, 0.9), 3), samples=len(latencies), lost=SAMPLES - len(latencies))


def kinesis_throughput(cloud, lam, logs, role: str) -> dict:
    kinesis = cloud.client("kinesis")
    name, _ = create_function(lam, role, LANES)
    kinesis.create_stream(StreamName="throughput", ShardCount=2)
    arn = kinesis.describe_stream(StreamName="throughput")["StreamDescription"]["StreamARN"]
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST",
                                    BatchSize=100, MaximumBatchingWindowInSeconds=0)
    time.sleep(1.0)
    lanes = 8  # partition keys; each lane's counter must arrive in order within its shard
    counters = [0] * lanes
    records = []
    for n in range(RECORDS):
        lane = n % lanes
        records.append({"Data": json.dumps([lane, counters[lane]]).encode(), "PartitionKey": f"lane-{lane}"})
        counters[lane] += 1
    started = time.time()
    for chunk in range(0, RECORDS, 500):
        kinesis.put_records(StreamName="throughput", Records=records[chunk:chunk + 500])
    put_seconds = time.time() - started
    batches = wait_lines(logs, name, "BATCH", RECORDS, 60)
    batches.sort(key=lambda b: b["at"])
    seen: dict[int, list[int]] = {}
    for batch in batches:
        for _shard, lane, counter in batch["items"]:
            seen.setdefault(lane, []).append(counter)
    delivered = sum(len(v) for v in seen.values())
    exactly_once = delivered == RECORDS and all(sorted(v) == list(range(len(v))) for v in seen.values())
    in_order = all(v == sorted(v) for v in seen.values())
    last = max(b["at"] for b in batches) if batches else float("inf")
    return figure("kinesis_10k_records_delivered", last - started, "s", 10.0, delivered=delivered,
                  exactly_once=exactly_once, in_order_per_shard=in_order, invocations=len(batches),
                  put_seconds=round(put_seconds, 3))


def main() -> None:
    prepare_runtime()
    cloud = isolated(Path(tempfile.mkdtemp(prefix="bench-events-"))).start()
    try:
        lam, logs = cloud.client("lambda", read_timeout=120), cloud.client("logs")
        role = cloud.client("iam").create_role(RoleName="bench-events",
                                               AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
        figures = [s3_latency(cloud, lam, logs, role), kinesis_latency(cloud, lam, logs, role),
                   kinesis_throughput(cloud, lam, logs, role)]
    finally:
        cloud.stop()
    write_results("events", figures, notes="handler start = the handler's own time.time() at entry; "
                  "LocalStack's Kinesis poller: 1 s interval backing off to 10 s")


if __name__ == "__main__":
    main()
