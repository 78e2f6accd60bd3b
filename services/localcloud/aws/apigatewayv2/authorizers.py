"""HTTP API authorizers, run before the route's integration: Lambda REQUEST authorizers (payload 1.0 and
2.0, simple and IAM-policy responses) and JWT authorizers.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
- an identity source that is missing from the request: 401 {"message":"Unauthorized"}, the function is not
  called; a denial: 403 {"message":"Forbidden"}; an authorizer that fails: 500.
- the answer's context reaches the integration as requestContext.authorizer.lambda (2.0) or
  requestContext.authorizer (1.0).
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
- JWT: the token's iss must be the issuer, its aud (or client_id) one of the audiences, exp in the future;
  claims reach the integration as requestContext.authorizer.jwt. The signature is not checked: that needs
  the issuer's JWKS, which is on the internet (a note says so once).
Results are not cached (authorizerResultTtlInSeconds is accepted and ignored).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from typing import Any

from localcloud.aws.apigatewayv2 import events
from localcloud.aws.apigatewayv2.routing import HttpRoute

log = logging.getLogger("localcloud.apigateway")

Response = tuple[int, list[tuple[str, str]], bytes]
UNAUTHORIZED = (401, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "UnauthorizedException")],
                b'{"message":"Unauthorized"}')
FORBIDDEN = (403, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")],
             b'{"message":"Forbidden"}')
FUNCTION_IN_URI = re.compile(r":lambda:path/[^/]+/functions/(?P<arn>.+?)/invocations")
_warned_jwt = False


class Denied(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response[2].decode())
        self.response = response


def _identity_values(sources: list[str], environ: dict[str, Any], matched: HttpRoute) -> list[str] | None:
    """The values of each identity source ($request.header.X, $request.querystring.x, $context.x,
    $stageVariables.x); None when one is missing."""
    headers = events._joined(events.request_headers(environ))
    from urllib.parse import parse_qsl

    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    values = []
    for source in sources:
        source = source.strip()
        if source.startswith("$request.header."):
            value = headers.get(source[len("$request.header."):].lower())
        elif source.startswith("$request.querystring."):
            value = query.get(source[len("$request.querystring."):])
        elif source.startswith("$stageVariables."):
            value = (matched.stage.stage_variables or {}).get(source[len("$stageVariables."):])
        else:
            value = source  # $context.* is always there
        if not value:
            return None
        values.append(value)
    return values


def _route_arn(matched: HttpRoute, environ: dict[str, Any], region: str, account: str) -> str:
    return (f"arn:aws:execute-api:{region}:{account}:{matched.api.api_id}/{matched.stage.name}/"
            f"{environ['REQUEST_METHOD']}{matched.path}")


def authorize(environ: dict[str, Any], matched: HttpRoute, body: bytes, request_id: str, region: str,
              account: str) -> dict[str, Any] | None:
    """The requestContext.authorizer the integration sees (None without an authorizer); raises Denied."""
    kind = (matched.route.authorization_type or "NONE").upper()
    if kind == "NONE":
        return None
    authorizer = matched.api.authorizers.get(matched.route.authorizer_id or "")
    if authorizer is None:
        log.error("route %s of API %s names authorizer %r, which does not exist", matched.route.route_key,
                  matched.api.api_id, matched.route.authorizer_id)
        raise Denied(events.INTERNAL_ERROR)
    if kind == "JWT":
        return _jwt(authorizer, environ, matched)
    if kind == "CUSTOM":
        return _lambda(authorizer, environ, matched, body, request_id, region, account)
    raise Denied(FORBIDDEN)  # AWS_IAM: SigV4 against IAM policies is not evaluated here


def _lambda(authorizer: Any, environ: dict[str, Any], matched: HttpRoute, body: bytes, request_id: str,
            region: str, account: str) -> dict[str, Any]:
    from localcloud.runtime import current

    sources = authorizer.identity_source or []
    if isinstance(sources, str):
        sources = [s for s in sources.split(",") if s.strip()]
    values = _identity_values(sources, environ, matched)
    if values is None:
        raise Denied(UNAUTHORIZED)
    version = authorizer.auth_payload_format_version or "2.0"
    route_arn = _route_arn(matched, environ, region, account)
    if version == "2.0":
        event = events.event_v2(environ, matched, body, request_id, None)
        event.update({"type": "REQUEST", "routeArn": route_arn, "identitySource": values})
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
    else:
        event = events.event_v1(environ, matched, body, request_id, None)
        event.update({"type": "REQUEST", "methodArn": route_arn, "identitySource": ",".join(values),
                      "authorizationToken": values[0]})
        event.pop("body", None)
    found = FUNCTION_IN_URI.search(authorizer.authorizer_uri or "")
    function = found.group("arn") if found else (authorizer.authorizer_uri or "")
    try:
        result = current().invoke(function, json.dumps(event).encode(), "RequestResponse")
    except Exception as exc:  # noqa: BLE001  not found, throttled: the client sees a 500, the log says why
        log.warning("API %s: authorizer %s could not be invoked: %s", matched.api.api_id, function, exc)
        raise Denied(events.INTERNAL_ERROR) from None
    if result.function_error:
        raise Denied(events.INTERNAL_ERROR)
    try:
        answer = json.loads(result.payload or b"null")
    except ValueError:
        raise Denied(events.INTERNAL_ERROR) from None
    if not isinstance(answer, dict):
        raise Denied(events.INTERNAL_ERROR)
    if version == "2.0" and authorizer.enable_simple_response:
        if answer.get("isAuthorized") is not True:
            raise Denied(FORBIDDEN)
        return {"lambda": answer.get("context") or {}}
    if not _policy_allows(answer.get("policyDocument"), route_arn):
        raise Denied(FORBIDDEN)
    context = dict(answer.get("context") or {})
    if version == "2.0":
        return {"lambda": context, "principalId": answer.get("principalId")}
    return {**context, "principalId": answer.get("principalId"), "integrationLatency": 0}


def _arn_matches(pattern: str, arn: str) -> bool:
    regex = "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$"
    return re.match(regex, arn) is not None


def _policy_allows(policy: Any, route_arn: str) -> bool:
    """An explicit Deny wins; otherwise some Allow of execute-api:Invoke must cover the route."""
    if not isinstance(policy, dict):
        return False
    statements = policy.get("Statement") or []
    allowed = False
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action") or []
        resources = statement.get("Resource") or []
        actions = actions if isinstance(actions, list) else [actions]
        resources = resources if isinstance(resources, list) else [resources]
        if not any(_arn_matches(a, "execute-api:Invoke") for a in actions):
            continue
        if not any(_arn_matches(r, route_arn) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _claims(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


def _jwt(authorizer: Any, environ: dict[str, Any], matched: HttpRoute) -> dict[str, Any]:
    global _warned_jwt
    sources = authorizer.identity_source or ["$request.header.Authorization"]
    values = _identity_values(sources if isinstance(sources, list) else [sources], environ, matched)
    if values is None:
        raise Denied(UNAUTHORIZED)
    token = values[0].removeprefix("Bearer ").strip()
    claims = _claims(token)
    config = authorizer.jwt_config or {}
    if claims is None or (config.get("issuer") and claims.get("iss") != config["issuer"]):
        raise Denied(UNAUTHORIZED)
    audiences = config.get("audience") or []
    token_audiences = claims.get("aud") or claims.get("client_id") or []
    token_audiences = token_audiences if isinstance(token_audiences, list) else [token_audiences]
    if audiences and not set(audiences) & set(token_audiences):
        raise Denied(UNAUTHORIZED)
    if isinstance(claims.get("exp"), (int, float)) and claims["exp"] < time.time():
        raise Denied(UNAUTHORIZED)
    scopes = (claims.get("scope") or "").split() or None
    required = matched.route.authorization_scopes or []
    if required and not set(required) & set(scopes or []):
        raise Denied(FORBIDDEN)
    if not _warned_jwt:
        _warned_jwt = True
        log.warning("HTTP API JWT authorizers check issuer, audience, expiry and scopes here, not the token's "
                    "signature (that needs the issuer's keys from the internet); AWS also checks it.")
    return {"jwt": {"claims": {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()},
                    "scopes": scopes}}
