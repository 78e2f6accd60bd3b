"""Orders pipeline end to end: the CSV client -> REST API -> Kinesis -> archive bucket and DynamoDB.

Runs against the whole stack applied by Terraform (the `localcloud_stack` session fixture).
"""

from __future__ import annotations

import csv
import json
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from localcloud.testing import wait_for

import fixture_modules

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ARCHIVE_KEY = re.compile(r"^\d{4}/\d{2}/\d{2}/\d{2}/\d{8}T\d{9}Z-\d+\.jsonl$")


def _load_client():
    return fixture_modules.load("fixtures/orders/post_orders.py", "post_orders")


post_orders = _load_client()


def http(method: str, url: str, body: dict | str | None = None) -> tuple[int, dict]:
    data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture(scope="module")
def orders(localcloud_stack):
    outputs = localcloud_stack.outputs
    return {"url": outputs["orders_api_url"].rstrip("/"), "stream": outputs["orders_stream"],
            "archive": outputs["stream_archive_bucket"], "invoices": outputs["invoices_table"],
            "customers": outputs["customers_table"], "failures": outputs["orders_failure_queue_url"],
            "stack": localcloud_stack}


def unique_invoice() -> str:
    return str(800000 + uuid.uuid4().int % 199999)


def order_rows(invoice: str, customer: str, lines: int = 3) -> list[dict[str, str]]:
    return [{"InvoiceNo": invoice, "StockCode": f"2{index:04d}", "Description": f"TEST ITEM {index}",
             "Quantity": str(index + 1), "InvoiceDate": "12/1/2010 8:26", "UnitPrice": "2.50",
             "CustomerID": customer, "Country": "United Kingdom"} for index in range(lines)]


def invoice_items(orders, invoice: str) -> list[dict]:
    dynamodb = orders["stack"].client("dynamodb")
    return dynamodb.query(TableName=orders["invoices"], KeyConditionExpression="InvoiceNo = :i",
                          ExpressionAttributeValues={":i": {"S": invoice}})["Items"]


def archived_lines(orders) -> list[dict]:
    s3 = orders["stack"].client("s3")
    lines = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=orders["archive"]):
        for item in page.get("Contents", []):
            assert ARCHIVE_KEY.match(item["Key"]), f"archive key {item['Key']!r} is not YYYY/MM/DD/HH/<ts>-<seq>.jsonl"
            body = s3.get_object(Bucket=orders["archive"], Key=item["Key"])["Body"].read().decode()
            lines.extend(json.loads(line) for line in body.splitlines())
    return lines


def stream_records(orders) -> list[bytes]:
    kinesis = orders["stack"].client("kinesis")
    data = []
    for shard in kinesis.list_shards(StreamName=orders["stream"])["Shards"]:
        iterator = kinesis.get_shard_iterator(StreamName=orders["stream"], ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for _ in range(50):  # bounded: a shard's records in pages
            page = kinesis.get_records(ShardIterator=iterator, Limit=1000)
            data.extend(record["Data"] for record in page["Records"])
            if not page["Records"] or not page.get("NextShardIterator"):
                break
            iterator = page["NextShardIterator"]
    return data


def test_csv_client_posts_rows_and_both_consumers_store_them(orders, tmp_path):
    invoice, customer = unique_invoice(), "17850"
    rows = order_rows(invoice, customer)
    rows.insert(2, {**rows[0], "StockCode": "BAD CODE!", "Quantity": "x"})  # row 4 in the file: rejected
    path = tmp_path / "orders.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    logged = []
    summary = post_orders.post_csv(orders["url"] + "/orders", path, log=logged.append)
    assert summary.accepted == 3 and [number for number, _, _ in summary.rejected] == [4]
    assert any(line.startswith("row 4 ") and "Quantity" in line for line in logged)

    items = wait_for(lambda: len(invoice_items(orders, invoice)) == 3 and invoice_items(orders, invoice),
                     what=f"invoice {invoice}'s 3 lines in DynamoDB")
    assert {item["StockCode"]["S"] for item in items} == {"20000", "20001", "20002"}

    status, invoice_doc = http("GET", f"{orders['url']}/invoices/{invoice}")
    assert status == 200 and invoice_doc["total"] == "15.00"  # (1 + 2 + 3) * 2.50
    status, customer_doc = http("GET", f"{orders['url']}/customers/{customer}")
    assert status == 200 and invoice in customer_doc["InvoiceNos"]
    assert http("GET", f"{orders['url']}/customers/1")[0] == 404

    archived = wait_for(lambda: [line for line in archived_lines(orders) if line.get("InvoiceNo") == invoice]
                        if len([1 for line in archived_lines(orders) if line.get("InvoiceNo") == invoice]) == 3
                        else None, what=f"invoice {invoice}'s 3 lines in the archive bucket")
    assert {line["StockCode"] for line in archived} == {"20000", "20001", "20002"}


def test_a_bad_post_is_400_with_reasons_and_nothing_is_written(orders):
    invoice = unique_invoice()
    status, body = http("POST", orders["url"] + "/orders",
                        {**order_rows(invoice, "17850", 1)[0], "Quantity": "0", "InvoiceDate": "soon"})
    assert status == 400
    assert any("Quantity" in reason for reason in body["errors"])
    assert any("InvoiceDate" in reason for reason in body["errors"])
    status, body = http("POST", orders["url"] + "/orders", "{not json")
    assert status == 400 and "not JSON" in body["errors"][0]
    # Nothing reached the stream, so nothing can reach the consumers either.
    assert not [data for data in stream_records(orders) if invoice.encode() in data]
    assert invoice_items(orders, invoice) == []


def test_a_poison_record_goes_to_the_failure_queue_and_the_others_are_stored(orders):
    kinesis, sqs = orders["stack"].client("kinesis"), orders["stack"].client("sqs")
    invoice = unique_invoice()
    good = order_rows(invoice, "12347", 2)
    for row in good:  # what the API would have put: normalised
        row.update(Quantity=int(row["Quantity"]), InvoiceDate="2010-12-01T08:26:00")
    sequence_numbers = []
    for data in (json.dumps(good[0]), b"\x00poison, not JSON", json.dumps(good[1])):
        sent = kinesis.put_record(StreamName=orders["stream"], Data=data, PartitionKey=invoice)
        sequence_numbers.append(sent["SequenceNumber"])
    poison = sequence_numbers[1]

    wait_for(lambda: len(invoice_items(orders, invoice)) == 2, what="both good records in DynamoDB")

    def failure_pointer():
        messages = sqs.receive_message(QueueUrl=orders["failures"], MaxNumberOfMessages=10,
                                       WaitTimeSeconds=1).get("Messages", [])
        for message in messages:
            info = json.loads(message["Body"]).get("KinesisBatchInfo", {})
            if info.get("startSequenceNumber") == poison:
                return info
        return None

    info = wait_for(failure_pointer, timeout=120, what="the poison record's pointer in the on-failure queue")
    assert info["streamArn"].endswith(orders["stream"]) and int(info["batchSize"]) >= 1
    # The good record after the poison one was not held back by it.
    assert {item["StockCode"]["S"] for item in invoice_items(orders, invoice)} == {"20000", "20001"}
