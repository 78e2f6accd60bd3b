"""The WSGI application behind the endpoint: internal routes, our handlers, then moto."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from localcloud import moto_patches
from localcloud.clock import configure as configure_clock
from localcloud.config import Settings
from localcloud.host import Subsystems
from localcloud.server import cbor_wire, input_validation
from localcloud.server.errors import aws_error, json_error_in_protocol, not_implemented, protocol_of
from localcloud.server.fast_path import FastPath
from localcloud.server.fast_path import enabled_from_env as fast_path_enabled
from localcloud.server.guard import CrossOriginPolicy, EndpointGuard, with_cors
from localcloud.server.health import health_document
from localcloud.server.moto_backend import MotoDispatcher
from localcloud.server.persistence import PERSISTED, StateStore
from localcloud.server.readiness import NotReady, Readiness
from localcloud.server.requests import (
    AwsRequest,
    MotoResponse,
    credential_scope,
    operation_from_headers_or_form,
    read_body,
)
from localcloud.server.rest_routes import rest_operation
from localcloud.state.replay import journaled

log = logging.getLogger("localcloud.server")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Response = tuple[int, list[tuple[str, str]], bytes]
# (environ, describe -> (service, operation, body, region), wait for a service's readiness, account) -> refusal
Authorizer = Callable[[dict[str, Any], Callable[[dict[str, Any]], tuple[str, "str | None", bytes, str]],
                       Callable[[str], None], str], "Response | None"]

REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 403: "Forbidden",
           404: "Not Found", 409: "Conflict", 413: "Request Entity Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway"}


def _respond(start_response: Callable[..., Any], response: Response) -> list[bytes]:
    status, headers, body = response
    if not any(k.lower() == "content-length" for k, _ in headers):
        headers = [*headers, ("Content-Length", str(len(body)))]
    start_response(f"{status} {REASONS.get(status, 'Unknown')}", headers)
    return [body]


class HandlerTable(Protocol):
    """Where our handlers for AWS operations are found (localcloud.aws.registry, given by server/main.py)."""

    def load_service(self, service: str) -> bool: ...

    def handler_for(self, service: str, operation: str | None) -> Callable[[AwsRequest], Response | None] | None: ...

    def screen(self, service: str, request: AwsRequest) -> Response | None:
        """A check every request of the service passes first; an answer refuses it."""

    def finish(self, service: str, request: AwsRequest, response: Response) -> Response:
        """Rewrite every answer of the service into AWS's shape."""


class LocalCloudApp:
    """The endpoint: routes, hooks and the state store; it satisfies localcloud.host.Host, the interface
    subsystems are installed on (server/main.py builds it, then installs them)."""

    def __init__(self, settings: Settings, handlers: HandlerTable) -> None:
        self.settings = settings
        self.handlers = handlers  # our AWS handlers by (service, operation): localcloud.aws.registry
        moto_patches.configure(settings.host, settings.port)  # before moto reads its settings
        self.start_failure: str | None = None  # why the start failed for good (MotoPatchError)
        self._on_start_failure: list[Callable[[str], None]] = []
        self.clock = configure_clock(settings.clock_speed)
        self.started_at = time.time()
        self.moto = MotoDispatcher()
        self.fast_path = FastPath(enabled=fast_path_enabled())
        self._mounts: list[tuple[str, WsgiApp, Callable[[dict[str, Any]], bool] | None]] = []
        self._intercepts: list[Callable[[dict[str, Any]], Response | None]] = []
        self._authorize: Authorizer | None = None
        self._cross_origin_policies: list[CrossOriginPolicy] = []
        self.guard = EndpointGuard(settings, self._cross_origin_policies)
        self._health_extras: list[Callable[[], dict[str, object]]] = []
        self._on_start: list[Callable[[], None]] = []
        self._on_stop: list[Callable[[], None]] = []
        self._background: list[tuple[Callable[[], None], tuple[str, ...]]] = []
        self._early: list[tuple[Callable[[], None], tuple[str, ...]]] = []
        self._late: list[tuple[Callable[[], None], tuple[str, ...]]] = []
        self.readiness = Readiness(settings.ready_wait_seconds)
        self.closed = False
        self.state = StateStore(settings.state_dir, self.readiness)
        self.on_start(self.state.hold_snapshots)
        self._draining: list[Callable[[], None]] = []
        self.add_health(self.state.health)
        self.add_health(self.fast_path.health)
        self.mount("/_localcloud/health", self._health)
        self.mount("/_localstack/health", self._health)
        self.mount("/_localcloud/state", self._state_summary)
        self.add_health(lambda: {"state": self.state.lineage.document()})
        # The subsystems' running objects; server/main.py installs them (components.install_all).
        self.subsystems = Subsystems()

    def mount(self, prefix: str, app: WsgiApp, when: Callable[[dict[str, Any]], bool] | None = None) -> None:
        """Route every path under `prefix` to `app` (runtime API, API Gateway data plane, ...); with `when`,
        only the requests it accepts (the OCI registry's /v2/ shares the prefix with API Gateway v2's)."""
        self._mounts.append((prefix, app, when))
        self._mounts.sort(key=lambda m: -len(m[0]))

    def intercept(self, answer: Callable[[dict[str, Any]], Response | None]) -> None:
        """Let `answer` see each request the mounts did not take, before the AWS APIs, and answer it by
        returning a response or pass with None (API Gateway invocations by path or by Host name)."""
        self._intercepts.append(answer)

    def authorize(self, decide: Authorizer) -> None:
        """Let `decide` see each AWS API request before it is journaled or answered, and refuse it with an
        AWS error response or pass with None (IAM: localcloud.iam.enforcement)."""
        self._authorize = decide

    def allow_cross_origin(self, policy: CrossOriginPolicy) -> None:
        """Let a resource's own CORS configuration admit browser requests from other origins (S3 bucket
        CORS, API Gateway OPTIONS methods); without one, the endpoint refuses them (server/guard.py)."""
        self._cross_origin_policies.append(policy)

    def on_start(self, hook: Callable[[], None], *, background: bool = False, holds: tuple[str, ...] = (),
                 early: bool = False, late: bool = False) -> None:
        """Run `hook` once the server is about to serve (start pollers, engines, workers).

        Slow hooks (heavy imports, engines) pass background=True: they run after the server answers, one
        after another in one thread (concurrent imports of moto's modules can deadlock Python's import
        locks), and requests for the moto services named in `holds` wait until they are done. `early`
        background hooks run before saved state is restored (one that swaps a moto backend must, or the
        restored state would land in the backend it replaces); saved state of the services they hold is
        restored after them, the rest before them, and the other background hooks run before them too.
        `late` background hooks run after all that (bringing database servers back takes seconds and holds
        RDS alone: S3 or DynamoDB need not wait for it)."""
        if background:
            (self._early if early else self._late if late else self._background).append((hook, holds))
        else:
            self._on_start.append(hook)

    def on_stop(self, hook: Callable[[], None]) -> None:
        """Run `hook` at shutdown, in reverse order of registration, after state is saved (engines, workers)."""
        self._on_stop.append(hook)

    def on_drain(self, hook: Callable[[], None]) -> None:
        """Run `hook` first at shutdown, while the endpoint still answers: stop taking new work (schedules,
        pollers); pending events are then drained for up to LOCALCLOUD_STOP_DRAIN_SECONDS."""
        self._draining.append(hook)

    def on_start_failure(self, hook: Callable[[str], None]) -> None:
        """Run `hook(message)` when the start fails for good (a moto patch that no longer fits): the
        server's owner stops it (server/main.py)."""
        self._on_start_failure.append(hook)

    def start(self) -> None:
        for hook in self._on_start:
            hook()
        # Holds are taken before the server answers, so no request slips past unfinished work. First, the
        # one point where moto is patched (moto_patches): before saved state is restored and before any
        # request reaches moto. Then, in order: saved state of the data services; the hooks they wait for
        # (moto's delivery hooks); the early hooks (slow imports: the Step Functions interpreter) and the
        # state they swap the backend of, with IAM's (slow to rebuild); the late hooks (database servers);
        # then the journal's replay, once moto's delivery hooks and engines are ours. A data service is
        # answered as soon as its own holds are released.
        # moto's deferred patches (the Step Functions interpreter: moto_patches.DEFERRED) are applied as the
        # first early hook, holding only their services, whose state is restored after them.
        deferred = moto_patches.deferred_services()
        swapped = {service for _, holds in self._early for service in holds} | deferred
        held = lambda hooks: [(hook, self.readiness.hold(*holds)) for hook, holds in hooks]
        queued = [(moto_patches.apply_first, self.readiness.hold_all()),
                  (lambda: self.state.restore_all(skip=swapped), threading.Event()), *held(self._background),
                  (moto_patches.apply_deferred, self.readiness.hold(*deferred)),
                  *held(self._early), (self.state.restore_rest, threading.Event()), *held(self._late),
                  (lambda: self.state.finish_restore(self), threading.Event())]
        threading.Thread(target=self._run_background, args=(queued,), name="start-background", daemon=True).start()

    def _run_background(self, queued: list[tuple[Callable[[], None], threading.Event]]) -> None:
        started = time.monotonic()
        took = []
        for position, (hook, done) in enumerate(queued):
            began, cpu = time.monotonic(), time.thread_time()
            try:
                hook()
            except moto_patches.MotoPatchError as exc:
                self._fail_start(str(exc), [event for _, event in queued[position:]])
                return
            except Exception as exc:
                if hook in (moto_patches.apply_first, moto_patches.apply_deferred):  # e.g. a dependency a patch imports is missing: never go on
                    # unpatched (the restore would load saved state into moto as it is, and a save could then
                    # replace the good snapshot)
                    log.exception("applying the moto patches failed")
                    self._fail_start(f"localcloud's moto patches could not be applied ({type(exc).__name__}: "
                                     f"{exc}), so nothing was restored and nothing will be saved; the saved "
                                     "state is kept as it was. Reinstall the dependencies (`make install`) and "
                                     "start again.", [event for _, event in queued[position:]])
                    return
                log.exception("start hook %r failed", hook)
            finally:
                done.set()
            took.append(f"{getattr(hook, '__qualname__', hook)} {time.monotonic() - began:.2f} s "
                        f"(CPU {time.thread_time() - cpu:.2f} s)")
        log.info("start-up finished in %.2f s: %s", time.monotonic() - started, "; ".join(took))

    def _fail_start(self, message: str, holds: list[threading.Event]) -> None:
        """Nothing after a failed patch runs (no restore: moto would hold the saved state unpatched); every
        request is refused with the message, and the server stops."""
        self.start_failure = message
        log.critical("%s", message)
        self.readiness.fail(message)
        for event in holds:
            event.set()
        for hook in self._on_start_failure:
            hook(message)

    def drain(self) -> None:
        """The first half of a clean stop, while requests are still answered (Lambdas that drain call back):
        stop sources of new work, then let pending events finish, bounded."""
        from localcloud.state.outbox import outbox

        for hook in self._draining:
            try:
                hook()
            except Exception:
                log.exception("drain hook %r failed", hook)
        bound = self.settings.stop_drain_seconds
        if outbox.total() and not outbox.wait_empty(bound):
            log.info("stopping with %s events still pending after %.0f s; they are saved and delivered after "
                     "the next start", outbox.pending(), bound)

    def stop(self) -> None:
        """The second half, after the endpoint stopped answering: save, then stop engines and workers."""
        self.closed = True  # a request still arriving on a kept-alive connection is refused, not lost
        try:
            self.state.stop()
        except Exception:
            log.exception("saving state at shutdown failed")
        for hook in reversed(self._on_stop):
            try:
                hook()
            except Exception:
                log.exception("shutdown hook %r failed", hook)

    def add_health(self, extra: Callable[[], dict[str, object]]) -> None:
        self._health_extras.append(extra)

    def _health(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        extras: dict[str, object] = {"uptime_seconds": round(time.time() - self.started_at, 3)}
        for extra in self._health_extras:
            for key, value in extra().items():
                if isinstance(value, list) and isinstance(extras.get(key), list):
                    extras[key] = [*extras[key], *value]  # notes from several subsystems add up
                else:
                    extras[key] = value
        document = health_document(extras)
        if self.start_failure:
            document["start_failure"] = self.start_failure
        for service in self.readiness.starting(tuple(document["services"])):
            if service in document["services"]:
                document["services"][service] = "starting"
        body = json.dumps(document).encode()
        return _respond(start_response, (200, [("Content-Type", "application/json")], body))

    def _state_summary(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """The state epoch and a digest of the resources held, once saved state is restored (see
        server/lineage.py and server/inventory.py; `localcloud terraform apply` reads it to skip no-ops)."""
        from localcloud.server import inventory
        from localcloud.server.persistence import PERSISTED

        self.state.wait_all_restored()
        document = {**self.state.lineage.document(), "inventory": inventory.digest(PERSISTED)}
        if "detail" in environ.get("QUERY_STRING", ""):  # ?detail=1: what the digest is made of
            document["resources"] = inventory.describe(PERSISTED)
        body = json.dumps(document).encode()
        return _respond(start_response, (200, [("Content-Type", "application/json")], body))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        answer, cors_origin = self.guard.check(environ)
        if answer is not None:
            return _respond(start_response, answer)
        if cors_origin is not None:
            plain_start = start_response

            def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                return plain_start(status, with_cors(headers, cors_origin), exc_info)

        path = environ.get("PATH_INFO", "")
        if self.closed and not path.endswith("/health"):
            return _respond(start_response, aws_error("unknown", 503, "ServiceUnavailable",
                                                      "localcloud is stopping; retry once it has started again"))
        for prefix, app, when in self._mounts:
            if path.startswith(prefix) and (when is None or when(environ)):
                return app(environ, start_response)
        for answer in self._intercepts:
            response = answer(environ)
            if response is not None:
                return _respond(start_response, response)
        return _respond(start_response, self.handle_aws(environ))

    @staticmethod
    def _rest_operation(service: str, environ: dict[str, Any]) -> str | None:
        if not protocol_of(service).startswith("rest"):
            return None
        return rest_operation(service, environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""),
                              environ.get("QUERY_STRING", ""))

    def _describe(self, environ: dict[str, Any]) -> tuple[str, str | None, bytes, str]:
        """(service, operation, body, region) of an AWS request, for the authorizer."""
        body = read_body(environ)
        service = self.moto.backend_name(environ)
        operation = operation_from_headers_or_form(environ, body) or self._rest_operation(service, environ)
        scope = credential_scope(environ)
        return service, operation, body, scope[1] if scope else self.settings.region

    def handle_aws(self, environ: dict[str, Any]) -> Response:
        """A CBOR request (the Java SDK's Kinesis default) is answered as its JSON twin, in CBOR (cbor_wire)."""
        if cbor_wire.is_cbor(environ):
            cbor_wire.decode_request(environ, read_body(environ))
            return cbor_wire.encode_response(environ, self._handle_aws_json(environ))
        return self._handle_aws_json(environ)

    def _handle_aws_json(self, environ: dict[str, Any]) -> Response:
        """The authorizer (IAM) decides first: a refused call changes nothing, so it is never journaled;
        mutating requests to persisted services are journaled before they are answered (persistence)."""
        if self._authorize is not None:
            refused = self._authorize(environ, self._describe, self.readiness.wait, self.settings.account_id)
            if refused is not None:
                return refused
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD", "OPTIONS"):
            body = read_body(environ)
            try:
                service = self.moto.backend_name(environ)
            except Exception:
                service = "unknown"
            if service in PERSISTED:
                operation = operation_from_headers_or_form(environ, body) or self._rest_operation(service, environ)
                if journaled(service, environ["REQUEST_METHOD"], operation, environ):
                    return self.state.journaled_call(service, environ, body, lambda: self._handle_aws(environ))
        return self._handle_aws(environ)

    def replay_request(self, environ: dict[str, Any]) -> int:
        """Apply a journaled request again at restore (no journaling, no waiting for readiness)."""
        return self._handle_aws(environ)[0]

    def _moto(self, service: str, operation: str | None, environ: dict[str, Any]) -> MotoResponse:
        """moto's answer: hot operations by the fast path (server/fast_path), the rest by moto's WSGI stack.
        Every hook around this call (guard, readiness, screens, handlers, finishers, journaling) applies to both."""
        return self.fast_path.call(service, operation, environ) or self.moto.call(environ)

    def _handle_aws(self, environ: dict[str, Any]) -> Response:
        body = read_body(environ)
        scope = credential_scope(environ)
        region = scope[1] if scope else self.settings.region
        service = "unknown"
        operation = None
        try:
            service = self.moto.backend_name(environ)
            environ["localcloud.service"] = service
            if not environ.get("localcloud.replay"):
                self.readiness.wait(service)
            if self.handlers.load_service(service) or service in input_validation.VALIDATED_SERVICES:
                operation = operation_from_headers_or_form(environ, body) or self._rest_operation(service, environ)
            if operation is not None and not environ.get("localcloud.replay"):
                found = input_validation.violations(service, operation, environ, body)
                if found:  # AWS refuses before the service sees the request: nothing changes, nothing is journaled
                    return aws_error(service, 400, input_validation.error_code(service), input_validation.message(found))
            request = AwsRequest(environ, service, region, self.settings.account_id, operation, body,
                                 forward=lambda r: self._moto(service, operation, r.environ))
            handler = self.handlers.handler_for(service, operation)
            result = self.handlers.screen(service, request)
            if result is not None:
                return self.handlers.finish(service, request, result)
            result = handler(request) if handler else None
            if result is None:
                answer = self._moto(service, operation, environ)
                if answer.status in (404, 405) and answer.body.lstrip()[:15].lower() == b"<!doctype html>":
                    # Flask found no route: moto has no such operation (REST protocols).
                    return not_implemented(service, operation or self._rest_operation(service, environ))
                result = json_error_in_protocol(service, answer.status, answer.body) \
                    or (answer.status, answer.headers, answer.body)
            return self.handlers.finish(service, request, result)
        except NotReady as exc:
            return aws_error(service, 503, "ServiceUnavailable", str(exc))
        except NotImplementedError:
            operation = operation or operation_from_headers_or_form(environ, body)
            log.warning("not implemented: %s %s", service, operation)
            return not_implemented(service, operation)
        except Exception as exc:  # a bug or an input moto cannot digest: answer, log, keep serving
            log.exception("failed %s %s %s", service, environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            # 400, not 500: a deterministic failure should fail the caller now, not after minutes of retries.
            return aws_error(service, 400, "InternalFailure",
                             f"localcloud could not process this {service} request ({type(exc).__name__}: {exc}). "
                             "Nothing was changed by it; see the local cloud log for the traceback.")
