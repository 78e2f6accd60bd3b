"""REST API `AWS` integrations to services other than Lambda: Kinesis, Step Functions, DynamoDB, EventBridge,
SNS, SQS... called on the local cloud's own endpoint as API Gateway calls the service.

The integration URI names the service and the call (https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegration.html):
  arn:aws:apigateway:{region}:{service}:action/{Action}   the service's API action; the mapping template
                                                           renders its JSON input (JSON protocols) or its
                                                           form parameters (query protocols)
  arn:aws:apigateway:{region}:{service}:path/{path}       a request to that path (SQS: path/{account}/{queue},
                                                           with a form body such as Action=SendMessage&...)
The integration's static header parameters ('...') are sent; the service's status selects the integration
response, as for HTTP integrations. The call is signed as the integration's `credentials` role (a session
minted through the local STS, localcloud.iam.sessions), so IAM evaluates it as that role, as API Gateway's
call is on AWS; without credentials it carries the local root keys (AWS refuses such an integration).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from functools import cache
from typing import Any

SERVICE_URI = re.compile(r"^arn:aws[a-z-]*:apigateway:(?P<region>[a-z0-9-]+):(?P<service>[a-z0-9.-]+):"
                         r"(?P<kind>action|path)/(?P<rest>.+)$")
BOTOCORE_NAME = {"states": "stepfunctions", "monitoring": "cloudwatch", "email": "ses", "execute-api": "apigateway"}

Response = tuple[int, list[tuple[str, str]], bytes]


def is_service_integration(uri: str | None) -> bool:
    found = SERVICE_URI.match(uri or "")
    return bool(found) and found.group("service") != "lambda"


@cache
def _metadata(service: str) -> dict[str, Any]:
    import botocore.session

    try:
        return botocore.session.get_session().get_service_model(BOTOCORE_NAME.get(service, service)).metadata
    except Exception:  # noqa: BLE001  an unknown service: a JSON call, named as given
        return {"protocol": "json", "signingName": service}


def _authorization(region: str, signing_name: str, access_key: str = "test") -> str:
    day = datetime.now(UTC).strftime("%Y%m%d")
    return (f"AWS4-HMAC-SHA256 Credential={access_key}/{day}/{region}/{signing_name}/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=0")


def build_request(endpoint: str, uri: str, body: bytes, headers: dict[str, str],
                  keys: tuple[str, str, str] | None = None) -> urllib.request.Request:
    found = SERVICE_URI.match(uri)
    region, service, kind, rest = found.group("region", "service", "kind", "rest")
    metadata = _metadata(service)
    signing = metadata.get("signingName") or metadata.get("endpointPrefix") or service
    sent = {"Authorization": _authorization(region, signing, keys[0] if keys else "test"),
            "X-Amz-Date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"), **headers}
    if keys:
        sent["X-Amz-Security-Token"] = keys[2]
    path = "/"
    if kind == "action":
        action = rest.split("?", 1)[0]
        if metadata.get("protocol") in ("json", "rest-json"):
            sent.setdefault("Content-Type", f"application/x-amz-json-{metadata.get('jsonVersion', '1.0')}")
            sent["X-Amz-Target"] = f"{metadata.get('targetPrefix', service)}.{action}"
        else:  # query: the template renders the form parameters
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            prefix = f"Action={action}&Version={metadata.get('apiVersion', '')}"
            body = (prefix + ("&" + body.decode() if body else "")).encode()
    else:
        path = "/" + rest
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    return urllib.request.Request(endpoint.rstrip("/") + path, data=body, method="POST", headers=sent)


def call(endpoint: str, uri: str, body: bytes, headers: dict[str, str],
         keys: tuple[str, str, str] | None = None) -> tuple[int, bytes]:
    request = build_request(endpoint, uri, body, headers, keys)
    try:
        with urllib.request.urlopen(request, timeout=29) as answer:  # API Gateway's 29 s integration limit
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def static_headers(request_parameters: dict[str, str] | None) -> dict[str, str]:
    """integration.request.header.X = "'value'" (a literal); mapped values from the request are not sent."""
    headers = {}
    for name, source in (request_parameters or {}).items():
        if name.startswith("integration.request.header.") and source.startswith("'") and source.endswith("'"):
            headers[name[len("integration.request.header."):]] = source[1:-1]
    return headers


def response_text(payload: bytes) -> str:
    text = payload.decode("utf-8", "replace")
    try:
        return json.dumps(json.loads(text))
    except ValueError:
        return text


def invoke(plane: Any, environ: dict[str, Any], matched: Any, path: str, body: bytes, request_id: str) -> Response:
    """One request through the method's integration: request template, the service call, the integration
    response its status selects."""
    from localcloud.aws.apigateway.data_plane import _integration_response, _pick_template
    from localcloud.aws.apigateway.templates import render

    integration = matched.method.method_integration
    values = plane._template_values(environ, matched, path, body, request_id)
    template = _pick_template(integration.request_templates, environ.get("CONTENT_TYPE", ""))
    payload = render(template, values).encode() if template is not None else body
    endpoint = plane.settings.endpoint.replace("0.0.0.0", "127.0.0.1")
    from localcloud.iam.sessions import role_keys

    keys = role_keys(integration.credentials, "apigateway-integration") if getattr(
        integration, "credentials", None) else None
    status, answer = call(endpoint, integration.uri, payload, static_headers(integration.request_parameters), keys)
    return _integration_response(integration, str(status), response_text(answer), status >= 400, values,
                                 request_id, by_status=True)
