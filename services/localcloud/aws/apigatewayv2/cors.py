"""An HTTP API's CorsConfiguration: API Gateway answers preflights itself and adds the CORS headers to
every answer for an allowed origin, ignoring the integration's own.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
"""

from __future__ import annotations

from typing import Any

Response = tuple[int, list[tuple[str, str]], bytes]


def _config(api: Any) -> dict[str, Any] | None:
    config = getattr(api, "cors_configuration", None)
    return config if isinstance(config, dict) and config else None


def _allowed_origin(config: dict[str, Any], origin: str | None) -> str | None:
    if not origin:
        return None
    origins = config.get("allowOrigins") or []
    if "*" in origins:
        return "*" if not config.get("allowCredentials") else origin
    return origin if origin in origins else None


def preflight(api: Any, environ: dict[str, Any]) -> Response | None:
    config = _config(api)
    if config is None or environ.get("REQUEST_METHOD") != "OPTIONS" \
            or "HTTP_ACCESS_CONTROL_REQUEST_METHOD" not in environ:
        return None
    allowed = _allowed_origin(config, environ.get("HTTP_ORIGIN"))
    if allowed is None:
        return 204, [], b""
    headers = [("Access-Control-Allow-Origin", allowed)]
    if config.get("allowMethods"):
        headers.append(("Access-Control-Allow-Methods", ",".join(config["allowMethods"])))
    if config.get("allowHeaders"):
        headers.append(("Access-Control-Allow-Headers", ",".join(config["allowHeaders"])))
    if config.get("maxAge"):
        headers.append(("Access-Control-Max-Age", str(config["maxAge"])))
    if config.get("allowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return 204, headers, b""


def with_headers(api: Any, environ: dict[str, Any], response: Response) -> Response:
    config = _config(api)
    allowed = _allowed_origin(config, environ.get("HTTP_ORIGIN")) if config else None
    if allowed is None:
        return response
    status, headers, body = response
    headers = [h for h in headers if not h[0].lower().startswith("access-control-")]
    headers.append(("Access-Control-Allow-Origin", allowed))
    if config.get("exposeHeaders"):
        headers.append(("Access-Control-Expose-Headers", ",".join(config["exposeHeaders"])))
    if config.get("allowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return status, headers, body


def cross_origin_allowed(plane: Any, environ: dict[str, Any], origin: str) -> bool | None:
    """For the endpoint's guard: whether the HTTP API a browser request from another site addresses allows
    that origin (None: not an HTTP API invocation, another policy decides)."""
    from localcloud.aws.apigateway import data_plane as rest_plane
    from localcloud.aws.apigatewayv2.routing import find_http_api

    target = rest_plane._by_host(environ) or rest_plane._by_path(environ)
    if target is None:
        return None
    api = find_http_api(target[0], plane.settings.account_id, plane.settings.region)
    if api is None or api.protocol_type != "HTTP":
        return None
    config = _config(api)
    return bool(config and _allowed_origin(config, origin))
