"""Fork templates: one process per Python runtime that has imported what the runtime ships (boto3, botocore,
awslambdaric's helpers from the runtime directory, nothing of the host's) and forks each new execution
environment, so a cold start of a handler that imports boto3 no longer pays for that import.

Isolation is the spawned worker's: each forked environment builds its own sandbox after the fork (its own
mount and PID namespaces, /var/task, /opt, a private sized /tmp, uid 993; template_main.py) and gets the
function's variables and credentials only then, in a fresh os.environ. A function whose package or layers
hold one of the modules the template imported (its own boto3) is spawned as before, so it imports its own
(`shadowing`). A template that is not ready, died, or does not answer is never waited for: the
environment is spawned as before (ExecutionEnvironment.start), and a new template is started.

The server is not the forked processes' parent, so ForkedProcess stands in for subprocess.Popen: its PID
comes from the kernel (SO_PASSCRED: the keeper's PID as this process sees it), its exit status from the
keeper (template_main.py), over a socket per environment.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import struct
import subprocess
import threading
from pathlib import Path

from localcloud.runtime import code
from localcloud.runtime.sandbox import ENTER, HOME, Sandbox, SandboxUnavailable

log = logging.getLogger("localcloud.lambda")

ENTRY = str(Path(__file__).with_name("template_main.py"))
HOST_INSIDE = "/var/rapid/host"  # sandbox_enter.HOST_INSIDE (that module imports nothing of ours)
READY_SECONDS = 60.0  # importing boto3 under load
HELLO_SECONDS = 5.0  # a live template forks in milliseconds
CREDENTIALS = struct.Struct("iII")  # struct ucred: pid, uid, gid


class TemplateUnavailable(Exception):
    """The template could not fork this environment; the caller spawns it instead."""


def _passed_pid(sock: socket.socket) -> tuple[bytes, int | None]:
    """One read, and the sender's PID the kernel attached (SO_PASSCRED), in this process's PID namespace."""
    data, ancillary, _, _ = sock.recvmsg(256, socket.CMSG_SPACE(CREDENTIALS.size))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            return data, CREDENTIALS.unpack(payload[:CREDENTIALS.size])[0]
    return data, None


class ForkedProcess:
    """What ExecutionEnvironment uses of a Popen, for an environment the template forked."""

    def __init__(self, pid: int, worker_pid: int, stdout, status: socket.socket) -> None:
        self.pid = pid  # the keeper's: the environment's process group (ExecutionEnvironment.stop kills it)
        self.memory_pid = worker_pid  # the worker's: what MemorySize measures (the keeper is ours, like unshare)
        self.stdout = stdout
        self.returncode: int | None = None
        self._status = status
        self._done = threading.Event()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """The worker's exit code as the keeper saw it (negative: killed by that signal); a keeper gone
        without a word was killed with its process group (ExecutionEnvironment.stop: SIGKILL)."""
        if self._done.is_set():
            return self.returncode
        buffer = b""
        while b"exit " not in buffer or not buffer.endswith(b"\n"):
            try:
                chunk = self._status.recv(256)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
        code = -signal.SIGKILL
        for line in buffer.decode(errors="replace").splitlines():
            if line.startswith("exit "):
                code = int(line.split()[1])
        self._status.close()
        self.returncode = code
        self._done.set()
        return code


class ForkTemplate:
    """One template process for (interpreter, runtime directory, sandboxed or not)."""

    def __init__(self, interpreter: str, version: str, runtime_dir: Path, sandbox: Sandbox | None) -> None:
        self.interpreter, self.version, self.runtime_dir, self.sandbox = interpreter, version, runtime_dir, sandbox
        self.names: frozenset[str] = frozenset()
        self.pid: int | None = None  # the forker's, for health and tests
        self.broken: str | None = None  # why environments cannot be forked here (then none are, until restart)
        self.forked = 0  # environments forked so far (health: tests see which road a cold start took)
        self.ready = threading.Event()
        self.gone = threading.Event()
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the process and wait for its preloads; run in a background thread (template pool)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        real = os.path.realpath
        variables = {"LANG": "en_US.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": HOME,
                     "_LOCALCLOUD_TEMPLATE_FD": str(theirs.fileno()),
                     "_LOCALCLOUD_TEMPLATE_WORKER": real(Path(__file__).with_name("worker_bootstrap.py"))}
        if self.sandbox is not None:
            variables.update(self.sandbox.template_environment(interpreter=self.interpreter,
                                                               runtime=self.runtime_dir, entry=ENTRY))
            variables.update(_LOCALCLOUD_TEMPLATE_HOST=HOST_INSIDE, _LOCALCLOUD_TEMPLATE_ENTER=real(ENTER),
                             _LOCALCLOUD_TEMPLATE_MODE=self.sandbox.mode or "", _LOCALCLOUD_TEMPLATE_RUNTIME="/var/runtime")
            command = self.sandbox.command(self.interpreter)
        else:
            variables["_LOCALCLOUD_TEMPLATE_RUNTIME"] = str(self.runtime_dir)
            command = [self.interpreter, "-I", "-S", "-u", ENTRY]
        try:
            self._process = subprocess.Popen(command, env=variables, pass_fds=(theirs.fileno(),),
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.PIPE, start_new_session=True)
        finally:
            theirs.close()
        ours.settimeout(READY_SECONDS)
        try:
            message, pid = _passed_pid(ours)
        except OSError as exc:
            message, pid = b"", None
            log.warning("the python%s fork template did not become ready (%s)", self.version, exc)
        if not message:
            self._failed(ours)
            return
        # The control socket proper is handed over now: `unshare` keeps the first one open as long as it runs,
        # so on that one the forker's death would look like silence, not like a closed socket.
        control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            socket.send_fds(ours, [b"control"], [theirs.fileno()])
        except OSError as exc:
            log.warning("the python%s fork template went away as it started (%s)", self.version, exc)
            control.close()
            self._failed(ours)
            return
        finally:
            theirs.close()
        ours.close()
        self.names = frozenset(json.loads(message)["ready"])
        self.pid, self._control = pid, control
        self.ready.set()
        threading.Thread(target=self._drain_stderr, name=f"lambda-template-{self.version}", daemon=True).start()
        threading.Thread(target=self._watch_control, args=(control,), name=f"lambda-template-watch-{self.version}",
                         daemon=True).start()

    def _watch_control(self, control: socket.socket) -> None:
        """The forker never writes after its ready message: the end of the socket is its death (the PID 1
        above it stays while environments it forked run, so the process itself does not end)."""
        try:
            control.recv(1)
        except OSError:
            pass
        self.gone.set()

    def _failed(self, ours: socket.socket) -> None:
        said = b""
        if self._process is not None:
            self.stop()
            try:
                said = self._process.stderr.read()[-600:]
            except (OSError, ValueError):
                pass
        log.warning("the python%s fork template could not start; cold starts spawn workers as before: %s",
                    self.version, said.decode(errors="replace").strip() or "no output")
        ours.close()
        self.gone.set()

    def _drain_stderr(self) -> None:
        """The template's own complaints (a failed preload) go to the log; nothing of a function's does."""
        for line in self._process.stderr:
            log.warning("python%s fork template: %s", self.version, line.decode(errors="replace").rstrip())
        self.gone.set()

    def alive(self) -> bool:
        return self.ready.is_set() and not self.gone.is_set()

    def shadowed_by(self, task: Path, layers: list[Path]) -> str | None:
        """The first top-level module of ours that the package or a layer brings its own copy of."""
        places = [task, *(p for layer in layers for p in code.layer_paths(layer, self.version))]
        for place in places:
            try:
                entries = os.listdir(place)
            except OSError:
                continue
            for entry in entries:
                if entry.partition(".")[0] in self.names:
                    return f"{place}/{entry}"
        return None

    def fork(self, env: dict[str, str], argv: list[str], cwd: str, box: dict | None) -> ForkedProcess:
        read_end, write_end = os.pipe()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        request = json.dumps({"env": env, "argv": argv, "cwd": cwd, "sandbox": box}).encode()
        try:
            with self._lock:
                if self._control is None:
                    raise TemplateUnavailable("the template is not running")
                socket.send_fds(self._control, [request], [write_end, theirs.fileno()])
            ours.settimeout(HELLO_SECONDS)
            hello, pid = _passed_pid(ours)
            if hello != b"pid\n" or pid is None:
                raise TemplateUnavailable("the template did not fork the environment")
            hello, worker_pid = _passed_pid(ours)
            if hello.startswith(b"failed "):  # it cannot build a sandbox here: never again, spawn instead
                self.broken = hello[7:].decode(errors="replace").strip()
                log.warning("the python%s fork template cannot set up an environment (%s); cold starts spawn "
                            "workers as before", self.version, self.broken)
                raise TemplateUnavailable(self.broken)
            if hello != b"worker\n" or worker_pid is None:
                raise TemplateUnavailable("the forked environment did not start")
            ours.settimeout(None)
            self.forked += 1
        except (OSError, TemplateUnavailable) as exc:
            os.close(read_end)
            ours.close()
            self.gone.set()
            raise TemplateUnavailable(str(exc)) from None
        finally:
            os.close(write_end)
            theirs.close()
        return ForkedProcess(pid, worker_pid, os.fdopen(read_end, "rb", buffering=0), ours)

    def retire(self) -> None:
        """Fork nothing more; what it forked runs on (its PID 1 leaves once they have ended)."""
        self.gone.set()
        with self._lock:
            if self._control is not None:
                self._control.close()
                self._control = None

    def stop(self) -> None:
        """At the service's stop: the template and everything it forked."""
        self.retire()
        if self._process is not None and self._process.poll() is None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._process.wait()


class Templates:
    """The templates of one Lambda service, started on the first cold start of their runtime (which is
    spawned as before: a template never delays an invoke) and again after one died."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._templates: dict[tuple, ForkTemplate] = {}
        self._retired: list[ForkTemplate] = []
        self._lock = threading.Lock()
        self._stopped = False

    def ready(self, interpreter: str, version: str, runtime_dir: Path, sandbox: Sandbox | None) -> ForkTemplate | None:
        if not self.enabled:
            return None
        key = (interpreter, str(runtime_dir), sandbox.mode if sandbox else None)
        with self._lock:
            if self._stopped:
                return None
            template = self._templates.get(key)
            if template is not None and template.broken:
                return None
            if template is None or template.gone.is_set():
                if template is not None:
                    template.retire()
                    self._retired.append(template)
                template = self._templates[key] = ForkTemplate(interpreter, version, runtime_dir, sandbox)
                threading.Thread(target=self._start, args=(template,), name=f"lambda-template-start-{version}",
                                 daemon=True).start()
        return template if template.alive() else None

    @staticmethod
    def _start(template: ForkTemplate) -> None:
        try:
            template.start()
        except (OSError, SandboxUnavailable) as exc:
            log.warning("the python%s fork template could not start (%s); cold starts spawn workers as before",
                        template.version, exc)
            template.gone.set()

    def health(self) -> dict[str, object]:
        with self._lock:
            return {f"python{t.version}": {"pid": t.pid, "ready": t.alive(), "sandboxed": key[2] is not None,
                                         "forked": t.forked, **({"broken": t.broken} if t.broken else {})}
                    for key, t in self._templates.items()}

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            templates = [*self._templates.values(), *self._retired]
            self._templates.clear()
            self._retired.clear()
        for template in templates:
            template.stop()
