"""Upsert Kinesis order lines into DynamoDB; bad records are reported, not raised (ReportBatchItemFailures)."""

import os

import boto3
from core import customer_update, invoice_item, process_batch
from pipeline_common.jsonlog import fields, get_logger

log = get_logger("orders_upsert")
dynamodb = boto3.resource("dynamodb")
customers = dynamodb.Table(os.environ["CUSTOMERS_TABLE"])
invoices = dynamodb.Table(os.environ["INVOICES_TABLE"])


def write(order: dict, sequence_number: str) -> None:
    invoices.put_item(Item=invoice_item(order, sequence_number))
    customers.update_item(**customer_update(order))


def on_error(record: dict, exc: Exception) -> None:
    log.error("an order record could not be stored; it is reported for retry and then the on-failure queue",
              extra=fields(sequenceNumber=record["kinesis"]["sequenceNumber"], error=str(exc),
                           errorType=type(exc).__name__))


def handler(event, context):
    records = event.get("Records", [])
    response = process_batch(records, write, on_error)
    log.info("upserted batch", extra=fields(records=len(records), failed=len(response["batchItemFailures"])))
    return response
