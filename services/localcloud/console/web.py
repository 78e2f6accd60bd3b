"""The console's HTTP plumbing: requests, JSON answers, routing as data, and its own same-origin rules.

Why the console checks origins itself: the endpoint's guard admits every page served from this machine
(any loopback origin, so a dev server on localhost:3000 too) and gives it CORS answers. The console shows
secrets and can invoke functions, so it answers only its own pages: a request that says it comes from
another origin, or from another site (Sec-Fetch-Site), is refused; state-changing requests must also carry
the CSRF token that only a console page holds (https://owasp.org/www-community/attacks/csrf), and every
answer names the console's own origin in Access-Control-Allow-Origin, so no other page can read it.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

TOKEN_HEADER = "HTTP_X_CONSOLE_TOKEN"


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    environ: dict[str, Any]
    params: dict[str, str] = field(default_factory=dict)  # from the route's {placeholders}

    @property
    def method(self) -> str:
        return self.environ.get("REQUEST_METHOD", "GET")

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.environ.get("QUERY_STRING", "")).items()}

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, default)

    def int_arg(self, name: str, default: int, *, low: int = 1, high: int = 1000) -> int:
        raw = self.query.get(name)
        try:
            value = int(raw) if raw not in (None, "") else default
        except ValueError:
            raise HttpError(400, f"{name}={raw!r} is not a whole number") from None
        return max(low, min(high, value))

    def json(self) -> dict[str, Any]:
        """The JSON body (read once: handlers may ask for several fields)."""
        if "console.json" not in self.environ:
            self.environ["console.json"] = self._read_json()
        return self.environ["console.json"]

    def _read_json(self) -> dict[str, Any]:
        stream = self.environ.get("wsgi.input")
        length = int(self.environ.get("CONTENT_LENGTH") or 0)
        raw = stream.read(length) if stream and length else b""
        if not raw:
            return {}
        try:
            document = json.loads(raw)
        except ValueError:
            raise HttpError(400, "the request body is not JSON") from None
        if not isinstance(document, dict):
            raise HttpError(400, "the request body must be a JSON object")
        return document


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if isinstance(value, set):
        return sorted(value, key=str)
    return str(value)


def to_json(document: Any) -> bytes:
    return json.dumps(document, default=_default).encode()


def json_response(document: Any, status: int = 200) -> Response:
    return Response(status, to_json(document))


Handler = Callable[[Request], Response | dict[str, Any] | list[Any]]


class Router:
    """Routes as data: (method, pattern with {name} or {name:path}) -> handler."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []

    def add(self, method: str, pattern: str, handler: Handler, *, changes_state: bool = False) -> None:
        regex = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", pattern)
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
        self._routes.append((method, re.compile(f"^{regex}$"), handler, changes_state))

    def get(self, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add("GET", pattern, handler)
            return handler
        return register

    def post(self, pattern: str) -> Callable[[Handler], Handler]:
        """A state-changing action: needs the CSRF token and a same-origin request."""
        def register(handler: Handler) -> Handler:
            self.add("POST", pattern, handler, changes_state=True)
            return handler
        return register

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str], bool] | None:
        allowed = False
        for route_method, regex, handler, changes_state in self._routes:
            found = regex.match(path)
            if found:
                if route_method == method:
                    return handler, found.groupdict(), changes_state
                allowed = True
        if allowed:
            raise HttpError(405, f"{method} is not allowed on {path}")
        return None


def host_is_loopback(host_header: str) -> bool:
    name = host_header.strip().lower()
    name = name[1:].split("]", 1)[0] if name.startswith("[") else name.rpartition(":")[0] or name
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class SameOrigin:
    """The console's own request rules (see the module docstring)."""

    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(32)  # one per server process; a restart invalidates open pages

    @staticmethod
    def own_origin(environ: dict[str, Any]) -> str:
        return f"http://{environ.get('HTTP_HOST', '')}"

    def refusal(self, environ: dict[str, Any], changes_state: bool) -> str | None:
        host = environ.get("HTTP_HOST", "")
        if not host_is_loopback(host):
            return (f"the console answers only on a loopback address, and this request named Host {host!r}; "
                    "open it at http://127.0.0.1:<port>/_localcloud/console/")
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin != self.own_origin(environ):
            return (f"a page at {origin} may not use the console; only the console's own pages may "
                    f"({self.own_origin(environ)})")
        site = environ.get("HTTP_SEC_FETCH_SITE", "").lower()
        navigation = environ.get("HTTP_SEC_FETCH_MODE", "").lower() == "navigate" and not changes_state
        if site not in ("", "same-origin", "none") and not navigation:
            return f"a {site} page may not use the console; only the console's own pages may"
        if changes_state:
            if environ.get("REQUEST_METHOD") != "POST":
                return "console actions are POST requests"
            given = environ.get(TOKEN_HEADER, "")
            if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
                return ("this action needs the console's CSRF token (the X-Console-Token header a console page "
                        "sends); reload the console page and try again")
        return None


def security_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    # Vega compiles its expressions with Function(), hence 'unsafe-eval'; everything else is 'self'.
    return [("Access-Control-Allow-Origin", SameOrigin.own_origin(environ)), ("Vary", "Origin"),
            ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"), ("Cache-Control", "no-store"),
            ("Content-Security-Policy", ("default-src 'self'; script-src 'self' 'unsafe-eval'; "
             "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-ancestors 'none'"))]


def finish(environ: dict[str, Any], start_response: Callable[..., Any], response: Response) -> Iterable[bytes]:
    headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
               *security_headers(environ), *response.headers]
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
              409: "Conflict", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    start_response(f"{response.status} {reason.get(response.status, 'Unknown')}", headers)
    return [response.body]
