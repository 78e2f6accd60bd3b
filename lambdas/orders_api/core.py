"""Orders API logic as plain functions: validate an order line, route a REST proxy event, shape replies."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

FIELDS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country")
# The online-retail data set writes dates as "12/1/2010 8:26"; clients may also send ISO 8601.
DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M")
INVOICE_NO = re.compile(r"^C?\d{5,7}$")  # a leading C marks a cancellation
STOCK_CODE = re.compile(r"^[A-Za-z0-9]{1,12}$")
CUSTOMER_ID = re.compile(r"^\d{4,7}$")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _parse_date(value: str) -> datetime | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def validate_order(body: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """Return (normalised order, []) or (None, [reasons]). Never raises on user input."""
    if not isinstance(body, dict):
        return None, ["the body must be a JSON object with the fields " + ", ".join(FIELDS)]
    errors = [f"{name} is missing" for name in FIELDS if name != "Description" and _text(body.get(name)) == ""]
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        errors.append("unknown fields: " + ", ".join(unknown))
    invoice_no, stock_code = _text(body.get("InvoiceNo")), _text(body.get("StockCode")).upper()
    customer_id = _text(body.get("CustomerID"))
    if customer_id.endswith(".0"):  # spreadsheets turn 17850 into 17850.0
        customer_id = customer_id[:-2]
    if invoice_no and not INVOICE_NO.match(invoice_no):
        errors.append(f"InvoiceNo {invoice_no!r} must be 5-7 digits, optionally after a C for a cancellation")
    if stock_code and not STOCK_CODE.match(stock_code):
        errors.append(f"StockCode {stock_code!r} must be 1-12 letters or digits")
    if customer_id and not CUSTOMER_ID.match(customer_id):
        errors.append(f"CustomerID {customer_id!r} must be 4-7 digits")
    quantity = None
    if _text(body.get("Quantity")):
        try:
            quantity = int(_text(body["Quantity"]))
            if quantity == 0:
                errors.append("Quantity must not be 0")
        except ValueError:
            errors.append(f"Quantity {body['Quantity']!r} is not a whole number")
    unit_price = None
    if _text(body.get("UnitPrice")):
        try:
            unit_price = Decimal(_text(body["UnitPrice"]))
            if not unit_price.is_finite() or unit_price < 0:
                errors.append(f"UnitPrice {body['UnitPrice']!r} must be a number >= 0")
        except InvalidOperation:
            errors.append(f"UnitPrice {body['UnitPrice']!r} is not a number")
    invoice_date = None
    if _text(body.get("InvoiceDate")):
        invoice_date = _parse_date(_text(body["InvoiceDate"]))
        if invoice_date is None:
            errors.append(f"InvoiceDate {body['InvoiceDate']!r} is not a date like 12/1/2010 8:26 or ISO 8601")
    if errors:
        return None, errors
    return {
        "InvoiceNo": invoice_no,
        "StockCode": stock_code,
        "Description": _text(body.get("Description")),
        "Quantity": quantity,
        "InvoiceDate": invoice_date.isoformat(timespec="seconds"),
        "UnitPrice": str(unit_price.quantize(Decimal("0.001")).normalize()),
        "CustomerID": customer_id,
        "Country": _text(body.get("Country")),
    }, []


def reply(status: int, payload: Any) -> dict[str, Any]:
    """A Lambda proxy integration response; API Gateway answers 502 to anything else."""
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(payload, default=str), "isBase64Encoded": False}


def parse_body(event: dict[str, Any]) -> tuple[Any, str | None]:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        import base64

        raw = base64.b64decode(raw).decode("utf-8", "replace")
    try:
        return json.loads(raw), None
    except json.JSONDecodeError as exc:
        return None, f"the body is not JSON ({exc.msg} at position {exc.pos})"


def route(event: dict[str, Any], publish: Callable[[dict], dict], get_customer: Callable[[str], dict | None],
          get_invoice: Callable[[str], list[dict]]) -> dict[str, Any]:
    """Dispatch on the REST resource; the three callables do the AWS calls, so this stays testable."""
    method, resource = event.get("httpMethod", ""), event.get("resource", "")
    params = event.get("pathParameters") or {}
    if method == "POST" and resource == "/orders":
        body, problem = parse_body(event)
        if problem:
            return reply(400, {"message": "The order was rejected; nothing was written.", "errors": [problem]})
        order, errors = validate_order(body)
        if errors:
            return reply(400, {"message": "The order was rejected; nothing was written.", "errors": errors})
        receipt = publish(order)
        return reply(202, {"message": "accepted", "order": order, **receipt})
    if method == "GET" and resource == "/customers/{id}":
        customer = get_customer(str(params.get("id", "")))
        if customer is None:
            return reply(404, {"message": f"No customer {params.get('id')!r} has ordered yet."})
        return reply(200, customer)
    if method == "GET" and resource == "/invoices/{invoice_no}":
        lines = get_invoice(str(params.get("invoice_no", "")))
        if not lines:
            return reply(404, {"message": f"No invoice {params.get('invoice_no')!r} has been stored yet."})
        total = sum(Decimal(str(line["UnitPrice"])) * int(line["Quantity"]) for line in lines)
        # DynamoDB trims trailing zeros (2.50 is stored as 2.5); a money total reads in cents.
        return reply(200, {"InvoiceNo": params.get("invoice_no"), "lines": lines,
                           "total": str(Decimal(total).quantize(Decimal("0.01")))})
    return reply(404, {"message": f"No route for {method} {resource or event.get('path')}."})


def plain(item: Any) -> Any:
    """DynamoDB's Decimals -> int or str, so the JSON reply keeps exact prices."""
    if isinstance(item, dict):
        return {key: plain(value) for key, value in item.items()}
    if isinstance(item, (list, set, tuple)):
        return sorted(plain(value) for value in item) if isinstance(item, set) else [plain(v) for v in item]
    if isinstance(item, Decimal):
        return int(item) if item == item.to_integral_value() else str(item)
    return item
