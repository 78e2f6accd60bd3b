"""Kinesis and DynamoDB Streams event source mappings, run by pollers outside the producer's request.

https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, .../services-kinesis-batchfailurereporting.html
(lowest failed sequence number; bisect at the returned sequence number), .../kinesis-on-failure-destination.html
(a record pointer, not the data), .../invocation-eventfiltering.html, .../with-ddb.html.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid

from support import allow_queue, wait_for

# Processes records in order until the bad one, then reports it and everything after it as failed
# (the ordered-stream pattern), so records before it are written exactly once.
ORDERED = """import base64, json, os, time, boto3
s3 = boto3.client("s3")
def handler(event, context):
    done, failures = [], []
    for record in event["Records"]:
        value = json.loads(base64.b64decode(record["kinesis"]["data"]))
        if failures or value.get("bad"):
            failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
            continue
        done.append(value["n"])
    if done:
        s3.put_object(Bucket=os.environ["RECORDER_BUCKET"], Key=f"calls/{time.time():.6f}",
                      Body=json.dumps({"started": time.time(), "event": {"done": done}}))
    return {"batchItemFailures": failures}
"""
FAILING = "def handler(event, context):\n    raise RuntimeError('consumer is broken')\n"


def _stream(cloud, shards: int = 1) -> tuple[str, str]:
    kinesis = cloud.client("kinesis")
    name = f"s-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return name, kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


def _queue(cloud) -> tuple[str, str]:
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _put(cloud, stream: str, values: list[dict]) -> None:
    cloud.client("kinesis").put_records(StreamName=stream, Records=[
        {"Data": json.dumps(v).encode(), "PartitionKey": "one-key"} for v in values])


def _all_records(recorder) -> list[dict]:
    return [r for c in recorder.calls() for r in c["event"].get("Records", [])]


def _trace(cloud, stream_arn: str, result: str) -> list[dict]:
    """What the stream's mapping decided not to deliver (the delivery trace), oldest first."""
    return [d for d in cloud.deliveries(stream_arn) if d["source"] == f"kinesis:{stream_arn}" and d["result"] == result]


def _sequence(cloud, stream: str, n: int) -> str:
    """The sequence number of the record whose data has "n": n (single-shard streams)."""
    kinesis = cloud.client("kinesis")
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return next(r["SequenceNumber"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]
                if json.loads(r["Data"]).get("n") == n)


def test_kinesis_event_shape_and_in_order_delivery(events_cloud, recorder):
    stream, arn = _stream(events_cloud)
    name = recorder.function()
    events_cloud.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", BatchSize=7)
    _put(events_cloud, stream, [{"n": n} for n in range(20)])
    records = wait_for(lambda: len(r := [x for x in _all_records(recorder) if x.get("eventSourceARN") == arn]) >= 20
                       and r, what="20 Kinesis records")
    assert [json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in records] == list(range(20))
    first = records[0]
    assert first["eventSource"] == "aws:kinesis" and first["eventName"] == "aws:kinesis:record"
    assert first["eventID"] == f"shardId-000000000000:{first['kinesis']['sequenceNumber']}"
    assert first["kinesis"]["kinesisSchemaVersion"] == "1.0" and first["kinesis"]["partitionKey"] == "one-key"
    assert first["invokeIdentityArn"].startswith("arn:aws:iam::") and first["awsRegion"] == "us-east-1"
    assert max(len(c["event"]["Records"]) for c in recorder.calls()
               if c["event"]["Records"][0].get("eventSourceARN") == arn) <= 7


def test_bad_record_alone_reaches_the_on_failure_destination_and_the_rest_run_once(events_cloud, recorder):
    stream, arn = _stream(events_cloud)
    url, queue_arn = _queue(events_cloud)
    name = recorder.function(ORDERED)
    events_cloud.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST", BatchSize=10,
        MaximumBatchingWindowInSeconds=1, BisectBatchOnFunctionError=True, MaximumRetryAttempts=2,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    values = [{"n": n, "bad": n == 4} for n in range(10)]
    _put(events_cloud, stream, values)
    sqs = events_cloud.client("sqs")
    message = wait_for(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages"),
                       what="the on-failure record")[0]
    pointer = json.loads(message["Body"])
    info = pointer["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["streamArn"] == arn and info["shardId"] == "shardId-000000000000"
    assert pointer["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert "data" not in json.dumps(pointer).lower().replace("metadata", "")  # a pointer, not the record
    # A sentinel after the batch: the shard is processed in order, so once it is done every retry of the
    # records before it is over, and what was written is final.
    _put(events_cloud, stream, [{"n": 10}])
    done = wait_for(lambda: 10 in (d := [n for c in recorder.calls() for n in c["event"].get("done", [])]) and d,
                    what="the nine good records and the sentinel")
    assert done == [n for n in range(11) if n != 4]  # each exactly once, in order
    # The bad record's sequence number is the one the pointer names.
    got = events_cloud.client("kinesis").get_records(ShardIterator=events_cloud.client("kinesis").get_shard_iterator(
        StreamName=stream, ShardId=info["shardId"], ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=info["startSequenceNumber"])["ShardIterator"], Limit=1)["Records"][0]
    assert json.loads(got["Data"]) == {"n": 4, "bad": True}


def test_producer_is_not_blocked_by_a_failing_consumer(events_cloud, events_functions):
    stream, arn = _stream(events_cloud)
    name = events_functions.create(FAILING)
    events_cloud.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST", MaximumRetryAttempts=-1)
    kinesis = events_cloud.client("kinesis")
    timings = []
    for n in range(20):
        started = time.perf_counter()
        answer = kinesis.put_record(StreamName=stream, Data=json.dumps({"n": n}).encode(), PartitionKey="k")
        timings.append(time.perf_counter() - started)
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200  # never the consumer's error
    assert sorted(timings)[len(timings) // 2] < 0.5  # a blocked producer would wait for the failing invokes


def test_filter_criteria_and_disable_enable(events_cloud, recorder):
    stream, arn = _stream(events_cloud)
    lam = events_cloud.client("lambda")
    name = recorder.function()
    mapping = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST", BatchSize=100,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"data": {"kind": ["order"]}})}]})
    _put(events_cloud, stream, [{"kind": "order", "n": 1}, {"kind": "noise", "n": 2}, {"kind": "order", "n": 3}])

    def seen() -> list[int]:
        return [json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in _all_records(recorder)
                if r.get("eventSourceARN") == arn]

    wait_for(lambda: len(seen()) >= 2, what="the matching records")
    assert seen() == [1, 3]
    assert [d["detail"] for d in _trace(events_cloud, arn, "filtered")] == [
        f"{_sequence(events_cloud, stream, 2)} matched none of the mapping's FilterCriteria"]
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Disabled"
    _put(events_cloud, stream, [{"kind": "order", "n": 4}])
    held = wait_for(lambda: _trace(events_cloud, arn, "skipped"), what="the disabled mapping holding the record")
    assert f"records from {_sequence(events_cloud, stream, 4)} on " in held[0]["detail"]
    assert seen() == [1, 3]  # disabled: the poller saw the record and kept it
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    wait_for(lambda: seen() == [1, 3, 4], what="the record held while disabled")


def test_dynamodb_stream_insert_modify_remove(events_cloud, recorder):
    ddb = events_cloud.client("dynamodb")
    table = f"t-{uuid.uuid4().hex[:8]}"
    stream_arn = ddb.create_table(
        TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    name = recorder.function()
    events_cloud.client("lambda").create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="TRIM_HORIZON")
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"N": "2"}})
    ddb.delete_item(TableName=table, Key={"id": {"S": "a"}})
    records = wait_for(lambda: len(r := [x for x in _all_records(recorder) if x.get("eventSourceARN") == stream_arn])
                       >= 3 and r, what="three stream records")
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    modify = records[1]
    assert modify["eventSource"] == "aws:dynamodb" and modify["dynamodb"]["Keys"] == {"id": {"S": "a"}}
    assert modify["dynamodb"]["NewImage"]["v"] == {"N": "2"} and modify["dynamodb"]["OldImage"]["v"] == {"N": "1"}
    assert modify["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES" and modify["dynamodb"]["SequenceNumber"]
    assert "NewImage" not in records[2]["dynamodb"]


def test_dynamodb_stream_record_with_a_binary_attribute_reaches_the_function_base64(events_cloud, recorder):
    # Lambda's DynamoDB event carries B values base64, as DynamoDB's JSON wire does; such a record had
    # stopped the mapping's poller (it retried the shard forever).
    ddb = events_cloud.client("dynamodb")
    table = f"t-{uuid.uuid4().hex[:8]}"
    stream_arn = ddb.create_table(
        TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]["LatestStreamArn"]
    events_cloud.client("lambda").create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=recorder.function(), StartingPosition="TRIM_HORIZON")
    ddb.put_item(TableName=table, Item={"id": {"S": "b"}, "blob": {"B": b"foobar"}})
    records = wait_for(lambda: [x for x in _all_records(recorder) if x.get("eventSourceARN") == stream_arn],
                       what="the binary record")
    assert records[0]["dynamodb"]["NewImage"]["blob"] == {"B": base64.b64encode(b"foobar").decode()}


def test_dynamodb_records_past_their_maximum_age_go_to_an_sns_destination(events_cloud, events_functions):
    """MaximumRecordAgeInSeconds (minimum 60 local seconds: one wall second at 60x) bounds retries."""
    ddb, sns, sqs = (events_cloud.client(s) for s in ("dynamodb", "sns", "sqs"))
    table = f"t-{uuid.uuid4().hex[:8]}"
    stream_arn = ddb.create_table(
        TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )["TableDescription"]["LatestStreamArn"]
    topic = sns.create_topic(Name=f"failed-{uuid.uuid4().hex[:6]}")["TopicArn"]
    url, queue_arn = _queue(events_cloud)
    allow_queue(sqs, url, "sns.amazonaws.com", topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    events_cloud.client("lambda").create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=events_functions.create(FAILING), StartingPosition="LATEST",
        MaximumRecordAgeInSeconds=60, DestinationConfig={"OnFailure": {"Destination": topic}})
    ddb.put_item(TableName=table, Item={"id": {"S": "x"}})
    body = wait_for(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages"),
                    what="the expired record's pointer")[0]["Body"]
    pointer = json.loads(body)
    assert pointer["requestContext"]["condition"] == "RecordAgeExceeded"
    assert pointer["responseContext"]["functionError"] == "Unhandled"
    assert pointer["DDBStreamBatchInfo"]["streamArn"] == stream_arn and pointer["DDBStreamBatchInfo"]["batchSize"] == 1
    # DynamoDB's record times are to the second, and DDBStreamBatchInfo says them so: 2022-07-13T13:48:01Z
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                        pointer["DDBStreamBatchInfo"]["approximateArrivalOfFirstRecord"])


def test_at_timestamp_starts_at_the_first_record_on_or_after_it(events_cloud, recorder):
    stream, arn = _stream(events_cloud)
    _put(events_cloud, stream, [{"n": 0}])
    kinesis = events_cloud.client("kinesis")
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    first = kinesis.get_records(ShardIterator=iterator)["Records"][0]["ApproximateArrivalTimestamp"].timestamp()
    since = first + 0.01
    wait_for(lambda: time.time() > since + 0.01, what="the clock to pass the timestamp")  # n=1 arrives after it
    _put(events_cloud, stream, [{"n": 1}, {"n": 2}])
    events_cloud.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=recorder.function(), StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=since)

    def seen() -> list[int]:
        return [json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in _all_records(recorder)
                if r.get("eventSourceARN") == arn]

    _put(events_cloud, stream, [{"n": 3}])  # a sentinel: in-order delivery, so n=0 would have come first
    wait_for(lambda: 3 in seen(), what="the records after the timestamp")
    assert seen() == [1, 2, 3]
