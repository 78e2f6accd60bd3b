"""Event source mappings as Lambda answers and refuses them (moto's differ).

Sources: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html and
API_EventSourceMappingConfiguration.html, botocore lambda service-2.json.
- StartingPosition is required for stream sources (Kinesis, DynamoDB Streams): AWS refuses a mapping
  without it; moto quietly chose TRIM_HORIZON, so a mapping that fails on AWS read every old record here.
- A mapping with no event source is "Unrecognized event source."; a queue source takes no DestinationConfig
  ("Unsupported DestinationConfig parameter for given event source mapping type."; destinations are for
  stream and Kafka sources, API_DestinationConfig.html); one for a function that does not exist
  is InvalidParameterValueException "Function does not exist" (400), not a 404.
- FilterCriteria patterns must be EventBridge patterns (a JSON object of objects and non-empty arrays):
  otherwise "Invalid filter pattern definition." (moto stored any string; the poller then matched nothing).
- Get/Update/Delete of an unknown UUID: 404 ResourceNotFoundException (moto answered Delete and Update 202
  with an empty body, as if something had been deleted).
- Answers carry the defaults AWS reports for the source kind (stream sources: BisectBatchOnFunctionError
  false, MaximumRecordAgeInSeconds / MaximumRetryAttempts -1, ParallelizationFactor 1,
  TumblingWindowInSeconds 0, ...), StateTransitionReason "User action" (streams) / "USER_INITIATED"
  (queues), and the transitional State of the change: Creating, Updating, Deleting (the mapping settles
  at once here, so the next read says Enabled or Disabled).
"""

from __future__ import annotations

import json
from typing import Any

from localcloud.aws.registry import Response, finishes, screens
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

BY_UUID = ("GetEventSourceMapping", "UpdateEventSourceMapping", "DeleteEventSourceMapping")
SHAPED = (*BY_UUID, "CreateEventSourceMapping", "ListEventSourceMappings")
TRANSITIONS = {"CreateEventSourceMapping": "Creating", "UpdateEventSourceMapping": "Updating",
               "DeleteEventSourceMapping": "Deleting"}
STREAM_DEFAULTS: dict[str, Any] = {
    "BisectBatchOnFunctionError": False, "FunctionResponseTypes": [], "LastProcessingResult": "No records processed",
    "MaximumBatchingWindowInSeconds": 0, "MaximumRecordAgeInSeconds": -1, "MaximumRetryAttempts": -1,
    "ParallelizationFactor": 1, "TumblingWindowInSeconds": 0, "DestinationConfig": {"OnFailure": {}},
}
QUEUE_DEFAULTS: dict[str, Any] = {"FunctionResponseTypes": [], "MaximumBatchingWindowInSeconds": 0}
NOT_FOUND = "The resource you requested does not exist."
STARTING_POSITION_NULL = ("1 validation error detected: Value null at 'startingPosition' failed to satisfy "
                          "constraint: Member must not be null.")


def source_kind(arn: Any) -> str | None:
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return None
    service = arn.split(":")[2] if arn.count(":") >= 2 else ""
    if service == "kinesis" or (service == "dynamodb" and "/stream/" in arn):
        return "stream"
    return "queue" if service in ("sqs", "mq") else None


def _backend(request: AwsRequest):
    from localcloud.moto_adapter import lambda_backends

    return lambda_backends[request.account_id][request.region]


def _function_exists(request: AwsRequest, name: str) -> bool:
    try:
        _backend(request).get_function(name)
    except Exception:  # noqa: BLE001  (moto's UnknownFunctionException and kin)
        return False
    return True


@screens("awslambda")
def refuse_mappings_aws_refuses(request: AwsRequest) -> Response | None:
    if request.operation in BY_UUID:
        uuid = request.path.rstrip("/").rsplit("/", 1)[-1]
        if _backend(request).get_event_source_mapping(uuid) is None:
            return aws_error("lambda", 404, "ResourceNotFoundException", NOT_FOUND)
        if request.operation == "UpdateEventSourceMapping":
            try:
                spec = request.json()
            except ValueError:
                return None
            return filters_refusal(spec) if isinstance(spec, dict) else None
        return None
    if request.operation != "CreateEventSourceMapping":
        return None
    try:
        spec = request.json()
    except ValueError:
        return None
    if not isinstance(spec, dict):
        return None
    if not spec.get("EventSourceArn") and not spec.get("SelfManagedEventSource"):
        return aws_error("lambda", 400, "InvalidParameterValueException", "Unrecognized event source.")
    if source_kind(spec.get("EventSourceArn")) == "stream" and not spec.get("StartingPosition"):
        return aws_error("lambda", 400, "InvalidParameterValueException", STARTING_POSITION_NULL)
    if source_kind(spec.get("EventSourceArn")) == "queue" and spec.get("DestinationConfig"):
        return aws_error("lambda", 400, "InvalidParameterValueException",
                         "Unsupported DestinationConfig parameter for given event source mapping type.")
    name = spec.get("FunctionName")
    if isinstance(name, str) and not _function_exists(request, name):
        return aws_error("lambda", 400, "InvalidParameterValueException", "Function does not exist")
    return filters_refusal(spec)


def _valid_pattern_node(node: Any) -> bool:
    """EventBridge's pattern grammar, which FilterCriteria use: an object whose every value is an object or a
    non-empty array of matches (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html)."""
    if not isinstance(node, dict) or not node:
        return False
    return all(_valid_pattern_node(value) if isinstance(value, dict) else isinstance(value, list) and bool(value)
               for value in node.values())


def filters_refusal(spec: dict[str, Any]) -> Response | None:
    for entry in (spec.get("FilterCriteria") or {}).get("Filters") or ():
        pattern = entry.get("Pattern") if isinstance(entry, dict) else None
        try:
            parsed = json.loads(pattern) if isinstance(pattern, str) else None
        except ValueError:
            parsed = None
        if not _valid_pattern_node(parsed):
            return aws_error("lambda", 400, "InvalidParameterValueException", "Invalid filter pattern definition.")
    return None


def shape_mapping(operation: str, mapping: dict[str, Any]) -> None:
    kind = source_kind(mapping.get("EventSourceArn"))
    for key, value in (STREAM_DEFAULTS if kind == "stream" else QUEUE_DEFAULTS if kind == "queue" else {}).items():
        if mapping.get(key) is None:
            mapping[key] = json.loads(json.dumps(value))
    if kind is not None:
        mapping["StateTransitionReason"] = "User action" if kind == "stream" else "USER_INITIATED"
    if operation in TRANSITIONS:
        mapping["State"] = TRANSITIONS[operation]


def _missing_stream(request: AwsRequest, response: Response) -> Response:
    """A DynamoDB stream that does not exist: 400 InvalidParameterValueException "Stream not found: ARN" (moto:
    404 ResourceNotFoundException "Invalid EventSourceArn")."""
    try:
        arn = request.json().get("EventSourceArn")
    except (ValueError, AttributeError):
        return response
    if b"Invalid EventSourceArn" in (response[2] or b"") and isinstance(arn, str) and ":dynamodb:" in arn:
        from localcloud.aws.lambda_.responses import _shape_error  # runs before this finisher: shape ours too

        return _shape_error(request, aws_error("lambda", 400, "InvalidParameterValueException",
                                               f"Stream not found: {arn}"))
    return response


@finishes("awslambda")
def finish(request: AwsRequest, response: Response) -> Response:
    if request.operation == "CreateEventSourceMapping" and response[0] >= 400:
        return _missing_stream(request, response)
    if request.operation not in SHAPED or response[0] >= 300 or not response[2]:
        return response
    try:
        document = json.loads(response[2])
    except ValueError:
        return response
    if not isinstance(document, dict):
        return response
    for mapping in document.get("EventSourceMappings") or [document]:
        if isinstance(mapping, dict) and mapping.get("UUID"):
            shape_mapping(request.operation, mapping)
    body = json.dumps(document).encode()
    headers = [(k, v) for k, v in response[1] if k.lower() != "content-length"]
    return response[0], [*headers, ("Content-Length", str(len(body)))], body
