"""API Gateway REST proxy: POST /orders -> Kinesis; GET /customers/{id}, GET /invoices/{invoice_no} <- DynamoDB."""

import json
import os

import boto3
from boto3.dynamodb.conditions import Key
from core import plain, reply, route
from pipeline_common.jsonlog import fields, get_logger

log = get_logger("orders_api")
kinesis = boto3.client("kinesis")
dynamodb = boto3.resource("dynamodb")
STREAM = os.environ["ORDERS_STREAM"]
customers = dynamodb.Table(os.environ["CUSTOMERS_TABLE"])
invoices = dynamodb.Table(os.environ["INVOICES_TABLE"])


def publish(order: dict) -> dict:
    # Partition by invoice so an invoice's lines stay in order on one shard.
    result = kinesis.put_record(StreamName=STREAM, Data=json.dumps(order).encode(), PartitionKey=order["InvoiceNo"])
    return {"sequenceNumber": result["SequenceNumber"], "shardId": result["ShardId"]}


def get_customer(customer_id: str):
    item = customers.get_item(Key={"CustomerID": customer_id}).get("Item")
    return plain(item) if item else None


def get_invoice(invoice_no: str):
    result = invoices.query(KeyConditionExpression=Key("InvoiceNo").eq(invoice_no))
    return plain(result.get("Items", []))


def handler(event, context):
    try:
        response = route(event, publish, get_customer, get_invoice)
    except Exception:
        log.exception("request failed", extra=fields(method=event.get("httpMethod"), path=event.get("path")))
        return reply(500, {"message": "The order service failed; the request was not completed. Retry later."})
    log.info("request", extra=fields(method=event.get("httpMethod"), path=event.get("path"),
                                     status=response["statusCode"]))
    return response
