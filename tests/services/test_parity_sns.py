"""SNS checks a request before it acts, and answers in its own words (SNS API reference: Publish,
PublishBatch, Subscribe, Unsubscribe, CreateTopic, SetTopicAttributes; "Verifying the signatures of Amazon
SNS messages" for SignatureVersion). The client's own parameter validation is off where a test sends what
an SDK would refuse to."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from support import allow_queue


def _name(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _error(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


@pytest.fixture(scope="module")
def sns(cloud):
    return cloud.client("sns", parameter_validation=False)


@pytest.fixture(scope="module")
def topic(sns) -> str:
    return sns.create_topic(Name=_name())["TopicArn"]


def test_an_arn_parameter_with_fewer_than_six_elements_is_invalid(sns):
    assert _error(lambda: sns.publish(TopicArn="not-an-arn", Message="m")) == \
        ("InvalidParameter", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1")
    assert _error(lambda: sns.unsubscribe(SubscriptionArn="arn:aws:sns:us-east-1:x")) == \
        ("InvalidParameter", "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 5")


def test_unsubscribe_needs_a_subscription_arn_ending_in_its_id(sns, topic):
    assert _error(lambda: sns.unsubscribe(SubscriptionArn=topic)) == \
        ("InvalidParameter", "Invalid parameter: SubscriptionId")
    assert _error(lambda: sns.unsubscribe()) == \
        ("InvalidParameter", "Invalid parameter: SubscriptionArn Reason: no value for required parameter")


def test_a_topic_of_another_region_is_an_invalid_topic_arn(cloud, topic):
    import boto3

    west = boto3.client("sns", endpoint_url=cloud.endpoint, region_name="eu-west-1", aws_access_key_id="test",
                        aws_secret_access_key="test")
    assert _error(lambda: west.publish(TopicArn=topic, Message="m")) == ("InvalidParameter", "Invalid parameter: TopicArn")


def test_publish_needs_a_message(sns, topic):
    assert _error(lambda: sns.publish(TopicArn=topic, Message="")) == ("InvalidParameter", "Invalid parameter: Empty message")


@pytest.mark.parametrize("entry_id, reason", [("has.dot", "contains an impermissible character"),
                                              ("x" * 81, "is too long")])
def test_batch_entry_ids_are_up_to_80_alphanumerics_hyphens_and_underscores(sns, topic, entry_id, reason):
    code, message = _error(lambda: sns.publish_batch(
        TopicArn=topic, PublishBatchRequestEntries=[{"Id": entry_id, "Message": "m"}]))
    assert (code, message) == ("InvalidBatchEntryId", f"The Id of a batch entry in the batch request {reason}: {entry_id}")


def test_raw_message_delivery_is_true_or_false(cloud, sns, topic):
    queue = cloud.client("sqs").create_queue(QueueName=_name("q"))["QueueUrl"]
    arn = cloud.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert _error(lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                                        Attributes={"RawMessageDelivery": "yes"})) == \
        ("InvalidParameter", "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [yes]. "
                             "Must be true or false.")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert _error(lambda: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                                          AttributeValue="")) == \
        ("InvalidParameter", "Invalid parameter: RawMessageDelivery: Invalid value []. Must be true or false.")


def test_a_fifo_queue_subscribes_only_to_a_fifo_topic(cloud, sns, topic):
    sqs = cloud.client("sqs")
    queue = sqs.create_queue(QueueName=_name("q") + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert _error(lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)) == \
        ("InvalidParameter", "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
                             "subscribed to standard SNS topics")
    fifo = sns.create_topic(Name=_name() + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    assert sns.subscribe(TopicArn=fifo, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    assert _error(lambda: sns.set_topic_attributes(TopicArn=fifo, AttributeName="FifoTopic", AttributeValue="false")) \
        == ("InvalidParameter", "Invalid parameter: AttributeName")


def test_create_topic_is_idempotent_only_with_the_same_attributes(sns):
    name = _name()
    arn = sns.create_topic(Name=name, Attributes={"DisplayName": "one"})["TopicArn"]
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    assert sns.create_topic(Name=name, Attributes={"DisplayName": "one"})["TopicArn"] == arn
    different = ("InvalidParameter", "Invalid parameter: Attributes Reason: Topic already exists with different attributes")
    assert _error(lambda: sns.create_topic(Name=name, Attributes={"DisplayName": "two"})) == different
    assert _error(lambda: sns.create_topic(Name=name, Attributes={"SignatureVersion": "2"})) == different
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "one"


@pytest.mark.parametrize("name, attributes", [("has space", {}), ("x" * 257, {}), ("plain", {"FifoTopic": "true"}),
                                              ("ends.fifo", {})])
def test_a_topic_name_outside_the_rules_is_an_invalid_topic_name(sns, name, attributes):
    assert _error(lambda: sns.create_topic(Name=name, Attributes=attributes)) == \
        ("InvalidParameter", "Invalid parameter: Topic Name")


def test_errors_carry_one_message_element(sns):
    """AWS's query errors: <Type>, <Code>, <Message>; no second, lower-case `message`."""
    with pytest.raises(ClientError) as caught:
        sns.get_topic_attributes(TopicArn="arn:aws:sns:us-east-1:123456789012:" + _name("missing"))
    assert caught.value.response["Error"]["Code"] == "NotFound"
    assert "message" not in caught.value.response["Error"]


def test_messages_are_signed_with_signature_version_1_unless_the_topic_asks_for_2(cloud, sns):
    sqs = cloud.client("sqs")
    versions = []
    for attributes in ({}, {"SignatureVersion": "2"}):
        arn = sns.create_topic(Name=_name(), Attributes=attributes)["TopicArn"]
        queue = sqs.create_queue(QueueName=_name("q"))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        allow_queue(sqs, queue, "sns.amazonaws.com", arn)  # SNS delivers under the queue's policy
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
        sns.publish(TopicArn=arn, Message="hello")
        got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=10)["Messages"]
        versions.append(json.loads(got[0]["Body"])["SignatureVersion"])
    assert versions == ["1", "2"]


def test_topic_attributes_are_aws_defaults_until_set(sns):
    arn = sns.create_topic(Name=_name())["TopicArn"]
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert "DeliveryPolicy" not in attributes and "SignatureVersion" not in attributes
    effective = json.loads(attributes["EffectiveDeliveryPolicy"])
    assert effective["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    assert effective["http"]["defaultRequestPolicy"] == {"headerContentType": "text/plain; charset=UTF-8"}
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SignatureVersion"] == "2"


def test_a_subscription_names_its_principal(cloud, sns, topic):
    sqs = cloud.client("sqs")
    queue = sqs.create_queue(QueueName=_name("q"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True)
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])["Attributes"]
    assert attributes["SubscriptionPrincipal"] == cloud.client("sts").get_caller_identity()["Arn"]


def test_raw_delivery_to_sqs_keeps_binary_message_attributes(cloud, sns):
    sqs = cloud.client("sqs")
    arn = sns.create_topic(Name=_name())["TopicArn"]
    queue = sqs.create_queue(QueueName=_name("q"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    allow_queue(sqs, queue, "sns.amazonaws.com", arn)  # SNS delivers under the queue's policy
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=arn, Message="text", MessageAttributes={
        "text": {"DataType": "String", "StringValue": "v"},
        "bytes": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"}})
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=10, MessageAttributeNames=["All"])["Messages"]
    assert got[0]["Body"] == "text"
    assert got[0]["MessageAttributes"]["bytes"] == {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"}
    assert got[0]["MessageAttributes"]["text"]["StringValue"] == "v"
