"""The checks SNS makes on a request before it acts, in SNS's words ("Invalid parameter: <name>[ Reason: ...]").

Every check here is a rule of the SNS API, for every caller, not one request's shape:
- A parameter that names an ARN (TopicArn, TargetArn, SubscriptionArn, PlatformApplicationArn, EndpointArn,
  ResourceArn) must have AWS's six ARN elements: "Invalid parameter: TopicArn Reason: An ARN must have at
  least 6 elements, not 1" (moto raised a Python unpacking error, or looked it up and said NotFound).
- A topic is published to in its own region: a TopicArn of another region is "Invalid parameter: TopicArn"
  (moto: NotFound "Topic does not exist").
- A subscription ARN ends in the subscription's id (<topic ARN>:<uuid>): "Invalid parameter: SubscriptionId".
- Publish needs a non-empty message: "Invalid parameter: Empty message" (API_Publish: "Message ... Required").
- PublishBatch entry ids: up to 80 alphanumerics, hyphens and underscores, unique (API_PublishBatch,
  PublishBatchRequestEntry.Id): InvalidBatchEntryId "... contains an impermissible character: <id>" /
  "... is too long: <id>".
- RawMessageDelivery is "true" or "false" (SetSubscriptionAttributes / Subscribe Attributes).
- A FIFO SQS queue subscribes only to a FIFO topic ("FIFO SQS Queues can not be subscribed to standard SNS
  topics"); FifoTopic is fixed at creation ("Invalid parameter: AttributeName" on SetTopicAttributes).
- CreateTopic of an existing name with other attributes: "Invalid parameter: Attributes Reason: Topic already
  exists with different attributes" (moto answered the existing topic, as if the attributes had been set).
- Topic names: "Invalid parameter: Topic Name" (up to 256 alphanumerics, hyphens, underscores; `.fifo` last
  for, and only for, a FIFO topic).
"""

from __future__ import annotations

import json
import re
from typing import Any

from localcloud.aws.registry import screens
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

ARN_PARAMETERS = ("TopicArn", "TargetArn", "SubscriptionArn", "PlatformApplicationArn", "EndpointArn",
                  "ResourceArn")
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]+")
_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
_SUBSCRIPTION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def invalid(detail: str, code: str = "InvalidParameter"):
    return aws_error("sns", 400, code, detail if code != "InvalidParameter" else f"Invalid parameter: {detail}")


def _entries(form: dict[str, str], prefix: str) -> list[dict[str, str]]:
    """Indexed query members (Prefix.member.N.Field) as one dict per entry, in order."""
    found: dict[int, dict[str, str]] = {}
    pattern = re.compile(rf"^{re.escape(prefix)}\.member\.(\d+)\.(.+)$")
    for key, value in form.items():
        match = pattern.match(key)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return [found[i] for i in sorted(found)]


def _attributes(form: dict[str, str]) -> dict[str, str]:
    """CreateTopic / Subscribe `Attributes` (Attributes.entry.N.key / .value)."""
    keys: dict[str, str] = {}
    values: dict[str, str] = {}
    for key, value in form.items():
        match = re.match(r"^Attributes\.entry\.(\d+)\.(key|value)$", key)
        if match:
            (keys if match.group(2) == "key" else values)[match.group(1)] = value
    return {keys[i]: values.get(i, "") for i in keys}


def _backend(request: AwsRequest) -> Any:
    from localcloud.moto_adapter import sns_backends

    return sns_backends[request.account_id][request.region]


def _arn_elements(form: dict[str, str]):
    for name in ARN_PARAMETERS:
        if name in form:
            count = len(form[name].split(":"))
            if count < 6:
                return invalid(f"{name} Reason: An ARN must have at least 6 elements, not {count}")
    return None


def _raw_delivery(value: str):
    if value.lower() not in ("true", "false"):
        return f"RawMessageDelivery: Invalid value [{value}]. Must be true or false."
    return None


def _create_topic(request: AwsRequest, form: dict[str, str]):
    name = form.get("Name", "")
    attributes = _attributes(form)
    fifo = attributes.get("FifoTopic", "false").lower() == "true"
    base = name.removesuffix(".fifo")
    if not _TOPIC_NAME.fullmatch(base) or name.endswith(".fifo") != fifo:
        return invalid("Topic Name")
    topic = _backend(request).topics.get(f"arn:aws:sns:{request.region}:{request.account_id}:{name}")
    if topic is None or not attributes:
        return None
    from moto.core.utils import camelcase_to_underscores

    for key, value in attributes.items():
        kept = getattr(topic, camelcase_to_underscores(key), None)
        if isinstance(kept, bool):
            kept = str(kept).lower()
        if kept is None or not _same_value(str(kept), value):
            return invalid("Attributes Reason: Topic already exists with different attributes")
    return None


def _same_value(kept: str, sent: str) -> bool:
    """Policies and delivery policies are JSON: the same document, however it is spaced, is the same."""
    if kept == sent:
        return True
    try:
        return json.loads(kept) == json.loads(sent)
    except ValueError:
        return False


def _publish(request: AwsRequest, form: dict[str, str], operation: str):
    arn = form.get("TopicArn")
    if arn and arn.split(":")[3] != request.region:
        return invalid("TopicArn")
    if operation == "Publish" and not form.get("Message"):
        return invalid("Empty message")
    if operation == "PublishBatch":
        for entry in _entries(form, "PublishBatchRequestEntries"):
            entry_id = entry.get("Id", "")
            if len(entry_id) > 80:
                return invalid(f"The Id of a batch entry in the batch request is too long: {entry_id}",
                               "InvalidBatchEntryId")
            if not _BATCH_ID.fullmatch(entry_id):
                return invalid("The Id of a batch entry in the batch request contains an impermissible "
                               f"character: {entry_id}", "InvalidBatchEntryId")
    return None


def _subscribe(request: AwsRequest, form: dict[str, str]):
    attributes = _attributes(form)
    if "RawMessageDelivery" in attributes:
        problem = _raw_delivery(attributes["RawMessageDelivery"])
        if problem:
            return invalid("Attributes Reason: " + problem)
    endpoint = form.get("Endpoint", "")
    if form.get("Protocol") == "sqs" and endpoint.endswith(".fifo"):
        topic = _backend(request).topics.get(form.get("TopicArn", ""))
        if topic is not None and str(getattr(topic, "fifo_topic", "false")).lower() != "true":
            return invalid("Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to "
                           "standard SNS topics")
    return None


def _subscription_arn(form: dict[str, str]):
    if not form.get("SubscriptionArn"):
        return invalid("SubscriptionArn Reason: no value for required parameter")
    parts = form["SubscriptionArn"].split(":")
    if len(parts) < 7 or not _SUBSCRIPTION_ID.fullmatch(parts[-1]):
        return invalid("SubscriptionId")
    return None


@screens("sns")
def sns_request_rules(request: AwsRequest):
    operation = request.operation
    if operation is None:
        return None
    form = request.form()
    if operation == "CreateTopic":
        return _create_topic(request, form)
    answer = _arn_elements(form)
    if answer is not None:
        return answer
    if operation in ("Publish", "PublishBatch"):
        return _publish(request, form, operation)
    if operation == "Subscribe":
        return _subscribe(request, form)
    if operation == "Unsubscribe":
        return _subscription_arn(form)
    if operation == "SetSubscriptionAttributes" and form.get("AttributeName") == "RawMessageDelivery":
        problem = _raw_delivery(form.get("AttributeValue", ""))
        return invalid(problem) if problem else None
    if operation == "SetTopicAttributes" and form.get("AttributeName") == "FifoTopic":
        return invalid("AttributeName")
    return None
