"""The fast path (server/fast_path) answers hot operations exactly as moto's normal road does.

Two real servers get the same signed HTTP requests: one with the fast path (the default), one with
LOCALCLOUD_FAST_PATH=0. Status, header lines (names, spelling, order, values) and bodies must be equal byte for
byte, except what legitimately differs between two servers: request ids, dates and the ids drawn at random
(SQS MessageId/ReceiptHandle). And every hook around moto still applies on the fast road: the Origin guard,
parity validation, S3 event notifications, journaling (a restart keeps what the fast path wrote).
"""

from __future__ import annotations

import http.client
import json
import os
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from localcloud.testing import LocalCloud, isolated, wait_for

BUCKET, TABLE, QUEUE, SECRET = "fast-path-bucket", "fast-path-table", "fast-path-queue", "fast-path-secret"
STREAM, TOPIC = "fast-path-stream", "fast-path-topic"
# Headers whose values differ between two servers whatever the road: request ids, dates.
PER_SERVER_HEADERS = {"date", "last-modified", "x-amzn-requestid", "x-amz-request-id", "x-amz-id-2"}
# Body members that are ids drawn at random by moto, or times, which differ between two servers' states.
RANDOM_MEMBERS = ("MessageId", "ReceiptHandle", "SentTimestamp", "ApproximateFirstReceiveTimestamp")
# Numbers that are times of each server's own state (Kinesis records' arrival, SQS timestamps as numbers).
RANDOM_NUMBERS = ("ApproximateArrivalTimestamp", "CreatedDate")

Answer = tuple[int, list[tuple[str, str]], bytes]


def _start(tmp_path_factory: pytest.TempPathFactory, fast_path: str) -> LocalCloud:
    previous = os.environ.get("LOCALCLOUD_FAST_PATH")
    os.environ["LOCALCLOUD_FAST_PATH"] = fast_path  # the detached server inherits the environment
    try:
        instance = isolated(tmp_path_factory.mktemp(f"fast-path-{fast_path}")).start()
    finally:
        if previous is None:
            os.environ.pop("LOCALCLOUD_FAST_PATH")
        else:
            os.environ["LOCALCLOUD_FAST_PATH"] = previous
    _prepare(instance)
    return instance


def _prepare(cloud: LocalCloud) -> None:
    cloud.client("s3").create_bucket(Bucket=BUCKET)
    cloud.client("dynamodb").create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}])
    cloud.client("sqs").create_queue(QueueName=QUEUE)
    cloud.client("kinesis").create_stream(StreamName=STREAM, ShardCount=1)
    cloud.client("sns").create_topic(Name=TOPIC)
    # A fixed ClientRequestToken: the VersionId is the token, the same on both servers.
    cloud.client("secretsmanager").create_secret(Name=SECRET, SecretString="s3cr3t",
                                                 ClientRequestToken="11111111-2222-3333-4444-555555555555")


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> LocalCloud:
    instance = _start(tmp_path_factory, "1")
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def normal(tmp_path_factory: pytest.TempPathFactory) -> LocalCloud:
    instance = _start(tmp_path_factory, "0")
    yield instance
    instance.stop()


def send(cloud: LocalCloud, service: str, method: str, path: str, body: bytes = b"",
         headers: dict[str, str] | None = None) -> Answer:
    """One SigV4-signed request as an SDK sends it, and the answer as it came off the wire."""
    url = f"{cloud.endpoint}{path}"
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    if service == "s3":
        request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    SigV4Auth(Credentials("test", "test"), service, cloud.settings.region).add_auth(request)
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=dict(request.headers.items()))
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def json_call(cloud: LocalCloud, service: str, target: str, payload: dict[str, Any]) -> Answer:
    version = {"dynamodb": "1.0", "sqs": "1.0", "secretsmanager": "1.1", "kinesis": "1.1"}[service]
    return send(cloud, service, "POST", "/", json.dumps(payload).encode(),
                {"X-Amz-Target": target, "Content-Type": f"application/x-amz-json-{version}"})


def form_call(cloud: LocalCloud, service: str, fields: dict[str, str]) -> Answer:
    """A query-protocol request (SNS) as botocore sends it: a form body."""
    from urllib.parse import urlencode

    return send(cloud, service, "POST", "/", urlencode(fields).encode(),
                {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


def _health(cloud: LocalCloud) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(f"{cloud.endpoint}/_localcloud/health", timeout=30) as answer:
        return json.loads(answer.read())["fast_path"]


def comparable(answer: Answer, *, random_members: bool = False) -> Answer:
    status, headers, body = answer
    kept = [(name, value) for name, value in headers if name.lower() not in PER_SERVER_HEADERS]
    body = re.sub(rb"<(RequestId|HostId)>[^<]*</", rb"<\1>*</", body)  # S3 error documents carry the request id
    body = re.sub(rb"<LastModified>[^<]*</", rb"<LastModified>*</", body)  # when each server stored the object
    if random_members:
        text = body.decode()
        for member in RANDOM_MEMBERS:
            text = re.sub(rf'"{member}": ?"[^"]*"', f'"{member}": "*"', text)
        for member in RANDOM_NUMBERS:  # when each server made the secret, received the record
            text = re.sub(rf'"{member}": ?[0-9.]+', f'"{member}": 0', text)
        text = re.sub(r"<MessageId>[^<]*</", "<MessageId>*</", text)  # SNS Publish (query protocol, XML)
        text = re.sub(r"(:secret:[\w/+=.@-]+-)[A-Za-z0-9]{6}\b", r"\1******", text)  # the ARN's random suffix
        body = text.encode()
        # the body's length and checksum follow the masked members
        kept = [(n, v) for n, v in kept if n.lower() not in ("content-length", "x-amz-crc32")]
    return status, kept, body


def both(fast: LocalCloud, normal: LocalCloud, call, *, random_members: bool = False) -> tuple[Answer, Answer]:
    before = _health(fast)["answered"]
    ours, theirs = call(fast), call(normal)
    assert _health(fast)["answered"] == before + 1, "the fast server did not take the fast path"
    assert comparable(ours, random_members=random_members) == comparable(theirs, random_members=random_members)
    return ours, theirs


def test_the_normal_server_has_the_fast_path_off(normal: LocalCloud) -> None:
    assert _health(normal) == {"enabled": False, "answered": 0}


def test_s3_object_operations_answer_byte_for_byte_as_moto(fast: LocalCloud, normal: LocalCloud) -> None:
    body = os.urandom(700) + "é/ü".encode()
    put = both(fast, normal, lambda c: send(c, "s3", "PUT", f"/{BUCKET}/dir/a%20b.bin", body,
                                            {"Content-Type": "application/octet-stream",
                                             "x-amz-meta-Owner_Name": "pipelines"}))[0]
    assert put[0] == 200 and dict(put[1])["ETag"]
    got = both(fast, normal, lambda c: send(c, "s3", "GET", f"/{BUCKET}/dir/a%20b.bin"))[0]
    assert got[2] == body
    assert ("x-amz-meta-owner-name", "pipelines") in got[1]
    ranged = both(fast, normal, lambda c: send(c, "s3", "GET", f"/{BUCKET}/dir/a%20b.bin", headers={"Range": "bytes=2-9"}))[0]
    assert ranged[0] == 206 and ranged[2] == body[2:10]
    head = both(fast, normal, lambda c: send(c, "s3", "HEAD", f"/{BUCKET}/dir/a%20b.bin"))[0]
    assert head[2] == b"" and dict(head[1])["Content-Length"] == str(len(body))
    missing = both(fast, normal, lambda c: send(c, "s3", "GET", f"/{BUCKET}/no-such-key?x-id=GetObject"))[0]
    assert missing[0] == 404 and b"<Code>NoSuchKey</Code>" in missing[2]
    assert both(fast, normal, lambda c: send(c, "s3", "HEAD", f"/{BUCKET}/no-such-key"))[0][0] == 404
    assert both(fast, normal, lambda c: send(c, "s3", "DELETE", f"/{BUCKET}/dir/a%20b.bin"))[0][0] == 204
    assert both(fast, normal, lambda c: send(c, "s3", "GET", "/no-such-bucket-fp/key"))[0][0] == 404


def test_s3_listings_answer_byte_for_byte_as_moto(fast: LocalCloud, normal: LocalCloud) -> None:
    for cloud in (fast, normal):
        s3 = cloud.client("s3")
        for key in ("list/a.txt", "list/b/one.txt", "list/b/two.txt", "list/c d.txt", "other.txt"):
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 3)
    first = both(fast, normal, lambda c: send(
        c, "s3", "GET", f"/{BUCKET}?list-type=2&prefix=list%2F&delimiter=%2F&max-keys=2&encoding-type=url"))[0]
    assert first[0] == 200 and b"<IsTruncated>true</IsTruncated>" in first[2]
    token = re.search(rb"<NextContinuationToken>([^<]+)</", first[2])[1].decode()
    from urllib.parse import quote

    second = both(fast, normal, lambda c: send(
        c, "s3", "GET", f"/{BUCKET}?list-type=2&prefix=list%2F&delimiter=%2F&continuation-token={quote(token, safe='')}"))[0]
    assert b"<IsTruncated>false</IsTruncated>" in second[2]
    assert both(fast, normal, lambda c: send(c, "s3", "GET", f"/{BUCKET}/?list-type=2&start-after=list%2Fb"))[0][0] == 200
    v1 = both(fast, normal, lambda c: send(c, "s3", "GET", f"/{BUCKET}?prefix=list&marker=list%2Fa.txt&max-keys=1"))[0]
    assert b"<Key>list/b/one.txt</Key>" in v1[2]
    assert both(fast, normal, lambda c: send(c, "s3", "GET", "/no-such-bucket-fp?list-type=2"))[0][0] == 404


def test_a_bucket_subresource_is_not_taken_for_a_listing(fast: LocalCloud) -> None:
    before = _health(fast)["answered"]
    assert send(fast, "s3", "GET", f"/{BUCKET}?location")[0] == 200
    assert send(fast, "s3", "GET", f"/{BUCKET}?versions&prefix=list")[0] == 200
    assert _health(fast)["answered"] == before


def test_dynamodb_item_operations_answer_byte_for_byte_as_moto(fast: LocalCloud, normal: LocalCloud) -> None:
    item = {"pk": {"S": "order#1"}, "sk": {"N": "1"}, "total": {"N": "12.50"}, "tags": {"SS": ["a", "b"]},
            "doc": {"M": {"nested": {"L": [{"BOOL": True}, {"NULL": True}]}}}}
    target = "DynamoDB_20120810."
    both(fast, normal, lambda c: json_call(c, "dynamodb", target + "PutItem", {"TableName": TABLE, "Item": item}))
    both(fast, normal, lambda c: json_call(c, "dynamodb", target + "PutItem", {
        "TableName": TABLE, "Item": {**item, "sk": {"N": "2"}}, "ReturnValues": "ALL_OLD",
        "ReturnConsumedCapacity": "TOTAL"}))
    got = both(fast, normal, lambda c: json_call(c, "dynamodb", target + "GetItem", {
        "TableName": TABLE, "Key": {"pk": {"S": "order#1"}, "sk": {"N": "1"}}}))[0]
    assert json.loads(got[2])["Item"]["total"] == {"N": "12.50"}
    query = both(fast, normal, lambda c: json_call(c, "dynamodb", target + "Query", {
        "TableName": TABLE, "KeyConditionExpression": "pk = :p AND sk > :s",
        "ExpressionAttributeValues": {":p": {"S": "order#1"}, ":s": {"N": "0"}}, "ScanIndexForward": False}))[0]
    assert json.loads(query[2])["Count"] == 2
    conditional = both(fast, normal, lambda c: json_call(c, "dynamodb", target + "PutItem", {
        "TableName": TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}))[0]
    assert conditional[0] == 400 and b"ConditionalCheckFailedException" in conditional[2]
    deleted = both(fast, normal, lambda c: json_call(c, "dynamodb", target + "DeleteItem", {
        "TableName": TABLE, "Key": {"pk": {"S": "order#1"}, "sk": {"N": "2"}}, "ReturnValues": "ALL_OLD"}))[0]
    assert json.loads(deleted[2])["Attributes"]["sk"] == {"N": "2"}
    no_table = both(fast, normal, lambda c: json_call(c, "dynamodb", target + "GetItem", {
        "TableName": "no-such-table", "Key": {"pk": {"S": "x"}}}))[0]
    assert no_table[0] == 400 and b"ResourceNotFoundException" in no_table[2]


def test_dynamodb_update_and_batch_write_answer_byte_for_byte_as_moto(fast: LocalCloud, normal: LocalCloud) -> None:
    target = "DynamoDB_20120810."
    key = {"pk": {"S": "counter"}, "sk": {"N": "1"}}
    for returned in ("UPDATED_NEW", "ALL_NEW", "ALL_OLD", "NONE"):
        updated = both(fast, normal, lambda c, r=returned: json_call(c, "dynamodb", target + "UpdateItem", {
            "TableName": TABLE, "Key": key, "UpdateExpression": "ADD hits :one SET #n = :name",
            "ExpressionAttributeNames": {"#n": "name"},
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":name": {"S": "ünï"}}, "ReturnValues": r}))[0]
        assert updated[0] == 200
    assert json.loads(updated[2]) == {}
    failed = both(fast, normal, lambda c: json_call(c, "dynamodb", target + "UpdateItem", {
        "TableName": TABLE, "Key": key, "UpdateExpression": "SET hits = :zero",
        "ConditionExpression": "hits < :zero", "ExpressionAttributeValues": {":zero": {"N": "0"}}}))[0]
    assert failed[0] == 400 and b"ConditionalCheckFailedException" in failed[2]
    written = both(fast, normal, lambda c: json_call(c, "dynamodb", target + "BatchWriteItem", {"RequestItems": {TABLE: [
        {"PutRequest": {"Item": {"pk": {"S": "batch"}, "sk": {"N": str(n)}, "v": {"B": "AAEC"}}}} for n in range(5)] + [
        {"DeleteRequest": {"Key": key}}]}, "ReturnConsumedCapacity": "TOTAL"}))[0]
    assert json.loads(written[2])["UnprocessedItems"] == {}
    got = fast.client("dynamodb").query(TableName=TABLE, KeyConditionExpression="pk = :p",
                                        ExpressionAttributeValues={":p": {"S": "batch"}})
    assert got["Count"] == 5


def test_kinesis_record_operations_answer_as_moto(fast: LocalCloud, normal: LocalCloud) -> None:
    target = "Kinesis_20131202."
    put = both(fast, normal, lambda c: json_call(c, "kinesis", target + "PutRecord", {
        "StreamName": STREAM, "Data": "aGVsbG8=", "PartitionKey": "p1"}))[0]
    assert json.loads(put[2])["ShardId"] == "shardId-000000000000"
    both(fast, normal, lambda c: json_call(c, "kinesis", target + "PutRecords", {
        "StreamName": STREAM, "Records": [{"Data": "b25l", "PartitionKey": "a"}, {"Data": "dHdv", "PartitionKey": "b"}]}))
    iterators = {id(c): c.client("kinesis").get_shard_iterator(
        StreamName=STREAM, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for c in (fast, normal)}
    records = both(fast, normal, lambda c: json_call(c, "kinesis", target + "GetRecords", {
        "ShardIterator": iterators[id(c)], "Limit": 2}), random_members=True)[0]
    assert [r["Data"] for r in json.loads(records[2])["Records"]] == ["aGVsbG8=", "b25l"]
    missing = both(fast, normal, lambda c: json_call(c, "kinesis", target + "PutRecord", {
        "StreamName": "no-such-stream", "Data": "eA==", "PartitionKey": "p"}))[0]
    assert missing[0] == 400 and b"ResourceNotFoundException" in missing[2]


def test_sns_publish_answers_as_moto(fast: LocalCloud, normal: LocalCloud) -> None:
    arns = {id(c): c.client("sns").create_topic(Name=TOPIC)["TopicArn"] for c in (fast, normal)}
    published = both(fast, normal, lambda c: form_call(c, "sns", {
        "Action": "Publish", "Version": "2010-03-31", "TopicArn": arns[id(c)], "Message": "hello ünïcode",
        "MessageAttributes.entry.1.Name": "kind", "MessageAttributes.entry.1.Value.DataType": "String",
        "MessageAttributes.entry.1.Value.StringValue": "order"}), random_members=True)[0]
    assert published[0] == 200 and b"<PublishResult>" in published[2]
    missing = both(fast, normal, lambda c: form_call(c, "sns", {
        "Action": "Publish", "Version": "2010-03-31", "TopicArn": arns[id(c)] + "-gone", "Message": "x"}))[0]
    assert missing[0] == 404 and b"NotFound" in missing[2]


def test_sqs_message_operations_answer_as_moto(fast: LocalCloud, normal: LocalCloud) -> None:
    urls = {id(c): c.client("sqs").get_queue_url(QueueName=QUEUE)["QueueUrl"] for c in (fast, normal)}
    sent = both(fast, normal, lambda c: json_call(c, "sqs", "AmazonSQS.SendMessage", {
        "QueueUrl": urls[id(c)], "MessageBody": "hello ünïcode",
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}}}), random_members=True)[0]
    assert json.loads(sent[2])["MD5OfMessageBody"]
    received = {}

    def receive(c: LocalCloud) -> Answer:
        answer = json_call(c, "sqs", "AmazonSQS.ReceiveMessage", {
            "QueueUrl": urls[id(c)], "MessageAttributeNames": ["All"], "AttributeNames": ["All"]})
        received[id(c)] = json.loads(answer[2])["Messages"][0]["ReceiptHandle"]
        return answer

    both(fast, normal, receive, random_members=True)
    deleted = both(fast, normal, lambda c: json_call(c, "sqs", "AmazonSQS.DeleteMessage", {
        "QueueUrl": urls[id(c)], "ReceiptHandle": received[id(c)]}))[0]
    assert deleted[0] == 200
    empty = both(fast, normal, lambda c: json_call(c, "sqs", "AmazonSQS.ReceiveMessage", {"QueueUrl": urls[id(c)]}))
    assert json.loads(empty[0][2] or b"{}").get("Messages") in (None, [])


def test_secretsmanager_get_secret_value_answers_as_moto(fast: LocalCloud, normal: LocalCloud) -> None:
    got = both(fast, normal, lambda c: json_call(c, "secretsmanager", "secretsmanager.GetSecretValue",
                                                  {"SecretId": SECRET}), random_members=True)[0]
    document = json.loads(got[2])
    assert document["SecretString"] == "s3cr3t" and document["VersionId"] == "11111111-2222-3333-4444-555555555555"
    missing = both(fast, normal, lambda c: json_call(c, "secretsmanager", "secretsmanager.GetSecretValue",
                                                      {"SecretId": "no-such-secret"}))[0]
    assert b"ResourceNotFoundException" in missing[2]


def test_the_origin_guard_and_parity_validation_still_answer_first(fast: LocalCloud) -> None:
    before = _health(fast)["answered"]
    refused = send(fast, "s3", "GET", f"/{BUCKET}/anything", headers={"Origin": "https://evil.example"})
    assert refused[0] == 403
    invalid = json_call(fast, "dynamodb", "DynamoDB_20120810.PutItem", {  # not one of the model's enum values
        "TableName": TABLE, "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "ReturnValues": "SOMETIMES"})
    assert invalid[0] == 400 and b"ValidationException" in invalid[2]
    assert _health(fast)["answered"] == before  # neither reached moto


def test_s3_event_notifications_fire_with_the_requester_on_the_fast_road(fast: LocalCloud,
                                                                          normal: LocalCloud) -> None:
    records = []
    for cloud in (fast, normal):
        sqs = cloud.client("sqs")
        queue = sqs.create_queue(QueueName="fast-path-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
             "Resource": arn}]})})
        cloud.client("s3").put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
        send(cloud, "s3", "PUT", f"/{BUCKET}/events/one.txt", b"event")

        def arrived(sqs: Any = sqs, queue: str = queue) -> dict[str, Any] | None:
            for message in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", []):
                document = json.loads(message["Body"])
                if "Records" in document:
                    return document["Records"][0]
            return None

        records.append(wait_for(arrived, timeout=60))
    ours, theirs = records
    assert ours["eventName"] == theirs["eventName"] == "ObjectCreated:Put"
    assert ours["userIdentity"] == theirs["userIdentity"] == {"principalId": "AWS:test"}
    assert ours["requestParameters"] == theirs["requestParameters"]
    assert ours["s3"]["object"]["size"] == 5


def test_what_the_fast_path_wrote_survives_a_restart(fresh_cloud: LocalCloud) -> None:
    _prepare(fresh_cloud.start())
    assert send(fresh_cloud, "s3", "PUT", f"/{BUCKET}/kept.txt", b"kept")[0] == 200
    assert json_call(fresh_cloud, "dynamodb", "DynamoDB_20120810.PutItem", {
        "TableName": TABLE, "Item": {"pk": {"S": "kept"}, "sk": {"N": "1"}}})[0] == 200
    assert _health(fresh_cloud)["answered"] == 2
    fresh_cloud.stop()
    fresh_cloud.start()
    assert fresh_cloud.client("s3").get_object(Bucket=BUCKET, Key="kept.txt")["Body"].read() == b"kept"
    item = fresh_cloud.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "kept"}, "sk": {"N": "1"}})
    assert item["Item"]["pk"] == {"S": "kept"}
