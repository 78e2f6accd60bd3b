"""Orders API: what a client sees for good and bad order lines, and how requests are routed."""

import json
from decimal import Decimal

from _lambda_import import load

api = load("orders_api")

GOOD = {"InvoiceNo": "536365", "StockCode": "85123a", "Description": "WHITE HANGING HEART T-LIGHT HOLDER",
        "Quantity": "6", "InvoiceDate": "12/1/2010 8:26", "UnitPrice": "2.55", "CustomerID": "17850.0",
        "Country": "United Kingdom"}


def test_a_good_row_is_normalised():
    order, errors = api.validate_order(GOOD)
    assert errors == []
    assert order["InvoiceDate"] == "2010-12-01T08:26:00"
    assert order["StockCode"] == "85123A" and order["CustomerID"] == "17850" and order["Quantity"] == 6
    assert Decimal(order["UnitPrice"]) == Decimal("2.55")


def test_a_cancellation_with_negative_quantity_is_valid():
    order, errors = api.validate_order({**GOOD, "InvoiceNo": "C536379", "Quantity": "-1",
                                        "InvoiceDate": "2010-12-01T09:41:00"})
    assert errors == [] and order["Quantity"] == -1


def test_every_problem_is_reported_at_once():
    _, errors = api.validate_order({**GOOD, "Quantity": "six", "UnitPrice": "-1", "CustomerID": "",
                                    "InvoiceDate": "yesterday", "Extra": 1})
    text = " | ".join(errors)
    for expected in ("Quantity 'six'", "UnitPrice '-1'", "CustomerID is missing", "InvoiceDate 'yesterday'",
                     "unknown fields: Extra"):
        assert expected in text


def test_a_body_that_is_not_an_object_is_rejected():
    assert api.validate_order(["x"])[1]


def calls():
    published, route_args = [], {}
    route_args["publish"] = lambda order: published.append(order) or {"sequenceNumber": "1", "shardId": "s"}
    route_args["get_customer"] = lambda cid: {"CustomerID": cid} if cid == "17850" else None
    route_args["get_invoice"] = lambda no: [{"StockCode": "X", "Quantity": 2, "UnitPrice": "2.50"}] if no == "1" else []
    return published, route_args


def test_post_publishes_and_answers_202():
    published, deps = calls()
    response = api.route({"httpMethod": "POST", "resource": "/orders", "body": json.dumps(GOOD)}, **deps)
    assert response["statusCode"] == 202 and len(published) == 1
    assert json.loads(response["body"])["sequenceNumber"] == "1"


def test_a_bad_post_answers_400_with_reasons_and_writes_nothing():
    published, deps = calls()
    response = api.route({"httpMethod": "POST", "resource": "/orders", "body": "{not json"}, **deps)
    assert response["statusCode"] == 400 and published == []
    assert "not JSON" in json.loads(response["body"])["errors"][0]
    response = api.route({"httpMethod": "POST", "resource": "/orders",
                          "body": json.dumps({**GOOD, "Quantity": 0})}, **deps)
    assert response["statusCode"] == 400 and published == []


def test_gets_answer_200_or_404():
    _, deps = calls()
    found = api.route({"httpMethod": "GET", "resource": "/customers/{id}", "pathParameters": {"id": "17850"}},
                      **deps)
    missing = api.route({"httpMethod": "GET", "resource": "/customers/{id}", "pathParameters": {"id": "1"}},
                        **deps)
    invoice = api.route({"httpMethod": "GET", "resource": "/invoices/{invoice_no}",
                         "pathParameters": {"invoice_no": "1"}}, **deps)
    assert (found["statusCode"], missing["statusCode"], invoice["statusCode"]) == (200, 404, 200)
    assert json.loads(invoice["body"])["total"] == "5.00"


def test_plain_turns_dynamodb_numbers_into_json_values():
    assert api.plain({"a": Decimal("2"), "b": Decimal("2.55"), "c": {"x", "a"}}) == {"a": 2, "b": "2.55",
                                                                                    "c": ["a", "x"]}
