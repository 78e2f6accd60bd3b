"""REST API definitions imported from Swagger 2.0 as well as OpenAPI 3 (PutRestApi, ImportRestApi).

API Gateway imports both ("You can import an API from an OpenAPI 2.0 or 3.0 definition",
https://docs.aws.amazon.com/apigateway/latest/developerguide/import-edge-optimized-api.html); moto reads
OpenAPI 3 only and refuses a `swagger: "2.0"` body. What moto builds from a definition — resources,
methods, method responses and the x-amazon-apigateway-integration of each operation — is written the same
way in both versions, so a Swagger document is handed to moto as the OpenAPI 3 document with those parts.
Also for both, where moto differs from AWS: x-amazon-apigateway-any-method becomes the ANY method, an
integration's type is upper-cased as API Gateway stores it (aws_proxy -> AWS_PROXY), a MOCK integration
needs no uri or httpMethod, and a missing info.description is empty.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from localcloud.aws.registry import handles
from localcloud.server.requests import AwsRequest

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "any")
KEPT = ("responses", "x-amazon-apigateway-integration", "operationId", "summary", "description",
        "security", "x-amazon-apigateway-auth", "x-amazon-apigateway-request-validator")


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        try:
            return yaml.safe_load(body)
        except yaml.YAMLError:
            return None


def as_openapi3(document: dict[str, Any]) -> dict[str, Any]:
    info = dict(document.get("info") or {})
    info.setdefault("title", "")
    info.setdefault("description", "")
    converted = {key: value for key, value in document.items() if key.startswith("x-amazon-apigateway-")}
    converted.update({"openapi": "3.0.1" if "swagger" in document else document.get("openapi", "3.0.1"),
                      "info": info, "paths": {}})
    for path, item in (document.get("paths") or {}).items():
        operations = {}
        for method, operation in (item or {}).items():
            method = "any" if method == "x-amazon-apigateway-any-method" else method.lower()
            if method in METHODS and isinstance(operation, dict):
                operations[method] = {k: v for k, v in operation.items() if k in KEPT}
                integration = operations[method].get("x-amazon-apigateway-integration")
                if isinstance(integration, dict):
                    operations[method]["x-amazon-apigateway-integration"] = _integration(integration)
        converted["paths"][path] = operations
    return converted


def _integration(integration: dict[str, Any]) -> dict[str, Any]:
    fixed = dict(integration)
    fixed["type"] = str(fixed.get("type", "")).upper()
    fixed.setdefault("uri", "")  # moto's put_integration takes both positionally
    fixed.setdefault("httpMethod", "POST" if fixed["type"] != "MOCK" else None)
    if fixed["httpMethod"] is None:
        fixed["httpMethod"] = ""
    return fixed


def _convert(request: AwsRequest):
    document = _parse(request.body)
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        return None  # not a definition this module understands: moto answers (and refuses) as before
    if not (document.get("swagger") == "2.0" or str(document.get("openapi", "")).startswith("3")):
        return None
    answer = request.to_moto(json.dumps(as_openapi3(document)).encode())
    return answer.status, answer.headers, answer.body


@handles("apigateway", "PutRestApi")
def put_rest_api(request: AwsRequest):
    return _convert(request)


@handles("apigateway", "ImportRestApi")
def import_rest_api(request: AwsRequest):
    return _convert(request)
