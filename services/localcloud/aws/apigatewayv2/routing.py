"""Which HTTP API, stage and route an invocation names, as API Gateway's HTTP API router decides.

Stage: the first path segment when the API has a stage of that name, else the `$default` stage (served at
the root). Route: "METHOD /path" with {param} and a trailing greedy {proxy+}; the most specific path wins
(literal segments beat {param}, which beats {proxy+}), a route for the method beats ANY, `$default` catches
the rest. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from localcloud.aws.apigateway.routing import _match

DEFAULT_STAGE = "$default"


@dataclass
class HttpRoute:
    api: Any  # moto apigatewayv2 Api
    stage: Any  # moto Stage
    route: Any  # moto Route
    path: str  # the path after the stage
    raw_path: str  # as the client sent it, stage included
    path_parameters: dict[str, str] = field(default_factory=dict)


class NoRoute(Exception):
    """404 {"message": "Not Found"}, as API Gateway answers a path no route or stage matches."""


def find_http_api(api_id: str, account_id: str, preferred_region: str) -> Any | None:
    from localcloud.moto_adapter import apigatewayv2_backends

    regions = apigatewayv2_backends[account_id]
    ordered = [preferred_region, *[r for r in list(regions.keys()) if r != preferred_region]]
    for region in ordered:
        if region in regions:
            api = regions[region].apis.get(api_id)
            if api is not None:
                return api
    return None


def stage_and_path(api: Any, stage_or_first: str, rest: str) -> tuple[Any, str]:
    """`stage_or_first` is the first segment of the path (the stage of a path-form URL)."""
    if stage_or_first and stage_or_first != DEFAULT_STAGE and stage_or_first in api.stages:
        return api.stages[stage_or_first], rest or "/"
    if DEFAULT_STAGE in api.stages:
        if stage_or_first == DEFAULT_STAGE:
            return api.stages[DEFAULT_STAGE], rest or "/"
        whole = "/" + stage_or_first + (rest if rest != "/" else "") if stage_or_first else rest
        return api.stages[DEFAULT_STAGE], whole or "/"
    raise NoRoute()


def route(api: Any, stage_or_first: str, rest: str, method: str) -> HttpRoute:
    stage, path = stage_and_path(api, stage_or_first, rest)
    raw_path = path if stage.name == DEFAULT_STAGE else f"/{stage.name}{path if path != '/' else ''}"
    segments = [s for s in path.split("/") if s]
    best: tuple[tuple, Any, dict[str, str]] | None = None
    fallback = None
    for candidate in list(api.routes.values()):
        key = candidate.route_key or ""
        if key == "$default":
            fallback = candidate
            continue
        route_method, _, template = key.partition(" ")
        if route_method not in (method, "ANY"):
            continue
        found = _match(template, segments)
        if found is None:
            continue
        score = (found[0], route_method != "ANY")
        if best is None or score > best[0]:
            best = (score, candidate, found[1])
    if best is not None:
        return HttpRoute(api, stage, best[1], path, raw_path, best[2])
    if fallback is not None:
        return HttpRoute(api, stage, fallback, path, raw_path)
    raise NoRoute()


def integration_of(api: Any, matched_route: Any) -> Any | None:
    target = matched_route.target or ""
    if not target.startswith("integrations/"):
        return None
    return api.integrations.get(target.split("/", 1)[1])
