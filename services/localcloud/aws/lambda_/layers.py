"""Layer versions as AWS describes them (API_PublishLayerVersion.html, GetLayerVersionResponse): Description is
always there ("" when none was given), CompatibleRuntimes as sent (an empty list stays), LicenseInfo only
when one was given (moto answered LicenseInfo "" and dropped an empty CompatibleRuntimes)."""

from __future__ import annotations

import json

from localcloud.aws.registry import Response, finishes
from localcloud.server.requests import AwsRequest

LAYER_VERSION_ANSWERS = ("PublishLayerVersion", "GetLayerVersion", "GetLayerVersionByArn")


@finishes("awslambda")
def finish(request: AwsRequest, response: Response) -> Response:
    if request.operation not in LAYER_VERSION_ANSWERS or response[0] >= 300 or not response[2]:
        return response
    try:
        document = json.loads(response[2])
    except ValueError:
        return response
    if not isinstance(document, dict):
        return response
    document.setdefault("Description", "")
    if not document.get("LicenseInfo"):
        document.pop("LicenseInfo", None)
    if request.operation == "PublishLayerVersion" and request.method == "POST":
        try:
            sent = request.json()
        except ValueError:
            sent = {}
        if isinstance(sent, dict) and isinstance(sent.get("CompatibleRuntimes"), list):
            document.setdefault("CompatibleRuntimes", sent["CompatibleRuntimes"])
    body = json.dumps(document).encode()
    headers = [(k, v) for k, v in response[1] if k.lower() != "content-length"]
    return response[0], [*headers, ("Content-Length", str(len(body)))], body
