"""The console's WSGI app: static pages and assets, the JSON API, and the live trace stream."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from localcloud.config import Settings
from localcloud.console import PREFIX, routes, sse
from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError, Request, Response, SameOrigin, finish, json_response, to_json

log = logging.getLogger("localcloud.console")
STATIC = resources.files("localcloud.console") / "static"


class ConsoleApp:
    def __init__(self, settings: Settings) -> None:
        self.context = ConsoleContext(settings)
        self.router = routes.build(self.context)
        self.router.get("/api/events/stream")(sse.stream)
        self.same_origin = SameOrigin()
        self._assets: dict[str, bytes] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")[len(PREFIX):] or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if path == "/" and method in ("GET", "HEAD"):
                return self._static(environ, start_response, "index.html", changes_state=False)
            if path.startswith("/static/") and method in ("GET", "HEAD"):
                return self._static(environ, start_response, path[len("/static/"):], changes_state=False)
            found = self.router.match(method, path)
            if found is None:
                raise HttpError(404, f"the console has no page or API at {PREFIX}{path}")
            handler, params, changes_state = found
            refusal = self.same_origin.refusal(environ, changes_state)
            if refusal:
                raise HttpError(403, refusal)
            answer = handler(Request(environ, params))
            response = answer if isinstance(answer, Response) else json_response(answer)
        except HttpError as exc:
            response = Response(exc.status, to_json({"error": exc.message}))
        except Exception as exc:  # a bug or a service that failed: say so on the page, keep serving
            log.exception("console %s %s failed", method, path)
            response = Response(500, to_json({"error": f"the console could not answer {path}: "
                                                       f"{type(exc).__name__}: {exc}"}))
        return finish(environ, start_response, response)

    def _static(self, environ: dict[str, Any], start_response: Callable[..., Any], name: str,
                changes_state: bool) -> Iterable[bytes]:
        refusal = self.same_origin.refusal(environ, changes_state)
        if refusal:
            return finish(environ, start_response, Response(403, to_json({"error": refusal})))
        if ".." in name.split("/") or name.startswith("/"):
            return finish(environ, start_response, Response(404, to_json({"error": "no such asset"})))
        body = self._asset(name)
        if body is None:
            return finish(environ, start_response, Response(404, to_json({"error": f"no asset {name}"})))
        if name == "index.html":  # the CSRF token rides in the page; only same-origin script can read it
            body = body.replace(b"{{CSRF_TOKEN}}", self.same_origin.token.encode())
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        return finish(environ, start_response, Response(200, body, content_type))

    def _asset(self, name: str) -> bytes | None:
        if name not in self._assets:
            target = STATIC.joinpath(*name.split("/"))
            if not target.is_file():
                return None
            self._assets[name] = target.read_bytes()
        return self._assets[name]
