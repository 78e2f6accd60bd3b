"""moto.sns: deliveries leave Publish (a worker sends them); new subscriptions confirm as AWS's do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("sns")


@PATCHES.replace("moto.sns.models:Subscription.publish",
                 signature="(self, message, message_id, subject=None, message_attributes=None, group_id=None, "
                           "deduplication_id=None, message_structure=None)")
def publish(self: Any, *args: Any, **kwargs: Any) -> None:
    """moto POSTs to HTTP endpoints and writes to queues inside Publish; AWS delivers asynchronously with
    retries (events/sns_delivery.py)."""
    from localcloud.events import sns_delivery

    sns_delivery.publish(self, *args, **kwargs)


@PATCHES.wrap("moto.sns.models:SNSBackend.subscribe", signature="(self, topic_arn, endpoint, protocol)")
def subscribe(original: Callable[..., Any], self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
    """A new HTTP(S) subscription gets its SubscriptionConfirmation, as on AWS (events/sns_delivery.py)."""
    from localcloud.events import sns_delivery

    existing = self._find_subscription(topic_arn, endpoint, protocol)
    subscription = original(self, topic_arn, endpoint, protocol)
    if existing is None:
        sns_delivery.confirm(subscription)
    return subscription


# AWS's EffectiveDeliveryPolicy of a topic with no DeliveryPolicy (GetTopicAttributes; "Amazon SNS message
# delivery retries", the default HTTP/S delivery policy): moto's lacked the "http" key and carried
# sicklyRetryPolicy/throttlePolicy/guaranteed nulls that AWS does not send.
PATCHES.value("moto.sns.models:DEFAULT_EFFECTIVE_DELIVERY_POLICY", {
    "http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"},
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    },
}, was="dict", why="AWS's default EffectiveDeliveryPolicy")


@PATCHES.wrap("moto.sns.responses:SNSResponse.get_topic_attributes", signature="(self)")
def get_topic_attributes(original: Callable[..., Any], self: Any) -> Any:
    """GetTopicAttributes as AWS answers it: DeliveryPolicy only once one is set (moto: always, empty), and
    SignatureVersion once the topic has one (moto never returned it)."""
    answer = original(self)
    attributes = answer.result["Attributes"]
    if not attributes.get("DeliveryPolicy"):
        attributes.pop("DeliveryPolicy", None)
    topic = self.backend.get_topic(self._get_param("TopicArn"))
    if getattr(topic, "signature_version", None):
        attributes["SignatureVersion"] = str(topic.signature_version)
    return answer


@PATCHES.wrap("moto.sns.responses:SNSResponse.subscribe", signature="(self)")
def subscribe_naming_the_principal(original: Callable[..., Any], self: Any) -> Any:
    """A subscription records who made it: GetSubscriptionAttributes' SubscriptionPrincipal, the caller's
    ARN (API_GetSubscriptionAttributes), as this cloud's STS names the caller."""
    from moto.sts.models import sts_backends

    answer = original(self)
    subscription = self.backend.subscriptions.get(answer.result["SubscriptionArn"])
    if subscription is not None and "SubscriptionPrincipal" not in subscription.attributes:
        _, arn, _ = sts_backends[self.current_account]["global"].get_caller_identity(self.get_access_key(),
                                                                                     self.region)
        subscription.attributes["SubscriptionPrincipal"] = arn
    return answer
