"""The one module of the fast path that reaches moto (through localcloud.moto_adapter): the request class moto's
responses read, the callables moto's Flask apps route each hot request to, and moto's request recorder.

Routing is by path only, exactly as moto's Flask apps route (their URL maps carry no host rules; see each
service's moto/<service>/urls.py): a path that would reach another callable is not ours (None), and goes
the normal way. Callables are looked up at call time, so a patch applied to moto's response classes
(localcloud.moto_patches) still applies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from localcloud import moto_adapter

# moto/s3/urls.py: "/<bucket>/<key...>" goes to S3Response.key_dispatch; "/<bucket>" and "/<bucket>/" to
# ambiguous_dispatch, "/" to bucket_dispatch (not hot: ours only when a key follows the bucket).
_S3_KEY_PATH = re.compile(r"^/[^/]+/.+")
_S3_BUCKET_PATH = re.compile(r"^/[^/]+/?$")
# moto/sqs/urls.py: "/" and "/<account id>/<queue name>" both go to SQSResponse.dispatch.
_SQS_PATH = re.compile(r"^/(\d+/[a-zA-Z0-9\-_.]+/?)?$")


class FastRequest(moto_adapter.MotoRequest):
    """moto's own Request, as its server builds it (BackendRequest), minus Flask's request mixin, whose
    members read the Flask app context this road does not create."""

    from_wsgi_server = True


def is_s3_bucket_path(path: str) -> bool:
    return bool(_S3_BUCKET_PATH.match(path))


def _s3(path: str) -> Callable[..., Any] | None:
    if _S3_KEY_PATH.match(path):
        return moto_adapter.S3Response.key_dispatch
    if _S3_BUCKET_PATH.match(path):  # path-style bucket: ambiguous_dispatch tells bucket from key by the Host
        return moto_adapter.S3Response.ambiguous_dispatch
    return None


def _dynamodb(path: str) -> Callable[..., Any] | None:
    if path != "/":
        return None
    return moto_adapter.DynamoHandler.dispatch


def _sqs(path: str) -> Callable[..., Any] | None:
    if not _SQS_PATH.match(path):
        return None
    return moto_adapter.SQSResponse.dispatch


def _kinesis(path: str) -> Callable[..., Any] | None:  # moto/kinesis/urls.py: "/" only
    if path != "/":
        return None
    return moto_adapter.KinesisResponse.dispatch


def _sns(path: str) -> Callable[..., Any] | None:  # moto/sns/urls.py: "/" (the rest serves signing certificates)
    if path != "/":
        return None
    return moto_adapter.SNSResponse.dispatch


def _secretsmanager(path: str) -> Callable[..., Any] | None:
    if path != "/":
        return None
    return moto_adapter.SecretsManagerResponse.dispatch


ROUTES: dict[str, Callable[[str], Callable[..., Any] | None]] = {
    "s3": _s3, "dynamodb": _dynamodb, "sqs": _sqs, "kinesis": _kinesis, "sns": _sns,
    "secretsmanager": _secretsmanager}


def callable_for(service: str, path: str) -> Callable[..., Any] | None:
    """What moto's Flask app for `service` would call for `path`, or None (another route, or not hot)."""
    route = ROUTES.get(service)
    return route(path) if route else None


def call(target: Callable[..., Any], request: FastRequest) -> Any:
    """Call `target` as moto's convert_to_flask_response does (moto/core/utils.py): the request, its raw
    URL, its headers; a ClientError is moto's 400 with the message as the body."""
    moto_adapter.request_recorder._record_request(request)
    try:
        return target(request, request.raw_url, dict(request.headers))
    except ClientError as exc:
        return 400, {}, exc.response["Error"]["Message"]
