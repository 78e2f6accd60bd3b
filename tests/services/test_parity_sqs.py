"""SQS behaves as AWS documents it (SQS API reference; SQS Developer Guide, FIFO queues)."""

from __future__ import annotations

import time
import uuid

import pytest
from botocore.exceptions import ClientError
from localcloud.testing import wait_for


def _name(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _code(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


# -- SendMessage input rules (API_SendMessage) ------------------------------------------------------------
def test_send_message_with_an_empty_body_is_a_missing_parameter(cloud):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=_name())["QueueUrl"]
    with pytest.raises(ClientError) as error:
        sqs.send_message(QueueUrl=url, MessageBody="")
    assert _code(error) == "MissingParameter"
    assert "MessageBody" in error.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as error:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": ""}])
    assert _code(error) == "MissingParameter"


def test_send_message_body_outside_the_allowed_unicode_ranges_is_invalid_contents(cloud):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=_name())["QueueUrl"]
    with pytest.raises(ClientError) as error:
        sqs.send_message(QueueUrl=url, MessageBody="bell \x07 character")
    assert _code(error) == "InvalidMessageContents"
    assert sqs.send_message(QueueUrl=url, MessageBody="tab\t cr\r lf\n and \U0001F600")["MessageId"]


@pytest.mark.parametrize("parameter", ["MessageDeduplicationId", "MessageGroupId"])
@pytest.mark.parametrize("value", ["with space", "x" * 129, "é-accented"])
def test_fifo_message_ids_allow_only_128_alphanumeric_and_punctuation_characters(cloud, parameter, value):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=_name() + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    params = {"MessageDeduplicationId": "d-1", "MessageGroupId": "g-1", parameter: value}
    with pytest.raises(ClientError) as error:
        sqs.send_message(QueueUrl=url, MessageBody="m", **params)
    assert _code(error) == "InvalidParameterValue"
    assert f"parameter {parameter} is invalid" in error.value.response["Error"]["Message"]
    params[parameter] = "!#$%&'()*+,-./:;<=>?@[]^_`{|}~" + "a" * 98  # 128, punctuation allowed
    assert sqs.send_message(QueueUrl=url, MessageBody="m", **params)["MessageId"]


@pytest.mark.parametrize("data_type", ["String", "Number", "String.custom"])
def test_a_string_or_number_message_attribute_needs_a_non_empty_value(cloud, data_type):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=_name())["QueueUrl"]
    with pytest.raises(ClientError) as error:
        sqs.send_message(QueueUrl=url, MessageBody="m",
                         MessageAttributes={"Detail": {"DataType": data_type, "StringValue": ""}})
    assert _code(error) == "InvalidParameterValue"
    assert "'Detail' must contain a non-empty value" in error.value.response["Error"]["Message"]


@pytest.mark.parametrize("entry_id", ["", "has:colon", "a" * 81])
def test_batch_entry_ids_are_alphanumeric_hyphen_underscore_up_to_80(cloud, entry_id):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=_name())["QueueUrl"]
    calls = [
        lambda: sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": entry_id, "MessageBody": "m"}]),
        lambda: sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": entry_id, "ReceiptHandle": "r"}]),
        lambda: sqs.change_message_visibility_batch(
            QueueUrl=url, Entries=[{"Id": entry_id, "ReceiptHandle": "r", "VisibilityTimeout": 1}]),
    ]
    for call in calls:
        with pytest.raises(ClientError) as error:
            call()
        assert _code(error) == "AWS.SimpleQueueService.InvalidBatchEntryId"
    assert sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "ok_id-" + "a" * 74, "MessageBody": "m"}])[
        "Successful"]


# -- CreateQueue / SetQueueAttributes (API_CreateQueue, API_SetQueueAttributes) ----------------------------
def test_a_standard_queue_name_cannot_end_in_fifo_and_a_fifo_queue_name_must(cloud):
    sqs = cloud.client("sqs")
    with pytest.raises(ClientError) as error:
        sqs.create_queue(QueueName=_name() + ".fifo")
    assert _code(error) == "InvalidParameterValue"
    with pytest.raises(ClientError) as error:
        sqs.create_queue(QueueName=_name() + ".fifo", Attributes={"FifoQueue": "false"})
    assert _code(error) == "InvalidParameterValue"
    with pytest.raises(ClientError) as error:
        sqs.create_queue(QueueName=_name(), Attributes={"FifoQueue": "true"})
    assert _code(error) == "InvalidParameterValue"


@pytest.mark.parametrize("attribute", ["ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
                                       "FifoQueue"])
def test_fifo_only_attributes_are_unknown_on_a_standard_queue(cloud, attribute):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=_name())["QueueUrl"]
    value = {"DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"}.get(attribute, "true")
    with pytest.raises(ClientError) as error:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={attribute: value})
    assert _code(error) == "InvalidAttributeName"
    assert error.value.response["Error"]["Message"] == f"Unknown Attribute {attribute}."


def test_the_queue_type_cannot_be_changed(cloud):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=_name() + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})  # no change: accepted
    with pytest.raises(ClientError) as error:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"})
    assert _code(error) == "InvalidAttributeValue"


@pytest.mark.parametrize("attribute,bad,good", [
    ("DelaySeconds", "901", "900"), ("MaximumMessageSize", "1023", "1048576"),
    ("MessageRetentionPeriod", "59", "1209600"), ("ReceiveMessageWaitTimeSeconds", "21", "20"),
    ("VisibilityTimeout", "43201", "0"), ("VisibilityTimeout", "soon", "30"),
])
def test_numeric_queue_attributes_stay_within_their_documented_ranges(cloud, attribute, bad, good):
    sqs = cloud.client("sqs")
    with pytest.raises(ClientError) as error:
        sqs.create_queue(QueueName=_name(), Attributes={attribute: bad})
    assert _code(error) == "InvalidAttributeValue"
    url = sqs.create_queue(QueueName=_name(), Attributes={attribute: good})["QueueUrl"]
    with pytest.raises(ClientError) as error:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={attribute: bad})
    assert _code(error) == "InvalidAttributeValue"


def test_unknown_queue_attribute_names_are_refused(cloud):
    sqs = cloud.client("sqs")
    with pytest.raises(ClientError) as error:
        sqs.create_queue(QueueName=_name(), Attributes={"QueueArn": "arn:aws:sqs:us-east-1:1:x"})
    assert _code(error) == "InvalidAttributeName"


# -- FIFO delivery (SQS Developer Guide: FIFO queue delivery logic, message deduplication) ------------------
def _fifo(sqs, **attributes):
    return sqs.create_queue(QueueName=_name() + ".fifo",
                            Attributes={"FifoQueue": "true", **attributes})["QueueUrl"]


def test_fifo_group_keeps_its_order_after_a_visibility_timeout(cloud):
    sqs = cloud.client("sqs")
    url = _fifo(sqs, VisibilityTimeout="1")
    for index in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{index}", MessageGroupId="g", MessageDeduplicationId=str(index))
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in first] == ["m0", "m1", "m2"]
    again = wait_for(lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"),
                     timeout=10, what="the group's messages visible again")
    assert [m["Body"] for m in again] == ["m0", "m1", "m2"]


def test_fifo_group_is_free_once_its_in_flight_message_is_made_visible(cloud):
    sqs = cloud.client("sqs")
    url = _fifo(sqs, VisibilityTimeout="60")
    for index in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{index}", MessageGroupId="g", MessageDeduplicationId=str(index))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None  # the group is locked while in flight
    for message in received:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["m0", "m1"]


def test_fifo_deduplication_lasts_the_interval_even_after_the_message_is_deleted(cloud):
    sqs = cloud.client("sqs")
    url = _fifo(sqs, ContentBasedDeduplication="true")
    sqs.send_message(QueueUrl=url, MessageBody="once", MessageGroupId="g")
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sqs.send_message(QueueUrl=url, MessageBody="once", MessageGroupId="g")["MessageId"]  # accepted
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None  # not delivered


def test_fifo_deduplication_scope_message_group_deduplicates_within_a_group_only(cloud):
    sqs = cloud.client("sqs")
    url = _fifo(sqs, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g1", MessageDeduplicationId="same")
    sqs.send_message(QueueUrl=url, MessageBody="b", MessageGroupId="g2", MessageDeduplicationId="same")
    sqs.send_message(QueueUrl=url, MessageBody="c", MessageGroupId="g1", MessageDeduplicationId="same")
    bodies = sorted(m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"])
    assert bodies == ["a", "b"]


def test_purge_queue_forgets_fifo_deduplication(cloud):
    sqs = cloud.client("sqs")
    url = _fifo(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="d")
    sqs.purge_queue(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="d")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["a"]


def test_fifo_queues_apply_the_queue_delay_even_when_a_message_says_zero(cloud):
    sqs = cloud.client("sqs")
    url = _fifo(sqs, DelaySeconds="2", ContentBasedDeduplication="true")
    sent = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody="late", MessageGroupId="g", DelaySeconds=0)
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None
    wait_for(lambda: sqs.receive_message(QueueUrl=url).get("Messages"), timeout=10, what="the delayed message")
    assert time.monotonic() - sent >= 1.5


# -- errors and the query protocol (SQS API reference: Common Errors; "Making query API requests") -------------
def _signed(method: str, url: str, *, query_auth: bool = False, data: dict | None = None):
    import requests
    from botocore.auth import SigV4Auth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers = {"Content-Type": "application/x-www-form-urlencoded"} if data else {}
    request = AWSRequest(method, url, data=data, headers=headers)
    (SigV4QueryAuth if query_auth else SigV4Auth)(Credentials("test", "test"), "sqs", "us-east-1").add_auth(request)
    return requests.request(method, request.url, data=request.body, headers=dict(request.headers), timeout=10)


def test_json_errors_carry_the_json_name_and_the_legacy_query_code(cloud):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=_name())["QueueUrl"]
    with pytest.raises(ClientError) as error:
        sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes={"a": {"DataType": "String",
                                                                                  "StringValue": ""}})
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert error.value.response["Error"]["QueryErrorCode"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as error:
        sqs.send_message(QueueUrl=url, MessageBody="")
    assert error.value.response["Error"]["QueryErrorCode"] == "MissingRequiredParameterException"


def test_query_errors_have_type_code_message_and_detail_only(cloud):
    url = cloud.client("sqs").create_queue(QueueName=_name())["QueueUrl"]
    answer = _signed("POST", cloud.endpoint + "/", data={
        "Action": "DeleteMessageBatch", "Version": "2012-11-05", "QueueUrl": url,
        "DeleteMessageBatchRequestEntry.1.Id": "bad:id", "DeleteMessageBatchRequestEntry.1.ReceiptHandle": "r"})
    assert answer.status_code == 400
    assert "<Code>AWS.SimpleQueueService.InvalidBatchEntryId</Code>" in answer.text
    assert "<Detail/>" in answer.text and "<message>" not in answer.text


@pytest.mark.parametrize("query_auth", [False, True], ids=["header-signed", "query-signed"])
def test_a_query_api_get_on_a_queue_url_is_answered_in_xml(cloud, query_auth):
    url = cloud.client("sqs").create_queue(QueueName=_name() + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    answer = _signed("GET", url + "?Action=GetQueueAttributes&AttributeName.1=All", query_auth=query_auth)
    assert answer.status_code == 200, answer.text
    assert answer.text.startswith("<GetQueueAttributesResponse")
    assert "<Name>FifoQueue</Name><Value>true</Value>" in answer.text
    import re

    created = re.search(r"<Name>CreatedTimestamp</Name><Value>([^<]+)</Value>", answer.text).group(1)
    assert created.isdigit()  # whole epoch seconds, as in the JSON protocol


def test_fifo_messages_get_increasing_sequence_numbers(cloud):
    sqs = cloud.client("sqs")
    url = _fifo(sqs, ContentBasedDeduplication="true")
    numbers = [int(sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g")["SequenceNumber"])
               for i in range(3)]
    assert numbers == sorted(set(numbers))
    batch = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "b1", "MessageGroupId": "g"}])
    assert int(batch["Successful"][0]["SequenceNumber"]) > numbers[-1]
    assert "Failed" not in batch  # an empty Failed list is left out


def test_send_message_answers_with_the_md5_of_its_system_attributes(cloud):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=_name())["QueueUrl"]
    system = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}}
    one = sqs.send_message(QueueUrl=url, MessageBody="m", MessageSystemAttributes=system)
    batch = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "m",
                                                           "MessageSystemAttributes": system}])
    assert len(one["MD5OfMessageSystemAttributes"]) == 32
    assert batch["Successful"][0]["MD5OfMessageSystemAttributes"] == one["MD5OfMessageSystemAttributes"]
    assert "MD5OfMessageAttributes" not in one  # system attributes are not message attributes


def test_create_queue_again_with_another_value_names_the_attribute(cloud):
    sqs = cloud.client("sqs")
    name = _name()
    sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]  # same: fine
    with pytest.raises(ClientError) as error:
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "31"})
    assert error.value.response["Error"]["Code"] == "QueueAlreadyExists"
    assert error.value.response["Error"]["Message"].endswith("different value for attribute VisibilityTimeout")


@pytest.mark.parametrize("action", ["CreateQueue", "ListQueues"])
def test_service_actions_sent_to_a_queue_url_are_invalid_actions(cloud, action):
    url = cloud.client("sqs").create_queue(QueueName=_name())["QueueUrl"]
    answer = _signed("GET", url + f"?Action={action}&QueueName={_name()}")
    assert answer.status_code == 400
    assert "<Code>InvalidAction</Code>" in answer.text
    assert f"The action {action} is not valid for this endpoint" in answer.text
    assert _signed("GET", cloud.endpoint + "/?Action=ListQueues").status_code == 200  # the service's own URL


def test_a_fifo_batch_entry_without_a_group_fails_the_whole_batch(cloud):
    sqs = cloud.client("sqs")
    url = _fifo(sqs, ContentBasedDeduplication="true")
    with pytest.raises(ClientError) as error:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "m", "MessageGroupId": "g"},
                                                      {"Id": "b", "MessageBody": "m"}])
    assert _code(error) == "InvalidParameterValue"
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None  # nothing of the batch was sent


def test_add_permission_writes_a_2008_10_17_policy_and_remove_names_a_missing_label(cloud):
    import json

    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=_name())["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="one", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Version"] == "2008-10-17" and policy["Statement"][0]["Sid"] == "one"
    with pytest.raises(ClientError) as error:
        sqs.remove_permission(QueueUrl=url, Label="two")
    assert error.value.response["Error"]["Message"].endswith("Reason: can't find label.")


@pytest.mark.parametrize("extended,expected", [(2, ["m0", "m1"]), (0, [])])
def test_fifo_messages_before_an_in_flight_one_of_their_group_are_received_again(cloud, extended, expected):
    sqs = cloud.client("sqs")
    url = _fifo(sqs, VisibilityTimeout="60")
    for index in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{index}", MessageGroupId="g", MessageDeduplicationId=str(index))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    for index, message in enumerate(received):
        if index != extended:  # the others' visibility ends now; the extended one stays in flight
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in again] == expected


# -- Queue URLs name their region (SQS Developer Guide, "Queue and message identifiers":
#    https://sqs.<region>.amazonaws.com/<account>/<name>) ---------------------------------------------------
def test_a_queue_of_one_name_in_two_regions_has_two_urls_each_addressing_its_own_queue(cloud):
    from urllib.parse import urlparse

    import boto3
    from botocore.config import Config

    def client(region: str):
        return boto3.client("sqs", endpoint_url=cloud.endpoint, region_name=region, aws_access_key_id="test",
                            aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))

    east, west = client("us-east-1"), client("eu-west-1")
    name = _name()
    east_url = east.create_queue(QueueName=name)["QueueUrl"]
    west_url = west.create_queue(QueueName=name)["QueueUrl"]
    assert east_url != west_url
    assert "eu-west-1" in urlparse(west_url).netloc
    # Terraform's provider accepts a queue URL only with the path /<account>/<name>.
    assert [len(urlparse(u).path.split("/")) for u in (east_url, west_url)] == [3, 3]
    assert east.get_queue_url(QueueName=name)["QueueUrl"] == east_url
    assert west.get_queue_url(QueueName=name)["QueueUrl"] == west_url
    assert west_url in west.list_queues(QueueNamePrefix=name)["QueueUrls"]
    assert west_url not in east.list_queues(QueueNamePrefix=name).get("QueueUrls", [])
    west.send_message(QueueUrl=west_url, MessageBody="for the west")
    assert east.receive_message(QueueUrl=east_url, WaitTimeSeconds=0).get("Messages", []) == []
    got = west.receive_message(QueueUrl=west_url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == ["for the west"]
