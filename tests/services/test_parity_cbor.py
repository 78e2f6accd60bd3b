"""The CBOR wire formats as AWS speaks them: Kinesis as the AWS SDK for Java speaks it (CBOR requests
answered in CBOR: blobs as byte strings, timestamps as tag 1, errors as a {"__type", "message"} map),
CloudWatch in Smithy RPC v2 CBOR, and consumer ARNs as RegisterStreamConsumer returns them (ending in
":<creation epoch seconds>", botocore's ConsumerARN pattern)."""

from __future__ import annotations

import datetime
import re
import urllib.error
import urllib.request
import uuid

import botocore.session
import cbor2
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CBOR = "application/x-amz-cbor-1.1"


def _cbor_call(cloud, operation: str, payload: dict) -> tuple[int, str, object]:
    """One Kinesis call in CBOR, signed as an SDK signs it; (status, content type, decoded body)."""
    body = cbor2.dumps(payload, datetime_as_timestamp=True)
    request = AWSRequest(method="POST", url=cloud.endpoint + "/", data=body,
                         headers={"Content-Type": CBOR, "X-Amz-Target": f"Kinesis_20131202.{operation}"})
    SigV4Auth(Credentials("test", "test"), "kinesis", cloud.settings.region).add_auth(request)
    prepared = urllib.request.Request(request.url, data=body, method="POST", headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(prepared, timeout=30) as answer:
            return answer.status, answer.headers["Content-Type"], _loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], _loads(error.read())


def _loads(raw: bytes) -> object:
    """Decode, keeping a tag-1 timestamp over a 64-bit integer (epoch milliseconds, as the SDK for Java reads
    it) as CBORTag(1, n): cbor2 would read the number as seconds, 50,000 years ahead."""
    return cbor2.loads(raw) if b"\xc1\x1b" not in raw else \
        _with_millis(cbor2.loads(raw.replace(b"\xc1\x1b", b"\xd9\xd9\xf8\x1b")))


def _with_millis(value: object) -> object:
    if isinstance(value, cbor2.CBORTag) and value.tag == 55800:  # the placeholder tag put in place of 1
        return cbor2.CBORTag(1, value.value)
    if isinstance(value, dict):
        return {k: _with_millis(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_millis(v) for v in value]
    return value


def _stream(cloud) -> str:
    kinesis = cloud.client("kinesis")
    name = f"s-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2})
    return name


def test_a_cbor_request_is_answered_in_cbor_with_bytes_and_tagged_timestamps(cloud):
    name = _stream(cloud)
    data = b"\x00\xffbinary \xe2\x9c\x93"
    status, content_type, put = _cbor_call(cloud, "PutRecord", {"StreamName": name, "Data": data,
                                                                "PartitionKey": "k"})
    assert status == 200 and content_type == CBOR
    assert put["ShardId"] == "shardId-000000000000" and put["SequenceNumber"]
    _, _, iterator = _cbor_call(cloud, "GetShardIterator", {"StreamName": name, "ShardId": put["ShardId"],
                                                            "ShardIteratorType": "TRIM_HORIZON"})
    _, _, got = _cbor_call(cloud, "GetRecords", {"ShardIterator": iterator["ShardIterator"]})
    record = got["Records"][0]
    assert record["Data"] == data  # a byte string, not base64 text
    stamp = record["ApproximateArrivalTimestamp"]  # tag 1 over integer epoch milliseconds, as AWS sends it
    assert isinstance(stamp, cbor2.CBORTag) and stamp.tag == 1 and isinstance(stamp.value, int)
    json_record = cloud.client("kinesis").get_records(ShardIterator=cloud.client("kinesis").get_shard_iterator(
        StreamName=name, ShardId=put["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"][0]
    assert json_record["Data"] == data
    assert abs(json_record["ApproximateArrivalTimestamp"].timestamp() * 1000 - stamp.value) < 1000


def test_a_cbor_request_that_fails_gets_a_cbor_error(cloud):
    status, content_type, error = _cbor_call(cloud, "DescribeStream", {"StreamName": "no-such-stream"})
    assert (status, content_type) == (400, CBOR)
    assert error["__type"] == "ResourceNotFoundException"


def test_a_consumer_arn_ends_in_its_creation_time_and_names_the_consumer(cloud):
    kinesis = cloud.client("kinesis")
    name = _stream(cloud)
    stream_arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="reader")["Consumer"]
    pattern = botocore.session.get_session().get_service_model("kinesis").shape_for("ConsumerARN").metadata["pattern"]
    assert re.fullmatch(pattern, consumer["ConsumerARN"])
    assert consumer["ConsumerARN"].endswith(f":{int(consumer['ConsumerCreationTimestamp'].timestamp())}")
    described = kinesis.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])["ConsumerDescription"]
    assert described["ConsumerName"] == "reader"


# -- Smithy RPC v2 CBOR (botocore protocol "smithy-rpc-v2-cbor", CloudWatch's first-listed protocol) -------
def _rpc_v2_cbor_client(cloud, service: str):
    """A client that speaks the service's smithy-rpc-v2-cbor protocol, as SDKs that prefer it do."""
    from botocore.parsers import create_parser
    from botocore.serialize import create_serializer

    client = cloud.client(service)
    client._serializer = create_serializer("smithy-rpc-v2-cbor")
    client._response_parser = create_parser("smithy-rpc-v2-cbor")
    client.meta.service_model.__dict__["resolved_protocol"] = "smithy-rpc-v2-cbor"  # botocore's cached choice
    return client


def test_cloudwatch_in_smithy_rpc_v2_cbor_answers_in_it(cloud):
    cloudwatch = _rpc_v2_cbor_client(cloud, "cloudwatch")
    namespace = f"parity/{uuid.uuid4().hex[:8]}"
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "m", "Value": 3.0, "Unit": "Count", "Timestamp": now}])
    metrics = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    assert [m["MetricName"] for m in metrics] == ["m"]
    stats = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName="m", StartTime=now - datetime.timedelta(minutes=5),
        EndTime=now + datetime.timedelta(minutes=5), Period=60, Statistics=["Sum"])
    assert [p["Sum"] for p in stats["Datapoints"]] == [3.0]
    assert isinstance(stats["Datapoints"][0]["Timestamp"], datetime.datetime)
    try:
        cloudwatch.set_alarm_state(AlarmName="no-such-alarm", StateValue="OK", StateReason="r")
    except cloudwatch.exceptions.ResourceNotFound as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    else:
        raise AssertionError("SetAlarmState on a missing alarm must fail")


def test_get_metric_data_carries_an_empty_messages_list(cloud):
    """API_GetMetricData: Messages is part of every answer (empty when there is nothing to report)."""
    for client in (cloud.client("cloudwatch"), _rpc_v2_cbor_client(cloud, "cloudwatch")):
        now = datetime.datetime.now(datetime.timezone.utc)
        answer = client.get_metric_data(
            MetricDataQueries=[{"Id": "q", "MetricStat": {"Metric": {"Namespace": "none", "MetricName": "m"},
                                                          "Period": 60, "Stat": "Sum"}}],
            StartTime=now - datetime.timedelta(minutes=5), EndTime=now)
        assert answer["Messages"] == []
