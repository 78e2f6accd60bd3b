"""Methods, integrations and routes read back as API Gateway returns them: a map or list that was never
set is absent, not empty.

moto answers `"requestParameters": {}`, `"cacheKeyParameters": []`, `"authorizationScopes": []` for what
was never set; AWS leaves them out. The provider stores the empty value on a refresh but null at create,
so an `aws_api_gateway_deployment` (or `aws_apigatewayv2_deployment`) whose `triggers` hash the
integration, method or route (the provider's documented redeployment pattern) was replaced on every plan.
"""

from __future__ import annotations

import json
from typing import Any

from localcloud.aws.registry import handles
from localcloud.server.requests import AwsRequest

UNSET_WHEN_EMPTY = ("requestParameters", "requestTemplates", "requestModels", "cacheKeyParameters",
                    "authorizationScopes", "responseParameters", "responseTemplates", "responseModels")


def drop_empty(document: Any) -> Any:
    """Recursively: integrations live inside methods, methods inside resources."""
    if isinstance(document, dict):
        for key in UNSET_WHEN_EMPTY:
            if key in document and document.get(key) in ({}, [], None):
                del document[key]
        for value in document.values():
            drop_empty(value)
    elif isinstance(document, list):
        for value in document:
            drop_empty(value)
    return document


def rewritten(request: AwsRequest):
    answer = request.to_moto()
    if answer.status >= 300 or not answer.body:
        return answer.status, answer.headers, answer.body
    try:
        document = answer.json()
    except ValueError:
        return answer.status, answer.headers, answer.body
    body = json.dumps(drop_empty(document)).encode()
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
    return answer.status, headers, body


handles("apigateway", "GetIntegration", "PutIntegration", "UpdateIntegration", "GetMethod", "PutMethod",
        "UpdateMethod", "GetResource", "GetResources", "GetIntegrationResponse", "PutIntegrationResponse",
        "GetMethodResponse", "PutMethodResponse")(rewritten)
