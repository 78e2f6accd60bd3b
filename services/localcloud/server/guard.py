"""The endpoint answers its own clients only, never a web page the developer happens to have open.

A page in the developer's browser reaches a server on 127.0.0.1 in two ways:
- DNS rebinding: the page's own name (evil.example) is re-pointed at 127.0.0.1, so its requests are
  same-origin to the browser and arrive with `Host: evil.example:4566`. Only the Host header tells them
  apart, so the endpoint answers only names no web page controls: loopback names and addresses, the names
  under LocalStack's domain (public DNS resolves all of them to 127.0.0.1) that S3 virtual hosts,
  execute-api and ECR use, and what the user lists in LOCALCLOUD_ALLOWED_HOSTS.
- Cross-origin requests (fetch, a form post, an <img>): the browser says where they come from in `Origin`
  and `Sec-Fetch-Site` (https://www.w3.org/TR/fetch-metadata/). Pages served from this machine (loopback
  or LocalStack-domain origins, LOCALCLOUD_ALLOWED_ORIGINS) are the developer's own and get the CORS answers
  moto used to give everyone. Any other origin is refused, unless the resource it addresses allows that
  origin by its own CORS configuration (an S3 bucket's CORS rules, a REST API's OPTIONS method), as AWS
  decides it; the AWS API itself never allows a foreign origin (moto's blanket CORS is off, see moto_backend).

Admin surfaces: moto's /moto-api (a dump of every secret, a reset of all state) answers only with
LOCALCLOUD_MOTO_API=1; our /_localcloud/* routes are covered by the origin rule like everything else.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Callable
from urllib.parse import urlsplit

from localcloud.config import Settings
from localcloud.server.errors import aws_error
from localcloud.server.requests import credential_scope

Response = tuple[int, list[tuple[str, str]], bytes]
# (environ, origin) -> True: the addressed resource's CORS allows the origin (the resource answers); a
# Response: allowed, and this is the answer (a preflight); False: it is that resource's request and its
# CORS does not allow it; None: not a resource this policy knows.
CrossOriginPolicy = Callable[[dict[str, Any], str], "bool | Response | None"]

CORS_METHODS = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS"


def host_name(header: str) -> str:
    """`Host` (or a URL's netloc) without port, brackets or trailing dot, lower case. A Host that carries a
    URL scheme ("https://kinesis.us-east-1.amazonaws.com", sent by clients that put the endpoint URL there)
    is read as the name after it, as AWS's front end reads it; the same allow-list then applies."""
    header = header.strip().lower()
    for scheme in ("https://", "http://"):
        if header.startswith(scheme):
            header = header[len(scheme):].partition("/")[0]
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") > 1:  # a bare IPv6 address
        return header
    return header.partition(":")[0].rstrip(".")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def is_loopback(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: always loopback
        return True
    address = _ip(name)
    return bool(address and address.is_loopback)


def domain_names(domain: str) -> re.Pattern[str]:
    """The names under `domain` that address this endpoint: the domain itself, S3 (s3., <bucket>.s3.,
    s3-website), <api>.execute-api. and <account>.dkr.ecr.<region>. (LocalStack's forms)."""
    d = re.escape(domain)
    return re.compile(rf"^(?:(?:[a-z0-9][a-z0-9._-]*\.)?s3(?:[.-][a-z0-9-]+)*\.{d}"
                      rf"|[a-z0-9]+\.execute-api\.{d}|\d{{12}}\.dkr\.ecr\.[a-z0-9-]+\.{d}|{d})$")


def _listed(name: str, entries: tuple[str, ...]) -> bool:
    for entry in entries:
        if entry == "*":
            return True
        if entry.startswith(("*.", ".")):
            suffix = entry.lstrip("*")
            if name.endswith(suffix) or name == suffix[1:]:
                return True
        elif host_name(entry) == name:
            return True
    return False


class EndpointGuard:
    def __init__(self, settings: Settings, policies: list[CrossOriginPolicy]) -> None:
        self.settings = settings
        self.policies = policies
        self._domain = domain_names(settings.domain)
        self._domain_suffix = "." + settings.domain
        self._host_verdicts: dict[str, bool] = {}  # a client sends the same Host every time: ~10 us saved

    # -- Host ------------------------------------------------------------------------------------------
    def host_allowed(self, header: str) -> bool:
        verdict = self._host_verdicts.get(header)
        if verdict is None:
            verdict = self._host_allowed(header)
            if len(self._host_verdicts) < 1024:  # bounded: a flood of made-up names costs no memory
                self._host_verdicts[header] = verdict
        return verdict

    def _host_allowed(self, header: str) -> bool:
        if not header:
            return True  # HTTP/1.0 without Host: no browser sends that, so no page can be behind it
        name = host_name(header)
        if is_loopback(name) or self._domain.match(name) or _listed(name, self.settings.allowed_hosts):
            return True
        if self.settings.allow_remote:
            # Rebinding needs a name the attacker controls; an address literal is reached only on purpose.
            return _ip(name) is not None or name == host_name(self.settings.host)
        return False

    # -- Origin ----------------------------------------------------------------------------------------
    def own_origin(self, origin: str, host_header: str) -> bool:
        """A page served from this machine, or one the user named."""
        lowered = origin.lower()
        if lowered in self.settings.allowed_origins or "*" in self.settings.allowed_origins:
            return True
        if lowered == "null":  # sandboxed frames, file:// pages: anyone can make one
            return False
        parts = urlsplit(lowered)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        name = host_name(parts.netloc)
        if is_loopback(name) or name == self.settings.domain or name.endswith(self._domain_suffix):
            return True
        return bool(host_header) and parts.netloc == host_header.lower()  # same origin; Host already checked

    def _resource_verdict(self, environ: dict[str, Any], origin: str) -> bool | Response:
        for policy in self.policies:
            verdict = policy(environ, origin)
            if verdict is not None:
                return verdict
        return False

    # -- the decision ----------------------------------------------------------------------------------
    def check(self, environ: dict[str, Any]) -> tuple[Response | None, str | None]:
        """(the answer - a refusal or a preflight's - or None to serve) and the own origin whose response gets
        CORS headers, if any."""
        host = environ.get("HTTP_HOST", "")
        if not self.host_allowed(host):
            return _refuse(environ, f"localcloud answers only its own clients, and Host {host!r} is not one: it "
                           f"is not a loopback name or address, nor a name under {self.settings.domain}. The "
                           "request was not served. If this client is yours, add its host name to "
                           "LOCALCLOUD_ALLOWED_HOSTS (comma-separated) and restart the local cloud."), None
        path = environ.get("PATH_INFO", "")
        if path.lstrip("/").startswith("moto-api") and not self.settings.moto_api:  # "//moto-api" too
            return _refuse(environ, "moto's /moto-api (a dump of all state, secrets included, and a reset of "
                           "it) is closed. Set LOCALCLOUD_MOTO_API=1 and restart to open it on this machine.",
                           status=404, code="NotFound"), None
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            if environ.get("HTTP_SEC_FETCH_SITE", "").lower() == "cross-site":
                return _refuse(environ, "A page of another web site sent this request (Sec-Fetch-Site: "
                               "cross-site); localcloud does not serve other sites' pages."), None
            return None, None
        if self.own_origin(origin, host):
            if _is_preflight(environ):
                return _own_preflight(environ, origin), None
            return None, origin
        verdict = self._resource_verdict(environ, origin)
        if isinstance(verdict, tuple):
            return verdict, None  # the resource's own answer to a preflight
        if verdict:
            return None, None  # the resource answers with its own CORS headers, as on AWS
        return _refuse(environ, f"The web page at {origin} may not call localcloud: only pages served from this "
                       "machine may, or origins a resource's own CORS configuration allows (S3 bucket CORS, an "
                       "API Gateway OPTIONS method). The request was not served. To allow this origin for every "
                       "API, add it to LOCALCLOUD_ALLOWED_ORIGINS (comma-separated) and restart."), None


def _is_preflight(environ: dict[str, Any]) -> bool:
    return environ.get("REQUEST_METHOD") == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ


def _refuse(environ: dict[str, Any], message: str, status: int = 403, code: str = "AccessDenied") -> Response:
    scope = credential_scope(environ)
    return aws_error(scope[2] if scope else "unknown", status, code, message)


def _own_preflight(environ: dict[str, Any], origin: str) -> Response:
    headers = [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Methods", CORS_METHODS),
               ("Access-Control-Max-Age", "600"), ("Vary", "Origin")]
    requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    if requested:
        headers.append(("Access-Control-Allow-Headers", requested))
    if environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", "").lower() == "true":
        headers.append(("Access-Control-Allow-Private-Network", "true"))  # Chrome's Private Network Access
    return 200, headers, b""


def with_cors(headers: list[tuple[str, str]], origin: str) -> list[tuple[str, str]]:
    """An own origin's response: readable by its page, unless the resource set its own CORS headers."""
    if any(k.lower() == "access-control-allow-origin" for k, _ in headers):
        return headers
    return [*headers, ("Access-Control-Allow-Origin", origin), ("Access-Control-Expose-Headers", "*"),
            ("Vary", "Origin")]
