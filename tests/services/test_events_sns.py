"""SNS deliveries: SQS envelope and raw delivery, filter policies, Lambda, HTTP endpoints, the local mailbox.

https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html,
.../sns-large-payload-raw-message-delivery.html, .../sns-message-filtering.html,
.../sns-lambda-as-subscriber.html, .../sns-http-https-endpoint-as-subscriber.html.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

from support import allow_invoke, allow_queue, wait_for


def _topic_and_queue(cloud) -> tuple[str, str, str]:
    sns, sqs = cloud.client("sns"), cloud.client("sqs")
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    allow_queue(sqs, url, "sns.amazonaws.com", topic)  # SNS delivers under the queue's policy
    return topic, url, arn


def _receive(sqs, url: str) -> list[dict]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                               WaitTimeSeconds=0).get("Messages", [])


def test_sqs_gets_the_signed_notification_envelope(events_cloud):
    sns, sqs = events_cloud.client("sns"), events_cloud.client("sqs")
    topic, url, arn = _topic_and_queue(events_cloud)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    message_id = sns.publish(TopicArn=topic, Message="hello", Subject="greeting",
                             MessageAttributes={"kind": {"DataType": "String", "StringValue": "greet"}})["MessageId"]
    envelope = json.loads(wait_for(lambda: _receive(sqs, url), what="the notification")[0]["Body"])
    assert envelope["Type"] == "Notification" and envelope["MessageId"] == message_id
    assert envelope["TopicArn"] == topic and envelope["Subject"] == "greeting" and envelope["Message"] == "hello"
    assert envelope["Timestamp"].endswith("Z") and envelope["Signature"] and envelope["SignatureVersion"]
    assert envelope["SigningCertURL"].endswith(".pem") and "Action=Unsubscribe" in envelope["UnsubscribeURL"]
    assert envelope["MessageAttributes"] == {"kind": {"Type": "String", "Value": "greet"}}


def test_raw_delivery_and_filter_policies_on_attributes_and_body(events_cloud):
    sns, sqs = events_cloud.client("sns"), events_cloud.client("sqs")
    topic, raw_url, raw_arn = _topic_and_queue(events_cloud)
    body_url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    body_arn = sqs.get_queue_attributes(QueueUrl=body_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    allow_queue(sqs, body_url, "sns.amazonaws.com", topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn, Attributes={
        "RawMessageDelivery": "true", "FilterPolicy": json.dumps({"kind": ["order"]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=body_arn, Attributes={
        "FilterPolicyScope": "MessageBody", "FilterPolicy": json.dumps({"total": [{"numeric": [">", 100]}]})})
    order = {"kind": {"DataType": "String", "StringValue": "order"}}
    sns.publish(TopicArn=topic, Message=json.dumps({"total": 50}), MessageAttributes=order)
    sns.publish(TopicArn=topic, Message=json.dumps({"total": 500}),
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "refund"}})
    raw = wait_for(lambda: _receive(sqs, raw_url), what="the raw order message")
    assert [m["Body"] for m in raw] == ['{"total": 50}']  # raw: the message itself, not an envelope
    assert raw[0]["MessageAttributes"]["kind"]["StringValue"] == "order"
    by_body = wait_for(lambda: _receive(sqs, body_url), what="the large-total message")
    assert [json.loads(json.loads(m["Body"])["Message"])["total"] for m in by_body] == [500]
    # The other message of each subscription was filtered out, and the trace says so.
    for queue_arn in (raw_arn, body_arn):
        assert sorted(d["result"] for d in events_cloud.deliveries(queue_arn)) == ["filtered", "ok"]


def test_lambda_subscription_is_invoked_with_the_sns_event(events_cloud, recorder):
    sns, lam = events_cloud.client("sns"), events_cloud.client("lambda")
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    name = recorder.function()
    allow_invoke(lam, name, "sns.amazonaws.com", topic)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=lam.get_function(FunctionName=name)
                  ["Configuration"]["FunctionArn"])
    sns.publish(TopicArn=topic, Message="to lambda", Subject="s")
    record = wait_for(lambda: next((c["event"]["Records"][0] for c in recorder.calls()
                                    if c["event"]["Records"][0].get("EventSource") == "aws:sns"
                                    and c["event"]["Records"][0]["Sns"]["TopicArn"] == topic), None),
                      what="the SNS event")
    assert record["EventVersion"] == "1.0" and record["EventSubscriptionArn"].startswith(topic + ":")
    assert record["Sns"]["Message"] == "to lambda" and record["Sns"]["Subject"] == "s"
    assert record["Sns"]["Type"] == "Notification" and record["Sns"]["SigningCertUrl"] and record["Sns"]["UnsubscribeUrl"]


def test_http_endpoint_gets_confirmation_then_notifications_with_sns_headers(events_cloud):
    received: list[tuple[dict, dict]] = []

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sns = events_cloud.client("sns")
        topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"http://127.0.0.1:{server.server_port}/hook")
        wait_for(lambda: received, what="the SubscriptionConfirmation POST")
        sns.publish(TopicArn=topic, Message="ping")
        wait_for(lambda: len(received) >= 2, what="the Notification POST")
    finally:
        server.shutdown()
    (confirm_headers, confirm), (headers, notification) = received[:2]
    assert confirm_headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert confirm["Type"] == "SubscriptionConfirmation" and confirm["Token"] and "ConfirmSubscription" in confirm["SubscribeURL"]
    assert headers["x-amz-sns-message-type"] == "Notification" and headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-subscription-arn"].startswith(topic + ":")
    assert notification["Message"] == "ping" and notification["Type"] == "Notification"


def test_email_lands_in_the_mailbox_and_the_cli_shows_it(events_cloud):
    sns = events_cloud.client("sns")
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    address = f"{uuid.uuid4().hex[:6]}@example.com"
    subscription = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address, ReturnSubscriptionArn=True)
    assert sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])[
        "Attributes"]["PendingConfirmation"] == "false"  # confirmed at once (see events/sns_delivery.py)
    sns.publish(TopicArn=topic, Message="disk almost full", Subject="Disk")
    state = str(events_cloud.settings.state_dir)

    def mails() -> list[dict]:
        answer = events_cloud.cli("mailbox", "--json", "--state-dir", state)
        return [m for m in json.loads(answer.stdout or "[]") if m["to"] == address]

    found = wait_for(lambda: len(mails()) >= 2 and mails(), what="the confirmation and the notification mail")
    assert [m["kind"] for m in found] == ["confirmation", "notification"]
    assert found[0]["subject"] == "AWS Notification - Subscription Confirmation"
    assert found[1]["subject"] == "Disk" and found[1]["body"].startswith("disk almost full")
    listing = events_cloud.cli("mailbox", "--state-dir", state)
    assert listing.returncode == 0 and "Disk" in listing.stdout
    shown = events_cloud.cli("mailbox", "--state-dir", state, "show")
    assert shown.returncode == 0 and "Subject:" in shown.stdout
