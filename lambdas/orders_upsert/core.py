"""Per-record upsert of an order line into Invoices and Customers; idempotent, so retried records are harmless."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any, Callable

REQUIRED = ("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country")


class PoisonRecord(ValueError):
    """A record no retry can fix: not JSON, or missing what the tables are keyed by."""


def parse_record(record: dict[str, Any]) -> dict[str, Any]:
    try:
        order = json.loads(base64.b64decode(record["kinesis"]["data"]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PoisonRecord(f"not JSON: {exc}") from exc
    if not isinstance(order, dict):
        raise PoisonRecord("not a JSON object")
    missing = [name for name in REQUIRED if order.get(name) in (None, "")]
    if missing:
        raise PoisonRecord("missing " + ", ".join(missing))
    try:
        order["Quantity"] = int(order["Quantity"])
        order["UnitPrice"] = Decimal(str(order["UnitPrice"]))
    except (ValueError, ArithmeticError) as exc:
        raise PoisonRecord(f"Quantity or UnitPrice is not a number: {exc}") from exc
    return order


def invoice_item(order: dict[str, Any], sequence_number: str) -> dict[str, Any]:
    return {
        "InvoiceNo": str(order["InvoiceNo"]), "StockCode": str(order["StockCode"]),
        "Description": order.get("Description") or "", "Quantity": order["Quantity"],
        "UnitPrice": order["UnitPrice"], "InvoiceDate": order["InvoiceDate"],
        "CustomerID": str(order["CustomerID"]), "Country": order["Country"],
        "SequenceNumber": sequence_number,
    }


def customer_update(order: dict[str, Any]) -> dict[str, Any]:
    """UpdateItem arguments that are idempotent: SET of the same values and ADD to a string set."""
    return {
        "Key": {"CustomerID": str(order["CustomerID"])},
        "UpdateExpression": "SET Country = :country, FirstInvoiceDate = if_not_exists(FirstInvoiceDate, :date) "
                            "ADD InvoiceNos :invoice",
        "ExpressionAttributeValues": {":country": order["Country"], ":date": order["InvoiceDate"],
                                      ":invoice": {str(order["InvoiceNo"])}},
    }


def process_batch(records: list[dict[str, Any]], write: Callable[[dict, str], None],
                  on_error: Callable[[dict, Exception], None]) -> dict[str, list[dict[str, str]]]:
    """Write every record we can; report the others by sequence number (partial batch response)."""
    failures = []
    for record in records:
        try:
            write(parse_record(record), record["kinesis"]["sequenceNumber"])
        except Exception as exc:  # one bad record must not stop the good ones after it
            on_error(record, exc)
            failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
    return {"batchItemFailures": failures}
