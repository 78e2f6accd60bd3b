"""SQS where moto 5.2.5 differs from AWS in ways the Terraform provider waits on or diffs against.

- RedriveAllowPolicy: moto stores it but never returns it (and rejects it as an attribute name), so the
  provider's propagation waiter for aws_sqs_queue_redrive_allow_policy polls until its 2-minute timeout.
- SetQueueAttributes without `Policy` clears the stored policy in moto; AWS changes only the attributes
  given ("Sets the value of one or more queue attributes", API_SetQueueAttributes).
- CreatedTimestamp/LastModifiedTimestamp: AWS returns whole epoch seconds, moto a float.
- RedrivePolicy: moto re-serialises it with spaces after ':' and ','; AWS returns compact JSON (as in the
  API reference's examples), which is also what Terraform's jsonencode() writes, so the provider saw a
  "whitespace changes" diff on every plan.

Only the JSON protocol (what current SDKs and the provider's aws-sdk-go-v2 send) is patched; query
requests go to moto unchanged.
"""

from __future__ import annotations

import json

from localcloud.aws.registry import handles
from localcloud.moto_adapter import Queue, QueueDoesNotExist, sqs_backends
from localcloud.server.requests import AwsRequest

OURS = ("RedriveAllowPolicy",)


def _queue(request: AwsRequest, queue_url: str | None) -> Queue | None:
    if not queue_url:
        return None
    try:
        return sqs_backends[request.account_id][request.region].get_queue(queue_url.rstrip("/").split("/")[-1])
    except QueueDoesNotExist:
        return None


def _is_json(request: AwsRequest) -> bool:
    return request.header("x-amz-target") is not None


@handles("sqs", "GetQueueAttributes")
def get_queue_attributes(request: AwsRequest):
    if not _is_json(request):
        return None
    params = request.json()
    names = params.get("AttributeNames") or []
    wanted = [name for name in OURS if name in names or "All" in names]
    if any(name in names for name in OURS):
        params["AttributeNames"] = [name for name in names if name not in OURS]
    answer = request.to_moto(json.dumps(params).encode())
    if answer.status != 200:
        return answer.status, answer.headers, answer.body
    document = answer.json()
    attributes = document.setdefault("Attributes", {})
    for stamp in ("CreatedTimestamp", "LastModifiedTimestamp"):
        if stamp in attributes:
            attributes[stamp] = str(int(float(attributes[stamp])))
    if attributes.get("RedrivePolicy"):
        attributes["RedrivePolicy"] = json.dumps(json.loads(attributes["RedrivePolicy"]), separators=(",", ":"))
    queue = _queue(request, params.get("QueueUrl"))
    if queue is not None:
        for name in wanted:
            value = getattr(queue, "redrive_allow_policy", None) if name == "RedriveAllowPolicy" else None
            if value:
                attributes[name] = value
    if not attributes:
        document.pop("Attributes")
    body = json.dumps(document).encode()
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
    return 200, headers, body


@handles("sqs", "SetQueueAttributes")
def set_queue_attributes(request: AwsRequest):
    if not _is_json(request):
        return None
    params = request.json()
    queue = _queue(request, params.get("QueueUrl"))
    kept_policy = queue.policy if queue is not None else None
    answer = request.to_moto()
    if answer.status == 200 and queue is not None and "Policy" not in (params.get("Attributes") or {}):
        queue.policy = kept_policy
    return answer.status, answer.headers, answer.body
