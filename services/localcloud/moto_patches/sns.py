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
