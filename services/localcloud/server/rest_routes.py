"""Name the operation of a REST-protocol request (Lambda, S3, API Gateway, Scheduler) from botocore's model.

botocore's service models carry each operation's method and requestUri; we compile them once per service.
"""

from __future__ import annotations

import re
from functools import lru_cache

import botocore.session

# moto backend name -> botocore service name, where they differ.
BOTOCORE_NAMES = {"awslambda": "lambda"}


@lru_cache(maxsize=None)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=None)
def _routes(service: str) -> list[tuple[str, re.Pattern[str], int, str]]:
    model = _session().get_service_model(BOTOCORE_NAMES.get(service, service))
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        pattern = re.sub(r"\\\{[^}]+?\\\+\\\}", "(.+)", re.escape(path))
        pattern = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", pattern)
        literal = sum(1 for c in path if c not in "{}")
        routes.append((http.get("method", "POST"), re.compile(f"^{pattern}/?$"), literal, name + "?" + query))
    # Routes that need a query key (S3's ?versioning) first, then the most literal characters, so
    # /functions/{name}/configuration beats /functions/{name}.
    routes.sort(key=lambda r: (not r[3].partition("?")[2], -r[2]))
    return routes


def rest_operation(service: str, method: str, path: str, query_string: str) -> str | None:
    for route_method, pattern, _, name_and_query in _routes(service):
        if route_method != method or not pattern.match(path):
            continue
        name, _, required = name_and_query.partition("?")
        if required and required.split("=")[0] not in query_string:
            continue
        return name
    return None
