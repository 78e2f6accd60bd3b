"""HTTP API invocations: route, authorize, run the integration, shape the answer.

Served where REST APIs are (aws/apigateway/data_plane.py): by Host {api_id}.execute-api.localhost.localstack.cloud
and by path /restapis/{api_id}/{stage}/_user_request_/{path} (what `localcloud terraform outputs` makes of an
invoke URL; the `$default` stage also answers there with its own name or with none). This plane answers only
for ids of HTTP APIs and leaves the rest to the REST plane.
Integrations: AWS_PROXY to Lambda (payload 1.0 and 2.0), HTTP_PROXY, and the AWS service integrations
(integrations.py). CORS from the API's CorsConfiguration.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
import uuid
from typing import Any

from localcloud.aws.apigateway import data_plane as rest_plane
from localcloud.aws.apigatewayv2 import authorizers, cors, events, service_integrations
from localcloud.aws.apigatewayv2.routing import NoRoute, find_http_api, integration_of, route

log = logging.getLogger("localcloud.apigateway")

Response = tuple[int, list[tuple[str, str]], bytes]
NOT_FOUND = (404, [("Content-Type", "application/json")], b'{"message":"Not Found"}')
FUNCTION_IN_URI = re.compile(r":lambda:path/[^/]+/functions/(?P<arn>.+?)/invocations")


class HttpApiPlane:
    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def answer(self, environ: dict[str, Any]) -> Response | None:
        target = rest_plane._by_host(environ) or rest_plane._by_path(environ)
        if target is None:
            return None
        api_id, stage, path = target
        api = find_http_api(api_id, self.settings.account_id, self.settings.region)
        if api is None or api.protocol_type != "HTTP":
            return None  # a REST API (or none): the REST plane answers
        preflight = cors.preflight(api, environ)
        if preflight is not None:
            return preflight
        return cors.with_headers(api, environ, self.invoke(environ, api, stage, path))

    def invoke(self, environ: dict[str, Any], api: Any, stage: str, path: str) -> Response:
        from localcloud.server.requests import read_body

        try:
            matched = route(api, stage, path, environ["REQUEST_METHOD"])
        except NoRoute:
            return NOT_FOUND
        body = read_body(environ)
        request_id = str(uuid.uuid4())
        region = api.arn.split(":")[3]
        try:
            authorizer = authorizers.authorize(environ, matched, body, request_id, region, self.settings.account_id)
        except authorizers.Denied as denied:
            return denied.response
        integration = integration_of(api, matched.route)
        if integration is None:
            return NOT_FOUND
        kind = integration.integration_type
        if kind == "AWS_PROXY" and not integration.integration_subtype:
            return self._lambda(environ, matched, integration, body, request_id, authorizer)
        if kind == "AWS_PROXY":
            return service_integrations.call(integration, environ, matched, body, authorizer, self.settings)
        if kind == "HTTP_PROXY":
            return self._http(environ, matched, integration, body)
        return 500, [("Content-Type", "application/json")], json.dumps(
            {"message": f"localcloud does not run {kind} integrations of HTTP APIs"}).encode()

    def _lambda(self, environ: dict[str, Any], matched: Any, integration: Any, body: bytes, request_id: str,
                authorizer: dict[str, Any] | None) -> Response:
        from localcloud.runtime import current

        version = integration.payload_format_version or "2.0"
        build = events.event_v2 if version == "2.0" else events.event_v1
        event = build(environ, matched, body, request_id, authorizer)
        uri = integration.integration_uri or ""
        found = FUNCTION_IN_URI.search(uri)
        function = found.group("arn") if found else uri
        for name, value in (matched.stage.stage_variables or {}).items():
            function = function.replace("${stageVariables." + name + "}", value)
        denied = _may_invoke(matched, integration, function, self.settings)
        if denied:  # AWS: 500 {"message": "Internal Server Error"}; the access log's integrationErrorMessage
            log.warning("HTTP API %s: API Gateway may not invoke %s: %s", matched.api.api_id, function, denied)
            return events.INTERNAL_ERROR
        try:
            result = current().invoke(function, json.dumps(event).encode(), "RequestResponse")
        except Exception as exc:  # noqa: BLE001  not found, throttled: API Gateway answers 500
            log.warning("HTTP API %s: invoking %s failed: %s", matched.api.api_id, function, exc)
            return events.INTERNAL_ERROR
        if result.function_error:
            return events.INTERNAL_ERROR
        status, headers, raw = events.response_of(result.payload, version)
        return status, [*headers, ("apigw-requestid", request_id[:16])], raw

    def _http(self, environ: dict[str, Any], matched: Any, integration: Any, body: bytes) -> Response:
        uri = integration.integration_uri or ""
        for name, value in matched.path_parameters.items():
            uri = uri.replace("{" + name + "}", value).replace("{" + name + "+}", value)
        if environ.get("QUERY_STRING"):
            uri += ("&" if "?" in uri else "?") + environ["QUERY_STRING"]
        headers = {name: value for name, value in events.request_headers(environ) if name != "host"}
        method = integration.integration_method if integration.integration_method not in (None, "ANY") else None
        request = urllib.request.Request(uri, data=body or None, method=method or environ["REQUEST_METHOD"],
                                         headers=headers)
        timeout = (integration.timeout_in_millis or 30000) / 1000
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, list(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, list(exc.headers.items()), exc.read()
        except OSError:
            return 504, [("Content-Type", "application/json")], b'{"message":"Service Unavailable"}'


def execute_api_arn(matched: Any, region: str, account: str) -> str:
    """arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path} for the route ("$default" for the
    default route), what a function policy's aws:SourceArn is compared with."""
    key = matched.route.route_key or ""
    if key == "$default":
        tail = "$default"
    else:
        method, _, path = key.partition(" ")
        tail = f"{'*' if method == 'ANY' else method}{path}"
    return f"arn:aws:execute-api:{region}:{account}:{matched.api.api_id}/{matched.stage.name}/{tail}"


def _may_invoke(matched: Any, integration: Any, function: str, settings: Any) -> str | None:
    """The integration's credentials role, or else the function policy for apigateway.amazonaws.com with
    aws:SourceArn = the route's execute-api ARN (http-api-develop-integrations-lambda.html)."""
    from localcloud.iam.delivery import as_credentials_or_service

    region = function.split(":")[3] if function.count(":") >= 6 else matched.api.arn.split(":")[3]
    account = function.split(":")[4] if function.count(":") >= 6 else settings.account_id
    return as_credentials_or_service(
        getattr(integration, "credentials_arn", None), "apigateway.amazonaws.com", "lambda:InvokeFunction", function,
        source_arn=execute_api_arn(matched, region, account), source_account=account, region=region,
        operation=f"HTTP API {matched.api.api_id} route {matched.route.route_key} -> {function}")


def install(app: Any) -> HttpApiPlane:
    """Ahead of the REST plane: it answers only for HTTP APIs."""
    plane = HttpApiPlane(app.settings)
    app.intercept(plane.answer)
    app.allow_cross_origin(lambda environ, origin: cors.cross_origin_allowed(plane, environ, origin))
    return plane
