"""SNS deliveries: SQS in-process at publish, Lambda / HTTP(S) / e-mail from background workers.

https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html (the Notification and
SubscriptionConfirmation documents, x-amz-sns-* headers), .../sns-large-payload-raw-message-delivery.html,
.../sns-message-filtering.html (moto's FilterPolicyMatcher: MessageAttributes and MessageBody scopes),
.../sns-lambda-as-subscriber.html (the Lambda event, invoked asynchronously).

Confirmation, decided for a local cloud: HTTP(S) endpoints get AWS's SubscriptionConfirmation POST
(with a SubscribeURL that works against the local cloud) and e-mail addresses a confirmation mail in the
mailbox, but every subscription is confirmed at once (moto's PendingConfirmation false), so a pipeline
works without a person clicking a link; the mail and the POST show what AWS would have asked for.

Lambda, HTTP(S) and e-mail deliveries are in the outbox (localcloud.state.outbox) from Publish until
they end, so a restart or a crash does not lose them; SQS deliveries are written at Publish itself.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from localcloud.clock import clock
from localcloud.events import mailbox, trace
from localcloud.host import find
from localcloud.state.outbox import outbox

log = logging.getLogger("localcloud.events.sns")

OUTBOX_KIND = "sns-delivery"


class SnsWorkers:
    """The app's SNS delivery threads and the URL its documents point back to (Subscribe/UnsubscribeURL).
    Installed by events/plane.py as host.subsystems["sns-delivery"]; the pool runs between start and stop."""

    def __init__(self, settings: Any) -> None:
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
        self.endpoint_url = f"http://{host}:{settings.port}"
        self.settings = settings
        self.pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sns-delivery")
        outbox.register(OUTBOX_KIND, _resume)

    def stop(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _workers() -> SnsWorkers | None:
    return find("sns-delivery")


def _pool() -> ThreadPoolExecutor | None:
    workers = _workers()
    return workers.pool if workers is not None else None


def _endpoint_url() -> str:
    workers = _workers()
    return workers.endpoint_url if workers is not None else "http://127.0.0.1:4566"


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@lru_cache(maxsize=1)
def _signer() -> tuple[Any, str]:
    """One key and certificate per process (AWS rotates them rarely); moto serves the certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from localcloud.moto_adapter import DEFAULT_ACCOUNT_ID, sns_backends

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now.replace(year=now.year + 1)).sign(key, hashes.SHA256()))
    key_name = f"SimpleNotificationService-{uuid.uuid4().hex}.pem"
    sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]._message_public_keys[key_name] = cert.public_bytes(
        serialization.Encoding.PEM)
    return key, key_name


def signature_version(topic: Any) -> str:
    """The topic's SignatureVersion attribute: "1" (SHA1, AWS's default) unless set to "2" (SHA256)
    ("Verifying the signatures of Amazon SNS messages", SNS Developer Guide)."""
    return str(getattr(topic, "signature_version", None) or "1")


def _sign(document: dict[str, Any], fields: list[str], version: str = "1") -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key, key_name = _signer()
    text = "".join(f"{f}\n{document[f]}\n" for f in fields if f in document)
    digest = hashes.SHA256() if version == "2" else hashes.SHA1()
    document["SignatureVersion"] = "2" if version == "2" else "1"
    document["Signature"] = base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), digest)).decode()
    region = document["TopicArn"].split(":")[3]
    document["SigningCertURL"] = f"https://sns.{region}.amazonaws.com/{key_name}"


def envelope(sub: Any, message: str, message_id: str, subject: str | None,
             attributes: dict[str, Any] | None) -> dict[str, Any]:
    document: dict[str, Any] = {"Type": "Notification", "MessageId": message_id, "TopicArn": sub.topic.arn}
    if subject:
        document["Subject"] = subject
    document.update({"Message": message, "Timestamp": _timestamp()})
    _sign(document, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"], signature_version(sub.topic))
    document["UnsubscribeURL"] = f"{_endpoint_url()}/?Action=Unsubscribe&SubscriptionArn={sub.arn}"
    if attributes:
        document["MessageAttributes"] = {k: {"Type": v["Type"], "Value": v["Value"]} for k, v in attributes.items()}
    return document


def publish(sub: Any, message: str, message_id: str, subject: str | None = None,
            message_attributes: dict[str, Any] | None = None, group_id: str | None = None,
            deduplication_id: str | None = None, message_structure: str | None = None) -> None:
    """Replaces moto's Subscription.publish: filter, then deliver by protocol without blocking Publish."""
    source = f"sns:{sub.topic.arn}"
    if sub._filter_policy_matcher is not None and not sub._filter_policy_matcher.matches(message_attributes, message):
        trace.record(source, sub.endpoint, "filtered", detail="the subscription's filter policy did not match")
        return
    if message_structure == "json":
        message = sub._parse_message_structure(message, sub.protocol)
    raw = str(sub.attributes.get("RawMessageDelivery", "false")).lower() == "true"
    if sub.protocol == "sqs":
        _to_sqs(sub, message, message_id, subject, message_attributes, group_id, deduplication_id, raw)
        return
    document = envelope(sub, message, message_id, subject, message_attributes)
    saved = {"arn": sub.arn, "protocol": sub.protocol, "endpoint": sub.endpoint, "topic_arn": sub.topic.arn,
             "document": document, "raw": raw}
    item_id = outbox.add(OUTBOX_KIND, saved)
    pool = _pool()
    if pool is None:
        log.warning("SNS delivery to %s waits: the delivery workers are not running yet", sub.endpoint)
        return  # it stays in the outbox and is delivered after the next start
    pool.submit(_deliver_saved, item_id, saved)


def _deliver_saved(item_id: str, saved: dict[str, Any]) -> None:
    if _pool() is None:
        return  # stopping: it stays in the outbox, saved
    sub = SimpleNamespace(arn=saved["arn"], protocol=saved["protocol"], endpoint=saved["endpoint"],
                          topic=SimpleNamespace(arn=saved["topic_arn"]))
    _deliver_async(sub, saved["document"], saved["raw"])
    outbox.done(OUTBOX_KIND, item_id)


def _resume(item_id: str, saved: dict[str, Any]) -> None:
    pool = _pool()
    if pool is not None:
        pool.submit(_deliver_saved, item_id, saved)


def _to_sqs(sub: Any, message: str, message_id: str, subject: str | None, attributes: dict[str, Any] | None,
            group_id: str | None, deduplication_id: str | None, raw: bool) -> None:
    if raw:
        body = message
        sqs_attributes = {}
        for key, value in (attributes or {}).items():
            kind = "BinaryValue" if value["Type"].startswith("Binary") else "StringValue"
            sqs_attributes[key] = {"DataType": value["Type"], kind: str(value["Value"])}
    else:
        body = json.dumps(envelope(sub, message, message_id, subject, attributes))
        sqs_attributes = {}
    from localcloud.events.targets import DeliveryContext, TargetError, deliver

    if not _may_deliver(sub, "sqs:SendMessage"):
        return
    context = DeliveryContext(source=f"sns:{sub.topic.arn}", message_attributes=sqs_attributes,
                              message_group_id=group_id, deduplication_id=deduplication_id)
    try:
        deliver(sub.endpoint, body, context)
    except TargetError:
        pass  # queue deleted: AWS drops it (or sends to the subscription's DLQ); deliver() traced it


def _may_deliver(sub: Any, action: str) -> bool:
    """SNS delivers to a queue or a function as sns.amazonaws.com, under the endpoint's resource policy with
    aws:SourceArn = the topic (sns-sqs-as-subscriber.html, sns-lambda-as-subscriber.html). When it does not
    allow, AWS drops the message (no retry can help); the trace says so with the IAM line."""
    from localcloud.events.policies import target_exists
    from localcloud.iam.delivery import service_principal

    if not target_exists(sub.endpoint):
        return True  # deleted after subscribing: the delivery layer drops it as not found
    topic = sub.topic.arn
    parts = topic.split(":")
    denied = service_principal("sns.amazonaws.com", action, sub.endpoint, source_arn=topic, source_account=parts[4],
                               region=parts[3], operation=f"SNS {topic} -> {sub.protocol} subscription {sub.arn}")
    if denied:
        trace.record(f"sns:{topic}", sub.endpoint, "dropped", detail=denied)
        return False
    return True


def _deliver_async(sub: Any, document: dict[str, Any], raw: bool) -> None:
    source = f"sns:{sub.topic.arn}"
    started = time.perf_counter()
    attempts, result, detail = 1, "ok", ""
    try:
        if sub.protocol == "lambda":
            from localcloud.events.targets import DeliveryContext, TargetError, deliver

            if not _may_deliver(sub, "lambda:InvokeFunction"):
                return
            try:
                deliver(sub.endpoint, json.dumps(lambda_event(sub, document)), DeliveryContext(source=source))
            except TargetError:
                pass  # a function deleted after subscribing: AWS drops the message too
            return  # deliver() traced it
        if sub.protocol in ("http", "https"):
            attempts, result, detail = _post(sub, document, "Notification", raw)
        elif sub.protocol == "email":
            mailbox.deliver(sub.endpoint, document.get("Subject") or "AWS Notification Message",
                            document["Message"] + _email_footer(document), topic_arn=sub.topic.arn)
        elif sub.protocol == "email-json":
            mailbox.deliver(sub.endpoint, document.get("Subject") or "AWS Notification Message",
                            json.dumps(document, indent=2), topic_arn=sub.topic.arn)
        else:
            result, detail = "dropped", f"localcloud does not deliver SNS protocol {sub.protocol!r}"
    except Exception as exc:
        result, detail = "error", f"{type(exc).__name__}: {exc}"
    trace.record(source, f"{sub.protocol}:{sub.endpoint}", result, attempts=attempts,
                 latency_ms=(time.perf_counter() - started) * 1000, detail=detail)


def lambda_event(sub: Any, document: dict[str, Any]) -> dict[str, Any]:
    sns = {k: v for k, v in document.items() if k not in ("SigningCertURL", "UnsubscribeURL")}
    sns.update({"SigningCertUrl": document["SigningCertURL"], "UnsubscribeUrl": document["UnsubscribeURL"],
                "MessageAttributes": document.get("MessageAttributes", {}), "Subject": document.get("Subject")})
    return {"Records": [{"EventVersion": "1.0", "EventSubscriptionArn": sub.arn, "EventSource": "aws:sns",
                         "Sns": sns}]}


def _email_footer(document: dict[str, Any]) -> str:
    return ("\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link "
            f"below to unsubscribe:\n{document['UnsubscribeURL']}\n")


def _post(sub: Any, document: dict[str, Any], kind: str, raw: bool) -> tuple[int, str, str]:
    """POST with AWS's headers; retried 3 times on the local clock (AWS's default HTTP delivery policy)."""
    import requests

    headers = {"Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": kind,
               "x-amz-sns-message-id": document["MessageId"], "x-amz-sns-topic-arn": sub.topic.arn,
               "User-Agent": "Amazon Simple Notification Service Agent"}
    if kind == "Notification":
        headers["x-amz-sns-subscription-arn"] = sub.arn
    if raw:
        headers["x-amz-sns-rawdelivery"] = "true"
    body = document["Message"] if raw and kind == "Notification" else json.dumps(document)
    detail = ""
    for attempt in range(1, 5):
        try:
            answer = requests.post(sub.endpoint, data=body.encode(), headers=headers, timeout=15)
            if answer.status_code < 500 and answer.status_code != 429:
                return attempt, ("ok" if answer.status_code < 400 else "error"), f"HTTP {answer.status_code}"
            detail = f"HTTP {answer.status_code}"
        except requests.RequestException as exc:
            detail = f"{type(exc).__name__}: {exc}"
        clock().sleep(20.0 * attempt)  # AWS: 3 immediate-ish retries then backoff; local clock
    return 4, "error", detail


def confirm(sub: Any) -> None:
    """What AWS sends on Subscribe to an HTTP(S) endpoint or e-mail address (see the module docstring)."""
    pool = _pool()
    if pool is None or sub.protocol not in ("http", "https", "email", "email-json"):
        return
    token = uuid.uuid4().hex * 2
    subscribe_url = f"{_endpoint_url()}/?Action=ConfirmSubscription&TopicArn={sub.topic.arn}&Token={token}"
    document: dict[str, Any] = {
        "Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()), "Token": token,
        "TopicArn": sub.topic.arn,
        "Message": f"You have chosen to subscribe to the topic {sub.topic.arn}.\n"
                   "To confirm the subscription, visit the SubscribeURL included in this message.",
        "SubscribeURL": subscribe_url, "Timestamp": _timestamp()}
    _sign(document, ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
          signature_version(sub.topic))
    if sub.protocol.startswith("http"):
        pool.submit(_post, sub, document, "SubscriptionConfirmation", False)
    else:
        mailbox.deliver(sub.endpoint, "AWS Notification - Subscription Confirmation",
                        f"You have chosen to subscribe to the topic:\n{sub.topic.arn}\n\n"
                        f"To confirm this subscription, click or visit the link below:\n{subscribe_url}\n\n"
                        "localcloud confirmed this subscription already; notifications are being delivered.",
                        topic_arn=sub.topic.arn, kind="confirmation")
