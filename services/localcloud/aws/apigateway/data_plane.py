"""API Gateway REST APIs, invoked: route a request to its method's integration and shape the answer.

Served at {endpoint}/restapis/{api_id}/{stage}/_user_request_/{path} (LocalStack's form) and by Host
header {api_id}.execute-api.localhost.localstack.cloud:{port}/{stage}/{path}.
Integrations: AWS_PROXY (Lambda proxy; event and response formats from
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html),
AWS (Lambda, with simple mapping templates; other services in service_actions.py), MOCK, HTTP_PROXY.
Errors as API Gateway answers them:
403 {"message": "Missing Authentication Token"} for no such route, 502 {"message": "Internal server
error"} for a Lambda error or a malformed proxy response.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import time
import urllib.request
import uuid
from typing import Any
from urllib.parse import parse_qs

from localcloud.aws.apigateway import authorizers, service_actions
from localcloud.aws.apigateway.routing import NotRouted, Route, find_api, route
from localcloud.aws.apigateway.templates import TemplateContext, render
from localcloud.host import Host

log = logging.getLogger("localcloud.apigateway")

Response = tuple[int, list[tuple[str, str]], bytes]
USER_REQUEST = re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$")
HOST = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.(localhost\.localstack\.cloud|[a-z0-9-]+\.amazonaws\.com)"
                  r"(:\d+)?$")
FUNCTION_IN_URI = re.compile(r":lambda:path/[^/]+/functions/(?P<arn>.+?)/invocations")
PROXY_RESPONSE_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


def _json(status: int, document: Any, extra: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(document).encode()
    return status, [("Content-Type", "application/json"), *(extra or [])], body


def _forbidden(message: str) -> Response:
    kind = "MissingAuthenticationTokenException" if message.startswith("Missing") else "ForbiddenException"
    return _json(403, {"message": message}, [("x-amzn-ErrorType", kind)])


def _by_path(environ: dict[str, Any]) -> tuple[str, str, str] | None:
    found = USER_REQUEST.match(environ.get("PATH_INFO", ""))
    return (found.group("api"), found.group("stage"), found.group("path") or "/") if found else None


def _by_host(environ: dict[str, Any]) -> tuple[str, str, str] | None:
    found = HOST.match(environ.get("HTTP_HOST", "").lower())
    if not found:
        return None
    _, stage, path = (environ.get("PATH_INFO", "/") + "/").split("/", 2)
    return found.group("api"), stage, "/" + path.rstrip("/") if path.strip("/") else "/"


INTERNAL_ERROR = (502, [("Content-Type", "application/json")], b'{"message": "Internal server error"}')
# API Gateway may not invoke the function (no function policy for it, or its credentials role may not): AWS
# answers 500, its execution log "Execution failed due to configuration error: Invalid permissions on Lambda
# function".
CONFIGURATION_ERROR = (500, [("Content-Type", "application/json")], b'{"message": "Internal server error"}')
NOT_PERMITTED = object()  # what _call_lambda returns then


class DataPlane:
    def __init__(self, settings: Any) -> None:
        self.settings = settings

    # -- entry points ---------------------------------------------------------------------------------
    def by_path(self, environ: dict[str, Any]) -> Response | None:
        target = _by_path(environ)
        return self.invoke(environ, *target) if target else None

    def by_host(self, environ: dict[str, Any]) -> Response | None:
        target = _by_host(environ)
        return self.invoke(environ, *target) if target else None

    def cross_origin_allowed(self, environ: dict[str, Any], origin: str) -> bool | None:
        """Whether the REST API a browser request from another origin addresses enables CORS for it, as
        API Gateway's CORS is configured: an OPTIONS method on the resource whose integration response sets
        Access-Control-Allow-Origin (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html).
        None when the request is not an invocation."""
        target = _by_host(environ) or _by_path(environ)
        if target is None:
            return None
        api_id, stage, path = target
        api = find_api(api_id, self.settings.account_id, self.settings.region)
        if api is None:
            return False
        try:
            matched = route(api, stage, "OPTIONS", path)
        except NotRouted:
            return False
        integration = matched.method.method_integration
        if integration is None:
            return False
        if integration.integration_type != "MOCK":
            return True  # a Lambda or HTTP backend answers OPTIONS itself; the browser enforces its answer
        for response in (integration.integration_responses or {}).values():
            allowed = (response.response_parameters or {}).get("method.response.header.Access-Control-Allow-Origin")
            if allowed and allowed.strip("'") in ("*", origin):
                return True
        return False

    # -- one request ----------------------------------------------------------------------------------
    def invoke(self, environ: dict[str, Any], api_id: str, stage: str, path: str) -> Response:
        from localcloud.server.requests import read_body

        api = find_api(api_id, self.settings.account_id, self.settings.region)
        if api is None:
            return _forbidden("Forbidden")
        try:
            matched = route(api, stage, environ["REQUEST_METHOD"], path)
        except NotRouted as exc:
            return _forbidden(exc.message)
        body = read_body(environ)
        request_id = str(uuid.uuid4())
        try:
            environ["localcloud.authorizer"] = authorizers.authorize(self, environ, matched, path, body, request_id)
        except authorizers.Denied as denied:
            return denied.response
        integration = matched.method.method_integration
        if integration is None:
            return _json(500, {"message": "Internal server error"})
        kind = integration.integration_type
        if kind == "AWS_PROXY":
            return self._lambda_proxy(environ, matched, path, body, request_id)
        if kind == "AWS" and service_actions.is_service_integration(integration.uri):
            return service_actions.invoke(self, environ, matched, path, body, request_id)
        if kind == "AWS":
            return self._lambda_custom(environ, matched, path, body, request_id)
        if kind == "MOCK":
            return self._mock(environ, matched, path, body, request_id)
        if kind == "HTTP_PROXY":
            return self._http_proxy(environ, matched, body)
        return _json(500, {"message": f"localcloud does not run {kind} integrations; use AWS_PROXY, AWS, MOCK "
                                      "or HTTP_PROXY, or test this method on AWS"})

    # -- the proxy event ------------------------------------------------------------------------------
    def proxy_event(self, environ: dict[str, Any], matched: Route, path: str, body: bytes,
                    request_id: str) -> dict[str, Any]:
        headers, multi_headers = _headers(environ)
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        binary = _is_binary(body, headers.get("Content-Type", ""), matched.api)
        now = time.time()
        method = environ["REQUEST_METHOD"]
        stage = matched.stage.name
        return {
            "resource": matched.resource_path, "path": path, "httpMethod": method,
            "headers": headers or None, "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": matched.path_parameters or None,
            "stageVariables": dict(matched.stage.variables) or None,
            "requestContext": {
                "accountId": matched.api.account_id, "apiId": matched.api.id, "resourceId": matched.resource.id,
                "resourcePath": matched.resource_path, "httpMethod": method, "stage": stage,
                "requestId": request_id, "extendedRequestId": request_id, "path": f"/{stage}{path}",
                "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "requestTime": dt.datetime.fromtimestamp(now, dt.UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "requestTimeEpoch": int(now * 1000), "domainName": environ.get("HTTP_HOST", ""),
                "domainPrefix": environ.get("HTTP_HOST", "").split(".", 1)[0],
                "identity": {"sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
                             "userAgent": environ.get("HTTP_USER_AGENT", ""), "accessKey": None,
                             "accountId": None, "caller": None, "cognitoIdentityId": None, "user": None,
                             "userArn": None},
                **({"authorizer": environ["localcloud.authorizer"]} if environ.get("localcloud.authorizer") else {}),
            },
            "body": (base64.b64encode(body).decode() if binary else body.decode()) if body else None,
            "isBase64Encoded": binary,
        }

    def _lambda_proxy(self, environ: dict[str, Any], matched: Route, path: str, body: bytes,
                      request_id: str) -> Response:
        event = self.proxy_event(environ, matched, path, body, request_id)
        result = self._call_lambda(matched, json.dumps(event).encode())
        if result is NOT_PERMITTED:
            return CONFIGURATION_ERROR
        if result is None or result.function_error:
            return INTERNAL_ERROR
        return _proxy_response(result.payload, request_id)

    def _lambda_custom(self, environ: dict[str, Any], matched: Route, path: str, body: bytes,
                       request_id: str) -> Response:
        integration = matched.method.method_integration
        values = self._template_values(environ, matched, path, body, request_id)
        template = _pick_template(integration.request_templates, environ.get("CONTENT_TYPE", ""))
        payload = render(template, values).encode() if template is not None else (body or b"{}")
        result = self._call_lambda(matched, payload)
        if result is NOT_PERMITTED:
            return CONFIGURATION_ERROR
        if result is None:
            return INTERNAL_ERROR
        error_message = ""
        if result.function_error:
            error_message = (result.error or {}).get("errorMessage", "") if result.error else ""
        return _integration_response(integration, error_message, result.payload.decode(errors="replace"),
                                     bool(result.function_error), values, request_id)

    def _mock(self, environ: dict[str, Any], matched: Route, path: str, body: bytes, request_id: str) -> Response:
        integration = matched.method.method_integration
        values = self._template_values(environ, matched, path, body, request_id)
        template = _pick_template(integration.request_templates, environ.get("CONTENT_TYPE", ""))
        status = "200"
        if template:
            try:
                status = str(json.loads(render(template, values)).get("statusCode", 200))
            except (ValueError, AttributeError):
                return _json(500, {"message": "Internal server error"})
        return _integration_response(integration, status, "", False, values, request_id, by_status=True)

    def _http_proxy(self, environ: dict[str, Any], matched: Route, body: bytes) -> Response:
        uri = matched.method.method_integration.uri
        for name, value in matched.path_parameters.items():
            uri = uri.replace("{" + name + "}", value).replace("{" + name + "+}", value)
        if environ.get("QUERY_STRING"):
            uri += ("&" if "?" in uri else "?") + environ["QUERY_STRING"]
        headers, _ = _headers(environ)
        headers.pop("Host", None)
        request = urllib.request.Request(uri, data=body or None, method=environ["REQUEST_METHOD"], headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=29) as answer:  # API Gateway's 29 s integration limit
                return answer.status, list(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, list(exc.headers.items()), exc.read()
        except OSError:
            return _json(504, {"message": "Endpoint request timed out"})

    # -- helpers --------------------------------------------------------------------------------------
    def _call_lambda(self, matched: Route, payload: bytes) -> Any:
        from localcloud.runtime import current

        uri = matched.method.method_integration.uri or ""
        found = FUNCTION_IN_URI.search(uri)
        if not found:
            log.error("integration URI %r names no Lambda function", uri)
            return None
        arn = found.group("arn")
        for name, value in (matched.stage.variables or {}).items():
            arn = arn.replace("${stageVariables." + name + "}", value)
        denied = self._may_invoke(matched, arn)
        if denied:  # AWS: 500 "Internal server error" ("Invalid permissions on Lambda function" in its log)
            log.warning("API %s: API Gateway may not invoke %s: %s", matched.api.id, arn, denied)
            return NOT_PERMITTED
        try:
            return current().invoke(arn, payload, "RequestResponse")
        except Exception as exc:  # not found, throttled, not runnable: API Gateway answers 5xx
            log.warning("API %s: invoking %s failed: %s", matched.api.id, arn, exc)
            return None

    def _may_invoke(self, matched: Route, function: str) -> str | None:
        """The integration's `credentials` role must allow lambda:InvokeFunction; without credentials the
        function policy must allow apigateway.amazonaws.com for this method's execute-api ARN
        (apigateway/latest/developerguide/permissions.html, set-up-lambda-proxy-integrations.html)."""
        from localcloud.iam.delivery import as_credentials_or_service

        region = function.split(":")[3] if function.count(":") >= 6 else self.settings.region
        account = matched.api.account_id or self.settings.account_id
        return as_credentials_or_service(
            getattr(matched.method.method_integration, "credentials", None), "apigateway.amazonaws.com",
            "lambda:InvokeFunction", function, source_arn=execute_api_arn(region, account, matched),
            source_account=account, region=region, operation=f"API Gateway {matched.api.id} -> {function}")

    def _template_values(self, environ: dict[str, Any], matched: Route, path: str, body: bytes,
                         request_id: str) -> TemplateContext:
        event = self.proxy_event(environ, matched, path, body, request_id)
        params = {"path": matched.path_parameters, "querystring": event["queryStringParameters"] or {},
                  "header": event["headers"] or {}}
        return TemplateContext(body.decode(errors="replace"), params, event["requestContext"],
                               dict(matched.stage.variables or {}))


def execute_api_arn(region: str, account: str, matched: Route) -> str:
    """arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{resource path}: what a function
    policy's aws:SourceArn is compared with (api-gateway-control-access-using-iam-policies-to-invoke-api.html)."""
    method = getattr(matched.method, "http_method", None) or "*"
    method = "*" if method == "ANY" else method
    return f"arn:aws:execute-api:{region}:{account}:{matched.api.id}/{matched.stage.name}/{method}{matched.resource_path}"


def _headers(environ: dict[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    # WSGI keeps no original case; API Gateway passes headers as the client sent them, usually Title-Case.
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers["-".join(p.capitalize() for p in key[5:].split("_"))] = value
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers["-".join(p.capitalize() for p in key.split("_"))] = value
    return headers, {k: [v] for k, v in headers.items()}


def _is_binary(body: bytes, content_type: str, api: Any) -> bool:
    media = getattr(api, "binaryMediaTypes", None) or []
    if any(m == content_type or m == "*/*" for m in media) and body:
        return True
    try:
        body.decode()
        return False
    except UnicodeDecodeError:
        return True


def _proxy_response(payload: bytes, request_id: str) -> Response:
    try:
        answer = json.loads(payload or b"null")
    except ValueError:
        return INTERNAL_ERROR
    if not isinstance(answer, dict) or not set(answer) <= PROXY_RESPONSE_KEYS:
        return INTERNAL_ERROR
    status = answer.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    body = answer.get("body")
    if not isinstance(status, int) or not (100 <= status <= 599) or not isinstance(body, (str, type(None))):
        return INTERNAL_ERROR
    headers: list[tuple[str, str]] = []
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in (values if isinstance(values, list) else [values])]
    for name, value in (answer.get("headers") or {}).items():
        headers = [h for h in headers if h[0].lower() != name.lower()] + [(name, str(value))]
    if not any(h[0].lower() == "content-type" for h in headers):
        headers.append(("Content-Type", "application/json"))
    raw = (body or "").encode()
    if answer.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body or "")
        except ValueError:
            return INTERNAL_ERROR
    headers += [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", request_id[:16])]
    return status, headers, raw


def _pick_template(templates: dict[str, str] | None, content_type: str) -> str | None:
    if not templates:
        return None
    wanted = content_type.split(";", 1)[0].strip() or "application/json"
    return templates.get(wanted, templates.get("application/json"))


def _integration_response(integration: Any, selector: str, payload: str, failed: bool, values: TemplateContext,
                          request_id: str, by_status: bool = False) -> Response:
    responses = list((integration.integration_responses or {}).values())
    chosen = None
    for response in responses:
        pattern = response.selection_pattern
        if pattern and (failed or by_status) and re.fullmatch(pattern, selector, re.DOTALL):
            chosen = response
            break
    if chosen is None and by_status:
        chosen = next((r for r in responses if str(r.status_code) == selector), None)
    if chosen is None:
        chosen = next((r for r in responses if not r.selection_pattern), None)
    if chosen is None:
        return INTERNAL_ERROR
    template = _pick_template(chosen.response_templates, "application/json")
    response_values = TemplateContext(payload, values.params, values.context, values.stage_variables)
    body = render(template, response_values) if template else payload
    headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id)]
    for name, source in (chosen.response_parameters or {}).items():
        if name.startswith("method.response.header.") and source.startswith("'"):
            headers.append((name.rsplit(".", 1)[-1], source.strip("'")))
    return int(chosen.status_code), headers, body.encode()


def install(app: Host) -> DataPlane:
    """Answer invocations — by path (/restapis/{id}/{stage}/_user_request_/...) or by execute-api Host
    name — before the AWS APIs see the request; /restapis/ without _user_request_ is the control plane."""
    plane = app.subsystems.put("apigateway-data-plane", DataPlane(app.settings))
    app.intercept(lambda environ: plane.by_host(environ) or plane.by_path(environ))
    app.allow_cross_origin(plane.cross_origin_allowed)
    return plane

