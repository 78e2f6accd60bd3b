"""Find the REST API, stage, resource and method an invocation URL names, as API Gateway's router does.

Matching follows https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
(path parameters, greedy {proxy+} catching the rest of the path) and picks the most specific resource:
literal segments beat {param}, which beats {proxy+}. A method falls back to ANY.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


@dataclass
class Route:
    api: Any  # moto RestAPI
    stage: Any  # moto Stage
    resource: Any  # moto Resource
    method: Any  # moto Method
    resource_path: str  # "/items/{id}"
    path_parameters: dict[str, str] = field(default_factory=dict)


class NotRouted(Exception):
    """No API/stage (Forbidden) or no resource/method (Missing Authentication Token)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def find_api(api_id: str, account_id: str, preferred_region: str) -> Any | None:
    from localcloud.moto_adapter import apigateway_backends

    regions = apigateway_backends[account_id]
    first = regions[preferred_region].apis.get(api_id) if preferred_region in regions else None
    if first is not None:
        return first
    for region in list(regions.keys()):
        api = regions[region].apis.get(api_id)
        if api is not None:
            return api
    return None


def _match(template: str, segments: list[str]) -> tuple[tuple[int, int], dict[str, str]] | None:
    parts = [p for p in template.split("/") if p]
    params: dict[str, str] = {}
    literal = 0
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}"):
            if index != len(parts) - 1 or index >= len(segments):
                return None
            params[part[1:-2]] = "/".join(segments[index:])
            return (literal, 0), params
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = unquote(segments[index])
        elif part != segments[index]:
            return None
        else:
            literal += 1
    if len(parts) != len(segments):
        return None
    return (literal, 1), params


def route(api: Any, stage_name: str, method: str, path: str) -> Route:
    stage = api.stages.get(stage_name)
    if stage is None:
        raise NotRouted("Forbidden")
    segments = [s for s in path.split("/") if s]
    best: tuple[tuple[int, int], Any, dict[str, str]] | None = None
    for resource in list(api.resources.values()):
        found = _match(resource.get_path(), segments)
        if found and (best is None or found[0] > best[0]):
            best = (found[0], resource, found[1])
    if best is None:
        raise NotRouted("Missing Authentication Token")
    _, resource, params = best
    chosen = resource.resource_methods.get(method) or resource.resource_methods.get("ANY")
    if chosen is None:
        raise NotRouted("Missing Authentication Token")
    return Route(api, stage, resource, chosen, resource.get_path(), params)
