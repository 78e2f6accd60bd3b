"""Secrets Manager's errors as AWS sends them: HTTP 400 and {"__type": ..., "Message": ...}.

AWS answers every client error of Secrets Manager with 400 (API reference, "Common Errors" and each
operation's Errors: "HTTP Status Code: 400"), and names the text `Message` (the member of every modelled
error shape in botocore's secretsmanager model, so SDKs expose it as a field of the exception). moto
answered ResourceNotFoundException with 404 and the text as `message`.
"""

from __future__ import annotations

import json

from localcloud.aws.registry import finishes
from localcloud.server.requests import AwsRequest


@finishes("secretsmanager")
def error_shape(request: AwsRequest, response):
    status, headers, body = response
    if not 400 <= status < 500 or not body.lstrip().startswith(b"{"):
        return response
    try:
        document = json.loads(body)
    except ValueError:
        return response
    if not isinstance(document, dict) or "__type" not in document:
        return response
    if "message" in document and "Message" not in document:
        document["Message"] = document.pop("message")
    encoded = json.dumps(document).encode()
    kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
    return 400, kept + [("Content-Length", str(len(encoded)))], encoded
