"""SQS queues -> messages, peeked without consuming them; dead-letter queues highlighted.

A ReceiveMessage would count as a receive (ApproximateReceiveCount, maxReceiveCount towards the DLQ) and
hide the message from consumers for the visibility timeout, so the peek reads moto's queue in process.
"""

from __future__ import annotations

import json
import time
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError

ATTRIBUTES = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "QueueArn", "RedrivePolicy",
              "VisibilityTimeout", "FifoQueue")


def queues(ctx: ConsoleContext, search: str = "") -> dict[str, Any]:
    client = ctx.client("sqs")
    urls = [u for page in client.get_paginator("list_queues").paginate() for u in page.get("QueueUrls", [])]
    found = []
    for url in urls:
        name = url.rsplit("/", 1)[-1]
        if search.lower() not in name.lower():
            continue
        attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=list(ATTRIBUTES)).get("Attributes", {})
        redrive = json.loads(attributes.get("RedrivePolicy") or "{}")
        found.append({"name": name, "url": url, "arn": attributes.get("QueueArn"),
                      "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
                      "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                      "dead_letter_target": redrive.get("deadLetterTargetArn"),
                      "max_receive_count": redrive.get("maxReceiveCount")})
    dlqs = {q["dead_letter_target"] for q in found if q["dead_letter_target"]}
    for queue in found:
        queue["is_dead_letter_queue"] = queue["arn"] in dlqs or queue["name"].lower().endswith(("dlq", "-dead-letter"))
    return {"items": found}


def _queue(ctx: ConsoleContext, name: str) -> Any:
    from localcloud.moto_adapter import sqs_backends

    backend = sqs_backends[ctx.settings.account_id][ctx.region]
    queue = backend.queues.get(name)
    if queue is None:
        raise HttpError(404, f"there is no SQS queue named {name!r} in {ctx.region}")
    return queue


def peek(ctx: ConsoleContext, name: str, offset: int = 0, size: int = 50) -> dict[str, Any]:
    queue = _queue(ctx, name)
    with queue._messages_lock:
        messages = list(queue._messages)
    now = time.time()
    page = messages[offset:offset + size]
    items = [{"message_id": m.id, "body": m.body[:4000], "sent": (m.sent_timestamp or 0) / 1000,
              "receive_count": m.approximate_receive_count,
              "state": "delayed" if m.delayed_until > now else ("in flight" if m.visible_at > now else "visible"),
              "attributes": {k: v.get("string_value") or v.get("StringValue") for k, v in
                             (m.message_attributes or {}).items() if isinstance(v, dict)}} for m in page]
    return {"queue": name, "total": len(messages), "offset": offset, "items": items,
            "next": offset + size if offset + size < len(messages) else None}
