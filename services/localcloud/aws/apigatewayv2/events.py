"""The Lambda proxy event of an HTTP API request (payload format 2.0 and 1.0) and how a function's answer
becomes the HTTP response.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
2.0: headers lower-cased, repeated headers and query parameters joined with commas, cookies apart,
rawPath/rawQueryString as sent, requestContext.http. A 2.0 answer without statusCode is taken as a JSON
body with status 200. 1.0: the REST API proxy event with "version": "1.0".
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from localcloud.aws.apigatewayv2.routing import HttpRoute

Response = tuple[int, list[tuple[str, str]], bytes]
INTERNAL_ERROR = (500, [("Content-Type", "application/json")], b'{"message":"Internal Server Error"}')


def request_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").lower(), value))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").lower(), value))
    return headers


def _joined(pairs: list[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def _body(body: bytes, content_type: str) -> tuple[str | None, bool]:
    if not body:
        return None, False
    textual = content_type.startswith(("text/", "application/json", "application/xml", "application/javascript",
                                       "application/x-www-form-urlencoded")) or not content_type
    try:
        return (body.decode(), False) if textual else (base64.b64encode(body).decode(), True)
    except UnicodeDecodeError:
        return base64.b64encode(body).decode(), True


def _context(environ: dict[str, Any], matched: HttpRoute, request_id: str, now: float) -> dict[str, Any]:
    host = environ.get("HTTP_HOST", "")
    return {
        "accountId": getattr(matched.api.backend, "account_id", ""),
        "apiId": matched.api.api_id, "domainName": host, "domainPrefix": host.split(".", 1)[0],
        "requestId": request_id, "routeKey": matched.route.route_key, "stage": matched.stage.name,
        "time": dt.datetime.fromtimestamp(now, dt.UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now * 1000),
    }


def event_v2(environ: dict[str, Any], matched: HttpRoute, body: bytes, request_id: str,
             authorizer: dict[str, Any] | None) -> dict[str, Any]:
    now = time.time()
    pairs = request_headers(environ)
    cookies = [c.strip() for name, value in pairs if name == "cookie" for c in value.split(";") if c.strip()]
    headers = _joined([(n, v) for n, v in pairs if n != "cookie"])
    query = environ.get("QUERY_STRING", "")
    text, encoded = _body(body, headers.get("content-type", ""))
    context = _context(environ, matched, request_id, now)
    context["http"] = {"method": environ["REQUEST_METHOD"], "path": matched.raw_path,
                       "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                       "sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"), "userAgent": headers.get("user-agent", "")}
    if authorizer is not None:
        context["authorizer"] = authorizer
    event: dict[str, Any] = {"version": "2.0", "routeKey": matched.route.route_key, "rawPath": matched.raw_path,
                             "rawQueryString": query, "headers": headers}
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = _joined(parse_qsl(query, keep_blank_values=True))
    event["requestContext"] = context
    if text is not None:
        event["body"] = text
    if matched.path_parameters:
        event["pathParameters"] = matched.path_parameters
    event["isBase64Encoded"] = encoded
    if matched.stage.stage_variables:
        event["stageVariables"] = dict(matched.stage.stage_variables)
    return event


def event_v1(environ: dict[str, Any], matched: HttpRoute, body: bytes, request_id: str,
             authorizer: dict[str, Any] | None) -> dict[str, Any]:
    now = time.time()
    pairs = request_headers(environ)
    headers = _joined(pairs)
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    query_pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for name, value in query_pairs:
        multi_query.setdefault(name, []).append(value)
    text, encoded = _body(body, headers.get("content-type", ""))
    method = environ["REQUEST_METHOD"]
    template = matched.route.route_key.partition(" ")[2] or matched.route.route_key
    context = _context(environ, matched, request_id, now)
    context.update({"extendedRequestId": request_id, "httpMethod": method, "path": matched.raw_path,
                    "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"), "resourceId": matched.route.route_key,
                    "resourcePath": template, "requestTime": context.pop("time"),
                    "requestTimeEpoch": context.pop("timeEpoch"),
                    "identity": {"sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
                                 "userAgent": headers.get("user-agent", "")}})
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "version": "1.0", "resource": template, "path": matched.raw_path, "httpMethod": method,
        "headers": headers, "multiValueHeaders": multi,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None, "requestContext": context,
        "pathParameters": matched.path_parameters or None,
        "stageVariables": dict(matched.stage.stage_variables or {}) or None,
        "body": text, "isBase64Encoded": encoded,
    }


def _headers_of(answer: dict[str, Any]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in (values if isinstance(values, list) else [values])]
    for name, value in (answer.get("headers") or {}).items():
        headers = [h for h in headers if h[0].lower() != name.lower()] + [(name, str(value))]
    return headers


def response_of(payload: bytes, version: str) -> Response:
    try:
        answer = json.loads(payload or b"null")
    except ValueError:
        return INTERNAL_ERROR
    if version == "2.0" and not (isinstance(answer, dict) and "statusCode" in answer):
        # "If your Lambda function returns valid JSON and doesn't return a statusCode, API Gateway assumes"
        # status 200, content-type application/json and the whole answer as the body.
        return 200, [("Content-Type", "application/json")], payload
    if not isinstance(answer, dict):
        return INTERNAL_ERROR
    status = answer.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    body = answer.get("body")
    if not isinstance(status, int) or not 100 <= status <= 599:
        return INTERNAL_ERROR
    if body is not None and not isinstance(body, str):
        body = json.dumps(body) if version == "2.0" else None
        if body is None:
            return INTERNAL_ERROR
    headers = _headers_of(answer)
    if version == "2.0":
        headers += [("Set-Cookie", str(cookie)) for cookie in answer.get("cookies") or []]
    raw = (body or "").encode()
    if answer.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body or "")
        except ValueError:
            return INTERNAL_ERROR
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return status, headers, raw
