"""Whether an S3 bucket's CORS rules admit a browser request from another origin.

AWS evaluates the rules in order and uses the first whose AllowedOrigin, AllowedMethod and (for a preflight)
AllowedHeader all match; at most one `*` wildcard per origin or header pattern
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html#cors-allowed-origin). moto answers the
CORS headers itself once the request reaches it; this decides whether it may reach it at all.
"""

from __future__ import annotations

import re
from typing import Any

from localcloud.host import Host
from localcloud.server.guard import host_name
from localcloud.server.requests import credential_scope

_VIRTUAL_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*)\.s3(?:[.-][a-z0-9-]+)*\.")


def _pattern_matches(pattern: str, value: str) -> bool:
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.lower().split("*")), value.lower()) is not None


def bucket_of(environ: dict[str, Any]) -> str | None:
    found = _VIRTUAL_HOST.match(host_name(environ.get("HTTP_HOST", "")))
    if found:
        return found.group("bucket")
    first = environ.get("PATH_INFO", "").lstrip("/").split("/", 1)[0]
    return first or None


def matching_rule(rules: list[Any], origin: str, method: str, headers: list[str]) -> Any | None:
    for rule in rules:
        if not any(_pattern_matches(o, origin) for o in rule.allowed_origins or []):
            continue
        if method not in (rule.allowed_methods or []):
            continue
        allowed_headers = rule.allowed_headers or []
        if all(any(_pattern_matches(h, wanted) for h in allowed_headers) for wanted in headers):
            return rule
    return None


def preflight_answer(rule: Any, origin: str, requested_headers: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """S3's answer to an allowed preflight. Ours, not moto's: moto applies the object's ACL to OPTIONS and
    answers 403 for a private object, while S3 answers preflights without authentication."""
    headers = [("Access-Control-Allow-Origin", "*" if "*" in (rule.allowed_origins or []) else origin),
               ("Access-Control-Allow-Methods", ", ".join(rule.allowed_methods or [])),
               ("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")]
    if requested_headers:
        headers.append(("Access-Control-Allow-Headers", requested_headers))
    if rule.exposed_headers:
        headers.append(("Access-Control-Expose-Headers", ", ".join(rule.exposed_headers)))
    if rule.max_age_seconds:
        headers.append(("Access-Control-Max-Age", str(rule.max_age_seconds)))
    return 200, headers, b""


def install(app: Host) -> None:
    def cross_origin_allowed(environ: dict[str, Any], origin: str):
        scope = credential_scope(environ)
        if scope and scope[2] != "s3":
            return None  # another service's signed request
        bucket_name = bucket_of(environ)
        if not bucket_name:
            return None
        app.readiness.wait("s3")
        from localcloud.moto_adapter import s3_backends

        bucket = s3_backends[app.settings.account_id]["global"].buckets.get(bucket_name)
        if bucket is None:
            return None
        preflight = environ.get("REQUEST_METHOD") == "OPTIONS"
        method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "") if preflight else environ["REQUEST_METHOD"]
        headers = [h.strip() for h in environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",") if h.strip()]
        rule = matching_rule(bucket.cors, origin, method.upper(), headers if preflight else [])
        if rule is None:
            return False
        if preflight:
            return preflight_answer(rule, origin, environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", ""))
        return True  # moto adds the CORS headers of the matching rule to its answer

    app.allow_cross_origin(cross_origin_allowed)
