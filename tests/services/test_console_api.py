"""The console's HTTP API on a real local cloud: its own same-origin and CSRF rules, server-side paging,
peeking a queue without consuming it, and the live trace resuming from Last-Event-ID.

The browser walk through every page on the applied pipelines is tests/integration/test_console.py."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid

import pytest

from localcloud.testing import LocalCloud, wait_for

CONSOLE = "/_localcloud/console"


def call(cloud: LocalCloud, path: str, *, method: str = "GET", body: dict | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict, dict]:
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(cloud.endpoint + CONSOLE + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            raw, status, got = answer.read(), answer.status, dict(answer.headers)
    except urllib.error.HTTPError as exc:
        raw, status, got = exc.read(), exc.code, dict(exc.headers)
    try:
        return status, json.loads(raw), got
    except ValueError:
        return status, {"raw": raw.decode("utf-8", "replace")}, got


@pytest.fixture(scope="module")
def token(cloud: LocalCloud) -> str:
    """The CSRF token, as a console page holds it (in its <meta> tag)."""
    with urllib.request.urlopen(cloud.endpoint + CONSOLE + "/", timeout=30) as answer:
        page = answer.read().decode()
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found and found.group(1) != "{{CSRF_TOKEN}}"
    return found.group(1)


@pytest.fixture(scope="module")
def secret(cloud: LocalCloud) -> str:
    name = f"console-{uuid.uuid4().hex[:6]}"
    return cloud.client("secretsmanager").create_secret(Name=name, SecretString='{"password": "hunter2"}')["ARN"]


def test_the_page_and_its_assets_are_served_from_the_package(cloud):
    with urllib.request.urlopen(cloud.endpoint + CONSOLE + "/", timeout=30) as answer:
        assert answer.status == 200 and "text/html" in answer.headers["Content-Type"]
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    for asset in ("vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js", "core.js"):
        with urllib.request.urlopen(f"{cloud.endpoint}{CONSOLE}/static/{asset}", timeout=30) as answer:
            assert answer.status == 200 and len(answer.read()) > 1000, asset


def test_listing_secrets_masks_every_value(cloud, secret):
    status, document, _ = call(cloud, "/api/secrets")
    assert status == 200
    listed = next(s for s in document["items"] if s["arn"] == secret)
    assert "hunter2" not in json.dumps(document) and listed["value"] == "••••••••"


def test_revealing_a_secret_needs_the_csrf_token(cloud, secret, token):
    status, document, _ = call(cloud, "/api/secrets/reveal", method="POST", body={"id": secret})
    assert status == 403 and "CSRF token" in document["error"]
    status, document, _ = call(cloud, "/api/secrets/reveal", method="POST", body={"id": secret},
                               headers={"X-Console-Token": "not-the-token"})
    assert status == 403
    status, document, _ = call(cloud, "/api/secrets/reveal", method="POST", body={"id": secret},
                               headers={"X-Console-Token": token})
    assert status == 200 and document["json"] == {"password": "hunter2"}


def test_a_page_of_another_origin_is_refused_even_with_the_token(cloud, secret, token):
    # Any loopback page is an "own" origin to the endpoint; the console accepts only its own origin.
    foreign = {"X-Console-Token": token, "Origin": "http://localhost:3000"}
    status, document, _ = call(cloud, "/api/secrets/reveal", method="POST", body={"id": secret}, headers=foreign)
    assert status == 403 and "http://localhost:3000" in document["error"]
    status, _, _ = call(cloud, "/api/secrets", headers={"Origin": "http://localhost:3000"})
    assert status == 403
    status, _, _ = call(cloud, "/api/secrets", headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    own = {"X-Console-Token": token, "Origin": cloud.endpoint, "Sec-Fetch-Site": "same-origin"}
    status, _, headers = call(cloud, "/api/secrets/reveal", method="POST", body={"id": secret}, headers=own)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == cloud.endpoint


def test_a_rebinding_host_name_is_refused(cloud):
    status, document, _ = call(cloud, "/api/overview", headers={"Host": f"attacker.example:{cloud.settings.port}"})
    assert status == 403


def test_an_action_is_a_post(cloud, token):
    status, _, _ = call(cloud, "/api/secrets/reveal", headers={"X-Console-Token": token})
    assert status == 405


def test_objects_page_on_the_server_with_cursors(cloud):
    s3 = cloud.client("s3")
    bucket = f"console-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    for index in range(250):
        s3.put_object(Bucket=bucket, Key=f"data/{index:04d}.csv", Body=b"id\n1\n")
    seen, cursor, pages = [], "", 0
    while True:
        status, page, _ = call(cloud, f"/api/s3/buckets/{bucket}/objects?prefix=data/&cursor={cursor}")
        assert status == 200 and len(page["items"]) <= 100
        seen += [o["key"] for o in page["items"]]
        pages += 1
        if not page["next"]:
            break
        cursor = urllib.request.quote(page["next"])
    assert pages == 3 and seen == [f"data/{i:04d}.csv" for i in range(250)]
    status, preview, _ = call(cloud, f"/api/s3/buckets/{bucket}/preview?key=data/0007.csv")
    assert preview["columns"] == ["id"] and preview["rows"] == [["1"]]


def test_items_page_on_the_server_and_query_by_key(cloud):
    dynamodb = cloud.client("dynamodb")
    table = f"console-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for index in range(120):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": f"k{index:03d}"}, "n": {"N": str(index)}})
    keys, cursor = [], ""
    while True:
        status, page, _ = call(cloud, f"/api/dynamodb/tables/{table}/items?size=50&cursor={cursor}")
        assert status == 200 and len(page["rows"]) <= 50
        keys += [row[0] for row in page["rows"]]
        if not page["next"]:
            break
        cursor = page["next"]
    assert sorted(keys) == [f"k{i:03d}" for i in range(120)]
    status, page, _ = call(cloud, f"/api/dynamodb/tables/{table}/items?key=k042")
    assert page["columns"] == ["pk", "n"] and page["rows"] == [["k042", 42]]


def test_peeking_a_queue_consumes_nothing(cloud):
    sqs = cloud.client("sqs")
    name = f"console-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody='{"order": 1}')
    for _ in range(3):
        status, page, _ = call(cloud, f"/api/sqs/queues/{name}/messages")
        assert status == 200 and page["total"] == 1 and page["items"][0]["receive_count"] == 0
    received = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert received[0]["Body"] == '{"order": 1}' and received[0]["Attributes"]["ApproximateReceiveCount"] == "1"


def test_the_live_trace_resumes_after_the_last_event_id_and_the_graph_counts_the_edge(cloud):
    s3 = cloud.client("s3")
    bucket = f"console-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    queue = cloud.client("sqs").create_queue(QueueName=bucket)["QueueUrl"]
    arn = cloud.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": arn, "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}]}
    cloud.client("sqs").set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps(policy)})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})

    def stream(last_id: int) -> list[dict]:
        request = urllib.request.Request(f"{cloud.endpoint}{CONSOLE}/api/events/stream?hold=2",
                                         headers={"Last-Event-ID": str(last_id)})
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.headers["Content-Type"].startswith("text/event-stream")
            text = answer.read().decode()
        events = []
        for block in text.split("\n\n"):
            fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
            if fields.get("event") == "delivery":
                events.append({"id": int(fields["id"]), **json.loads(fields["data"])})
        return events

    s3.put_object(Bucket=bucket, Key="first.csv", Body=b"x")
    first = wait_for(lambda: [e for e in stream(0) if e["source"] == f"s3:{bucket}/first.csv"],
                     what="the first upload's delivery in the stream")
    s3.put_object(Bucket=bucket, Key="second.csv", Body=b"x")
    after = wait_for(lambda: [e for e in stream(first[-1]["id"]) if bucket in e["source"]],
                     what="the second upload's delivery after the first one's id")
    assert [e["source"] for e in after] == [f"s3:{bucket}/second.csv"]
    assert all(e["id"] > first[-1]["id"] for e in after)

    # The graph shows the configured edge with its deliveries counted: the two uploads and the s3:TestEvent
    # S3 sends a queue when the notification is configured.
    status, graph, _ = call(cloud, "/api/events/graph")
    edge = next(e for e in graph["edges"] if e["source"] == f"arn:aws:s3:::{bucket}")
    assert status == 200 and edge["target"] == arn and edge["kind"] == "notification" and edge["count"] == 3


def test_the_console_verb_prints_the_url(cloud):
    done = cloud.cli("console", "--no-browser")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{cloud.endpoint}/_localcloud/console/"


def test_folders_page_like_common_prefixes_and_a_deleted_object_is_gone(cloud):
    s3 = cloud.client("s3")
    bucket = f"console-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    for key in ("a/1.csv", "a/2.csv", "b/x/1.csv", "c.txt", "d.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.delete_object(Bucket=bucket, Key="d.txt")
    pages, cursor = [], ""
    while True:
        _, page, _ = call(cloud, f"/api/s3/buckets/{bucket}/objects?size=1&cursor={cursor}")
        pages.append((page["folders"], [o["key"] for o in page["items"]]))
        if not page["next"]:
            break
        cursor = urllib.request.quote(page["next"])
    assert pages == [(["a/"], []), (["b/"], []), ([], ["c.txt"])]
    _, inside, _ = call(cloud, f"/api/s3/buckets/{bucket}/objects?prefix=b/")
    assert inside["folders"] == ["b/x/"] and inside["items"] == []


def test_a_rest_api_integration_is_an_edge_to_its_function(cloud):
    apigateway = cloud.client("apigateway")
    name = f"console-{uuid.uuid4().hex[:6]}"
    api = apigateway.create_rest_api(name=name)["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    apigateway.put_method(restApiId=api, resourceId=root, httpMethod="POST", authorizationType="NONE")
    function = "arn:aws:lambda:us-east-1:123456789012:function:orders-api"
    apigateway.put_integration(restApiId=api, resourceId=root, httpMethod="POST", type="AWS_PROXY",
                               integrationHttpMethod="POST",
                               uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function}/invocations")
    _, graph, _ = call(cloud, "/api/events/graph")
    assert {"source": f"api:{name}", "target": function} in [{"source": e["source"], "target": e["target"]}
                                                             for e in graph["edges"]]


def test_a_stream_tail_shows_the_newest_records_first(cloud):
    kinesis = cloud.client("kinesis")
    name = f"console-{uuid.uuid4().hex[:6]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    wait_for(lambda: kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"]
             == "ACTIVE", what="the stream to be active")
    for order in (1, 2):
        kinesis.put_record(StreamName=name, PartitionKey="p", Data=json.dumps({"order": order}).encode())
    _, tail, _ = call(cloud, f"/api/kinesis/streams/{name}/records")
    assert [json.loads(r["data"])["order"] for r in tail["items"]] == [2, 1]
