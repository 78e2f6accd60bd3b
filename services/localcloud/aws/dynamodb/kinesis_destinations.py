"""Kinesis Data Streams destinations of a table (moto has none: the operations answered 501).

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_EnableKinesisStreamingDestination.html
and the Describe/Update/Disable pages: Enable answers ENABLING and the destination is ACTIVE by the next
Describe; Disable answers DISABLING, then DISABLED. Update sets ApproximateCreationDateTimePrecision
(MILLISECOND or MICROSECOND, validated by the model) and refuses a no-op or an unknown stream. The
destinations live on moto's table object, so they are saved and restored with it.
Change records are not delivered to the stream yet (the table's own DynamoDB stream carries them).
"""

from __future__ import annotations

from typing import Any

from localcloud.aws.dynamodb.table_settings import on_table, settings_on
from localcloud.aws.dynamodb.tables import table_id
from localcloud.aws.registry import handles, json_response
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

DESTINATIONS_ATTR = "_localcloud_kinesis_destinations"
SETTLED = {"ENABLING": "ACTIVE", "DISABLING": "DISABLED", "UPDATING": "ACTIVE"}


def _stream_exists(request: AwsRequest, arn: str) -> bool:
    from localcloud.moto_adapter import kinesis_backends

    backend = kinesis_backends[request.account_id][request.region]
    return any(stream.arn == arn for stream in backend.streams.values())


def _destinations(table: Any) -> dict[str, dict[str, Any]]:
    return settings_on(table, DESTINATIONS_ATTR)


@handles("dynamodb", "EnableKinesisStreamingDestination")
@on_table
def enable(request: AwsRequest, spec: dict, table):
    arn = spec.get("StreamArn", "")
    if not _stream_exists(request, arn):
        return aws_error("dynamodb", 400, "ValidationException", f"Stream {arn} does not exist")
    destination = {"StreamArn": arn, "DestinationStatus": "ENABLING"}
    precision = (spec.get("EnableKinesisStreamingConfiguration") or {}).get("ApproximateCreationDateTimePrecision")
    if precision:
        destination["ApproximateCreationDateTimePrecision"] = precision
    _destinations(table)[arn] = destination
    return json_response({"TableName": table.name, "StreamArn": arn, "DestinationStatus": "ENABLING",
                          "EnableKinesisStreamingConfiguration": spec.get("EnableKinesisStreamingConfiguration")
                          or {}})


@handles("dynamodb", "DescribeKinesisStreamingDestination")
@on_table
def describe(request: AwsRequest, spec: dict, table):
    shown = []
    for destination in _destinations(table).values():
        destination["DestinationStatus"] = SETTLED.get(destination["DestinationStatus"],
                                                       destination["DestinationStatus"])
        shown.append(dict(destination))
    return json_response({"TableName": table.name, "KinesisDataStreamDestinations": shown})


@handles("dynamodb", "UpdateKinesisStreamingDestination")
@on_table
def update(request: AwsRequest, spec: dict, table):
    config = {k: v for k, v in (spec.get("UpdateKinesisStreamingConfiguration") or {}).items() if v is not None}
    if not config:
        return aws_error("dynamodb", 400, "ValidationException",
                         "Streaming destination cannot be updated with given parameters: "
                         "UpdateKinesisStreamingConfiguration cannot be null or contain only null values")
    arn = spec.get("StreamArn", "")
    destination = _destinations(table).get(arn)
    if destination is None or destination["DestinationStatus"] in ("DISABLING", "DISABLED"):
        return aws_error("dynamodb", 400, "ValidationException",
                         "Table is not in a valid state to enable Kinesis Streaming Destination: No streaming "
                         f"destination with streamArn: {arn} found for table with tableName: {table.name}")
    precision = config.get("ApproximateCreationDateTimePrecision")
    if precision and destination.get("ApproximateCreationDateTimePrecision", "MILLISECOND") == precision:
        description = table.describe()["TableDescription"]
        return aws_error("dynamodb", 400, "ValidationException",
                         f"Invalid Request: Precision is already set to the desired value of {precision} for "
                         f"tableId: {table_id(description)}, kdsArn: {arn}")
    destination.update({**config, "DestinationStatus": "UPDATING"})
    return json_response({"TableName": table.name, "StreamArn": arn, "DestinationStatus": "UPDATING",
                          "UpdateKinesisStreamingConfiguration": config})


@handles("dynamodb", "DisableKinesisStreamingDestination")
@on_table
def disable(request: AwsRequest, spec: dict, table):
    arn = spec.get("StreamArn", "")
    destination = _destinations(table).get(arn)
    if destination is None or destination["DestinationStatus"] in ("DISABLING", "DISABLED"):
        return aws_error("dynamodb", 400, "ValidationException",
                         "Table is not in a valid state to disable Kinesis Streaming Destination: No streaming "
                         f"destination with streamArn: {arn} found for table with tableName: {table.name}")
    destination["DestinationStatus"] = "DISABLING"
    return json_response({"TableName": table.name, "StreamArn": arn, "DestinationStatus": "DISABLING"})
