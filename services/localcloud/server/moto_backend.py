"""moto as our state and API layer, reached through its own WSGI dispatcher.

Two things are ours: the dispatcher remembers which backend serves a host (moto scans every backend's
URL patterns on each request, ~1.7 ms), and exceptions propagate to us so we can answer in AWS's shape
instead of Flask's HTML 500, which SDKs retry for minutes. What we change inside moto is in moto_patches/.
"""

from __future__ import annotations

import io
from typing import Any

from localcloud.moto_adapter import DEFAULT_SERVICE_REGION, DomainDispatcherApplication, create_backend_app
from localcloud.server.requests import MotoResponse, credential_scope


def _create_app(service: str) -> Any:
    app = create_backend_app(service)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    return app


class MotoDispatcher(DomainDispatcherApplication):
    def __init__(self) -> None:
        super().__init__(_create_app)
        self._backend_by_host: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        try:
            return self._backend_by_host[host]
        except KeyError:
            backend = super().get_backend_for_host(host)
            self._backend_by_host[host] = backend
            return backend

    def infer_service_region_host(self, environ: dict[str, Any], path: str) -> str | None:
        """moto reads the signing service from the Authorization header only; a request presigned in its query
        string (X-Amz-Credential, SigV4QueryAuth: presigned URLs of any service, raw query-API calls) names
        it there, and was routed by guesswork (to S3, for a queue URL)."""
        if not environ.get("HTTP_AUTHORIZATION"):
            scope = credential_scope(environ)
            if scope is not None:
                environ = {**environ, "HTTP_AUTHORIZATION":
                           f"AWS4-HMAC-SHA256 Credential={scope[0]}/00000000/{scope[1]}/{scope[2]}/aws4_request"}
        return super().infer_service_region_host(environ, path)

    def backend_name(self, environ: dict[str, Any]) -> str:
        """The moto service a request is for, without creating its app: creating the app instantiates the
        service's backend, which must not happen before that service's saved state is restored."""
        path = environ.get("PATH_INFO", "")
        if isinstance(path, bytes):
            path = path.decode("utf-8")
        if path.startswith("/moto-api") or path == "/favicon.ico":
            return "moto_api"
        if path.startswith(("/latest/meta-data/", "/latest/api/")):
            return "instance_metadata"
        host = self.infer_service_region_host(environ, path)
        if host is None:
            service, region = DEFAULT_SERVICE_REGION
            host = f"{service}.{region}.amazonaws.com"
        backend = self.get_backend_for_host(host)
        if backend == "apigateway" and path.startswith("/v2/"):
            # HTTP and WebSocket APIs sign as apigateway and moto serves them from its apigateway app, but
            # their state is moto's apigatewayv2 backend and their operations are apigatewayv2's.
            return "apigatewayv2"
        return backend

    def call(self, environ: dict[str, Any]) -> MotoResponse:
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = headers
            return lambda data: None

        environ.setdefault("wsgi.input", io.BytesIO(b""))
        chunks = self(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return MotoResponse(captured["status"], list(captured["headers"]), body)
