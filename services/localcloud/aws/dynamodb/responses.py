"""Every DynamoDB answer in AWS's shape, for every operation (driven by botocore's dynamodb model).

- ConsumedCapacity only when the request asked for it (ReturnConsumedCapacity TOTAL or INDEXES), and
  ItemCollectionMetrics only with ReturnItemCollectionMetrics SIZE: "If set to NONE (the default), no
  ConsumedCapacity/ItemCollectionMetrics are returned" (botocore dynamodb service-2.json,
  ReturnConsumedCapacity / ReturnItemCollectionMetrics). moto adds both to writes, batches and transactions.
- Members the operation's output shape does not define are not sent (moto's DeleteItem sends
  ConsumedCapacityUnits, a member of no DynamoDB output).
- Table descriptions anywhere in an answer: tables.shape_description.
- A missing table named by a table-level operation: "Requested resource not found: Table: X not found".
"""

from __future__ import annotations

import json
import zlib
from functools import lru_cache
from typing import Any

import botocore.session

from localcloud.aws.dynamodb import tables
from localcloud.aws.registry import Response, finishes
from localcloud.server.requests import AwsRequest

ITEM_OPERATIONS = frozenset({"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                             "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "ExecuteStatement",
                             "BatchExecuteStatement", "ExecuteTransaction"})


@lru_cache(maxsize=None)
def _model():
    return botocore.session.get_session().get_service_model("dynamodb")


def _with_body(response: Response, document: Any) -> Response:
    """The answer with a new body; its x-amz-crc32 (which botocore checks) recomputed."""
    body = json.dumps(document).encode()
    had_crc = any(k.lower() == "x-amz-crc32" for k, _ in response[1])
    headers = [(k, v) for k, v in response[1] if k.lower() not in ("content-length", "x-amz-crc32")]
    headers.append(("Content-Length", str(len(body))))
    if had_crc:
        headers.append(("x-amz-crc32", str(zlib.crc32(body) & 0xFFFFFFFF)))
    return response[0], headers, body


def _unasked(params: dict[str, Any], output_members: Any) -> list[str]:
    drop = []
    if params.get("ReturnConsumedCapacity", "NONE") not in ("TOTAL", "INDEXES"):
        drop.append("ConsumedCapacity")
    if params.get("ReturnItemCollectionMetrics", "NONE") != "SIZE":
        drop.append("ItemCollectionMetrics")
    return [name for name in drop if name in output_members]


def _not_found(request: AwsRequest, params: dict[str, Any], response: Response) -> Response:
    try:
        document = json.loads(response[2] or b"{}")
    except ValueError:
        return response
    code = str(document.get("__type", "")).rsplit("#", 1)[-1]
    name = params.get("TableName")
    if code == "ResourceNotFoundException" and isinstance(name, str) \
            and document.get("message") == "Requested resource not found":
        document["message"] = f"Requested resource not found: Table: {name} not found"
        return _with_body(response, document)
    return response


# (operation or None for any, error code, moto's message) -> AWS's message.
AWS_WORDING = {
    (None, "ValidationException", "ProvisionedThroughput cannot be specified when BillingMode is PAY_PER_REQUEST"):
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be "
        "specified when BillingMode is PAY_PER_REQUEST",
}
# BatchWriteItem names no key: a request item without its table's key is "The provided key element does not match
# the schema" (PutItem's own wording names the missing key).
BATCH_KEY_MISSING = "One or more parameter values were invalid: Missing the key "
# Errors whose text AWS sends as "Message" (botocore keeps a lowercase "message" as a member of the modelled error:
# ConditionalCheckFailedException answers carry only Item beside the error).
CAPITALISED_MESSAGE = frozenset({"ConditionalCheckFailedException"})


def _reworded(request: AwsRequest, response: Response) -> Response:
    try:
        document = json.loads(response[2] or b"{}")
    except ValueError:
        return response
    if not isinstance(document, dict):
        return response
    code = str(document.get("__type", "")).rsplit("#", 1)[-1]
    text = document.get("message") if "message" in document else document.get("Message")
    if not isinstance(text, str):
        return response
    new = AWS_WORDING.get((None, code, text)) or AWS_WORDING.get((request.operation, code, text))
    if request.operation == "BatchWriteItem" and code == "ValidationException" and text.startswith(BATCH_KEY_MISSING):
        new = "The provided key element does not match the schema"
    if new is None and not (code in CAPITALISED_MESSAGE and "message" in document):
        return response
    document.pop("message", None)
    document["Message" if code in CAPITALISED_MESSAGE else "message"] = new or text
    return _with_body(response, document)


@finishes("dynamodb")
def finish(request: AwsRequest, response: Response) -> Response:
    if request.operation is None:
        return response
    try:
        params = request.json()
    except ValueError:
        return response
    if not isinstance(params, dict):
        return response
    if response[0] >= 400:
        response = _reworded(request, response)
        if request.operation not in ITEM_OPERATIONS:
            return _not_found(request, params, response)
        return response
    try:
        output = _model().operation_model(request.operation).output_shape
    except Exception:  # noqa: BLE001  (an operation the model does not know)
        return response
    if output is None or not response[2]:
        return response
    try:
        document = json.loads(response[2])
    except ValueError:
        return response
    if not isinstance(document, dict):
        return response
    for name in [*_unasked(params, output.members), *(k for k in document if k not in output.members)]:
        document.pop(name, None)
    tables.shape_all(request, output, document)
    return _with_body(response, document)
