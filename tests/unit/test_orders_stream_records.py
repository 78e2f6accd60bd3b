"""Kinesis consumers: archive keys and lines, and the upsert's partial batch response."""

import base64
import json
from decimal import Decimal

from _lambda_import import load

archive = load("orders_archive")
upsert = load("orders_upsert")

ORDER = {"InvoiceNo": "536365", "StockCode": "85123A", "Description": "HEART", "Quantity": 6,
         "InvoiceDate": "2010-12-01T08:26:00", "UnitPrice": "2.55", "CustomerID": "17850",
         "Country": "United Kingdom"}


def record(data: bytes, sequence: str, arrival: float = 1_700_000_000.123) -> dict:
    return {"kinesis": {"data": base64.b64encode(data).decode(), "sequenceNumber": sequence,
                        "approximateArrivalTimestamp": arrival, "partitionKey": "k"}}


def test_archive_key_is_time_partitioned_and_names_the_first_record():
    key = archive.archive_key([record(b"{}", "4959"), record(b"{}", "4960")])
    assert key == "2023/11/14/22/20231114T221320123Z-4959.jsonl"


def test_archive_writes_one_json_object_per_line_and_keeps_undecodable_records():
    lines = archive.to_jsonl([record(json.dumps(ORDER).encode(), "1"), record(b"\xff\x00", "2")]).decode()
    first, second = [json.loads(line) for line in lines.splitlines()]
    assert first == ORDER and second["sequenceNumber"] == "2" and "undecodable_base64" in second


def test_a_poison_record_is_reported_and_the_others_are_written():
    written, errors = [], []
    batch = [record(json.dumps(ORDER).encode(), "1"), record(b"not json", "2"),
             record(json.dumps({**ORDER, "StockCode": "71053"}).encode(), "3"),
             record(json.dumps({"InvoiceNo": "1"}).encode(), "4")]
    response = upsert.process_batch(batch, lambda order, seq: written.append(seq),
                                    lambda rec, exc: errors.append(str(exc)))
    assert response == {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "4"}]}
    assert written == ["1", "3"]
    assert "not JSON" in errors[0] and "missing" in errors[1]


def test_upsert_items_are_idempotent_shapes():
    order = upsert.parse_record(record(json.dumps(ORDER).encode(), "7"))
    item = upsert.invoice_item(order, "7")
    assert item["UnitPrice"] == Decimal("2.55") and item["Quantity"] == 6
    update = upsert.customer_update(order)
    # SET of the same values and ADD to a set: applying it twice leaves the item as applying it once.
    assert "ADD InvoiceNos :invoice" in update["UpdateExpression"]
    assert update["ExpressionAttributeValues"][":invoice"] == {"536365"}
