"""REST API Lambda authorizers (TOKEN and REQUEST), run before a CUSTOM method's integration.

https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
- TOKEN: {"type": "TOKEN", "authorizationToken", "methodArn"}; the token comes from the identity source
  (method.request.header.X) and must match identityValidationExpression when one is set.
- REQUEST: the proxy event's request fields with "type": "REQUEST" and "methodArn".
- An identity source missing from the request, or the function failing with "Unauthorized": 401
  {"message": "Unauthorized"}; a policy that does not allow execute-api:Invoke on the method: 403
  {"Message": "User is not authorized to access this resource with an explicit deny"}; any other failure 500.
- The answer's context and principalId reach the integration as requestContext.authorizer.
Results are not cached (authorizerResultTtlInSeconds is accepted and ignored). COGNITO_USER_POOLS
authorizers are not evaluated.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from localcloud.aws.apigatewayv2.authorizers import _policy_allows

log = logging.getLogger("localcloud.apigateway")

Response = tuple[int, list[tuple[str, str]], bytes]
FUNCTION_IN_URI = re.compile(r":lambda:path/[^/]+/functions/(?P<arn>.+?)/invocations")
UNAUTHORIZED = (401, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "UnauthorizedException")],
                b'{"message":"Unauthorized"}')
DENIED = (403, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")],
          b'{"Message":"User is not authorized to access this resource with an explicit deny"}')
FAILED = (500, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AuthorizerConfigurationException")],
          b'{"message": null}')


class Denied(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response[2].decode())
        self.response = response


def _source_value(source: str, event: dict[str, Any]) -> str | None:
    source = source.strip()
    for prefix, member in (("method.request.header.", "headers"), ("method.request.querystring.",
                                                                    "queryStringParameters")):
        if source.startswith(prefix):
            wanted = source[len(prefix):].lower()
            values = event.get(member) or {}
            return next((v for k, v in values.items() if k.lower() == wanted), None)
    if source.startswith("stageVariables."):
        return (event.get("stageVariables") or {}).get(source[len("stageVariables."):])
    return source if source.startswith("context.") else None


def authorize(plane: Any, environ: dict[str, Any], matched: Any, path: str, body: bytes,
              request_id: str) -> dict[str, Any] | None:
    """requestContext.authorizer for the integration (None for a method without one); raises Denied."""
    if (matched.method.authorization_type or "NONE").upper() != "CUSTOM":
        return None
    authorizer = (getattr(matched.api, "authorizers", None) or {}).get(matched.method.authorizer_id or "")
    if authorizer is None:
        raise Denied(FAILED)
    event = plane.proxy_event(environ, matched, path, body, request_id)
    method_arn = (f"arn:aws:execute-api:{matched.api.region_name}:{matched.api.account_id}:{matched.api.id}/"
                  f"{matched.stage.name}/{environ['REQUEST_METHOD']}{path}")
    sources = [s for s in (authorizer.identity_source or "").split(",") if s.strip()]
    values = [_source_value(s, event) for s in sources]
    if any(not v for v in values):
        raise Denied(UNAUTHORIZED)
    if (authorizer.type or "TOKEN").upper() == "TOKEN":
        token = values[0] if values else ""
        pattern = authorizer.identity_validation_expression
        if pattern and not re.fullmatch(pattern, token):
            raise Denied(UNAUTHORIZED)
        request = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
    elif (authorizer.type or "").upper() == "REQUEST":
        request = {"type": "REQUEST", "methodArn": method_arn,
                   **{k: v for k, v in event.items() if k not in ("body", "isBase64Encoded")}}
    else:
        log.warning("API %s: %s authorizers are not evaluated here; the method is refused", matched.api.id,
                    authorizer.type)
        raise Denied(UNAUTHORIZED)
    return _call(authorizer, request, method_arn, matched)


def _call(authorizer: Any, request: dict[str, Any], method_arn: str, matched: Any) -> dict[str, Any]:
    from localcloud.runtime import current

    found = FUNCTION_IN_URI.search(authorizer.authorizer_uri or "")
    function = found.group("arn") if found else (authorizer.authorizer_uri or "")
    for name, value in (matched.stage.variables or {}).items():
        function = function.replace("${stageVariables." + name + "}", value)
    try:
        result = current().invoke(function, json.dumps(request).encode(), "RequestResponse")
    except Exception as exc:  # noqa: BLE001  not found, throttled: the client sees a 500, the log says why
        log.warning("API %s: authorizer %s could not be invoked: %s", matched.api.id, function, exc)
        raise Denied(FAILED) from None
    if result.function_error:
        message = (result.error or {}).get("errorMessage", "")
        raise Denied(UNAUTHORIZED if message == "Unauthorized" else FAILED)
    try:
        answer = json.loads(result.payload or b"null")
    except ValueError:
        raise Denied(FAILED) from None
    if not isinstance(answer, dict) or not isinstance(answer.get("policyDocument"), dict):
        raise Denied(FAILED)
    if not _policy_allows(answer["policyDocument"], method_arn):
        raise Denied(DENIED)
    return {**{k: v for k, v in (answer.get("context") or {}).items()}, "principalId": answer.get("principalId"),
            "integrationLatency": 0}
