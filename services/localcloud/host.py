"""What a subsystem may ask of the server that hosts it: the small interface every `install(host)` takes.

server/main.py builds the app (server/app.py's LocalCloudApp, which satisfies `Host`) and installs the
subsystems on it (components.py). A subsystem mounts its routes, registers its start/stop hooks and
health, reads `settings`, and puts its running object in `host.subsystems` under its name, so the app owns
every subsystem's state. This module imports nothing of the server or of any subsystem: both depend on it,
neither on the other.

Code that runs without a host at hand (moto's hooks inside a request, the delivery layer) finds a running
subsystem with `subsystem(name)`, through the one app this process serves (`attach`), instead of a
module-level singleton per subsystem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from localcloud.config import Settings

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Response = tuple[int, list[tuple[str, str]], bytes]


class NotInstalled(RuntimeError):
    """A subsystem was asked for outside the server, or before it was installed."""


class Subsystems:
    """The running subsystems of one app, by name ("lambda", "rds", "athena", "schedules", ...)."""

    def __init__(self) -> None:
        self._running: dict[str, Any] = {}

    def put(self, name: str, subsystem: Any) -> Any:
        self._running[name] = subsystem
        return subsystem

    def get(self, name: str) -> Any:
        try:
            return self._running[name]
        except KeyError:
            raise NotInstalled(
                f"The {name} subsystem is not installed in this process; it runs inside the local cloud server "
                "(localcloud start). Call it from there, or through the AWS API (boto3).") from None

    def find(self, name: str) -> Any | None:
        return self._running.get(name)

    def names(self) -> list[str]:
        return sorted(self._running)


class StateAccess(Protocol):
    """The part of the state store subsystems use (server/persistence.py's StateStore)."""

    def register_extra(self, name: str, snapshot: Callable[[], Any], restore: Callable[[Any], None]) -> None: ...

    def wait_restored(self, service: str, timeout: float = 600.0) -> None: ...


class ReadinessAccess(Protocol):
    def wait(self, service: str) -> None: ...


class Host(Protocol):
    """The server as a subsystem sees it."""

    settings: Settings
    state: StateAccess
    readiness: ReadinessAccess
    subsystems: Subsystems

    def mount(self, prefix: str, app: WsgiApp, when: Callable[[dict[str, Any]], bool] | None = None) -> None:
        """Route every path under `prefix` to `app` (with `when`: the requests it accepts)."""

    def handle_aws(self, environ: dict[str, Any]) -> Response:
        """Answer an AWS API request made inside the server as if it came in: authorized, journaled when it
        changes a persisted service, answered by our handlers or moto (the ECR registry's PutImage)."""

    def intercept(self, answer: Callable[[dict[str, Any]], Response | None]) -> None:
        """See each request no mount took, before the AWS APIs; answer it or pass with None."""

    def authorize(self, decide: Callable[..., Response | None]) -> None:
        """Let `decide` refuse an AWS API request before it is journaled or answered (IAM)."""

    def allow_cross_origin(self, policy: Any) -> None:
        """Admit browser requests a resource's own CORS configuration allows."""

    def on_start(self, hook: Callable[[], None], *, background: bool = False, holds: tuple[str, ...] = (),
                 early: bool = False, late: bool = False) -> None:
        """Run `hook` when the server starts (background: after it answers, holding the named services;
        late: after the other background work, e.g. database servers no other service waits for)."""

    def on_drain(self, hook: Callable[[], None]) -> None:
        """Run `hook` first at shutdown, while the endpoint still answers: stop taking new work."""

    def on_stop(self, hook: Callable[[], None]) -> None:
        """Run `hook` at shutdown, after state is saved."""

    def add_health(self, extra: Callable[[], dict[str, object]]) -> None:
        """Add keys to /_localcloud/health."""


_attached: Subsystems | None = None


def attach(subsystems: Subsystems | None) -> None:
    """The subsystems of the app this process serves (server/main.py; None when it stops serving)."""
    global _attached
    _attached = subsystems


def subsystem(name: str) -> Any:
    """The running subsystem `name` of this process's app. Raises NotInstalled."""
    if _attached is None:
        raise NotInstalled(f"The {name} subsystem is not installed in this process; it runs inside the local "
                           "cloud server (localcloud start). Call it from there, or through the AWS API (boto3).")
    return _attached.get(name)


def find(name: str) -> Any | None:
    """The running subsystem `name`, or None outside the server or before it is installed."""
    return _attached.find(name) if _attached is not None else None
