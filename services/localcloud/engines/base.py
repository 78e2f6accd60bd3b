"""What every database engine shares: locating binaries, a cached template data directory, a process
with a pid file, readiness by a real connection, and a shutdown that never leaves an orphan.

Why a template: `initdb` takes ~1 s and `mariadb-install-db` ~3 s, most of it creating the same system
catalogs every time. We initialise once per engine build into a cache directory and copy it (`cp -a`, ~0.2 s)
for each new instance, which is what keeps creation under the 3 s (Postgres) and 6 s (MySQL) goals.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from localcloud.config import Settings

log = logging.getLogger("localcloud.engines")

_template_locks: dict[Path, threading.Lock] = {}
_template_locks_guard = threading.Lock()


class EngineNotInstalled(Exception):
    """The engine's server binaries are not on this machine; the message says what to install."""


class EngineStartFailed(Exception):
    """The server process exited or did not accept connections in time; the message carries its log tail."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    db_name: str | None


def free_port(preferred: int | None = None, host: str = "127.0.0.1") -> int:
    """`preferred` when nothing listens there, else a port the OS hands out."""
    candidates = [preferred] if preferred else []
    for port in [*candidates, 0]:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            probe.bind((host, port))
            return probe.getsockname()[1]
        except OSError:
            continue
        finally:
            probe.close()
    raise OSError("no free TCP port on this machine")  # unreachable: port 0 always binds


def search_path(*extra: str) -> str:
    """Where engine binaries are looked for: LOCALCLOUD_ENGINE_PATH when set (replaces everything, e.g. to
    pin a version or to prove the engine-missing path), else PATH plus the distribution's private dirs."""
    explicit = Settings.from_env().engine_path
    if explicit is not None:
        return explicit
    return os.pathsep.join([os.environ.get("PATH", ""), *extra])


def cache_dir() -> Path:
    """Where engine templates live, shared by every state directory (so tests reuse them)."""
    explicit = Settings.from_env().cache_dir
    base = explicit if explicit else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "localcloud"
    return base / "engine-templates"


def private_run_dir() -> Path:
    """A socket directory with a short path (Unix sockets are limited to ~107 bytes, state dirs often are not),
    made by mkdtemp: 0700, a name nobody can guess and create first in the shared /tmp."""
    return Path(tempfile.mkdtemp(prefix="localcloud-"))


def wait_until(check: Callable[[], bool], timeout: float, process: subprocess.Popen | None, log_file: Path,
               what: str) -> None:
    """Poll a real readiness check until it passes; fail fast when the process dies."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        if process is not None and process.poll() is not None:
            raise EngineStartFailed(f"{what} exited with code {process.returncode} during start-up. "
                                    f"Log {log_file} ends with:\n{tail(log_file)}")
        try:
            if check():
                return
        except Exception:  # noqa: BLE001,S110  not ready yet: refused, starting up, in recovery
            pass
        if time.monotonic() > deadline:
            raise EngineStartFailed(f"{what} did not accept connections within {timeout:.0f} s. "
                                    f"Log {log_file} ends with:\n{tail(log_file)}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.1)


def tail(path: Path, size: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except FileNotFoundError:
        return "(no log written)"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pid(pid: int, sig: int, timeout: float) -> None:
    """Ask a server we started to stop; kill it when it does not within `timeout`."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:  # not our child (left by a previous run): watch it instead
            if not pid_alive(pid):
                return
        time.sleep(0.02)
    log.warning("pid %s ignored signal %s for %.0f s; killing it", pid, sig, timeout)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class DatabaseEngine(ABC):
    """One database server process over one data directory, on one port."""

    kind: str = ""
    stop_signal: int = signal.SIGTERM

    def __init__(self, data_dir: Path, port: int, host: str = "127.0.0.1") -> None:
        self.data_dir = data_dir
        self.port = port
        self.host = host
        self.log_file = data_dir.parent / f"{self.kind}.log"
        self.process: subprocess.Popen | None = None
        self._run_dir: Path | None = None

    @property
    def run_dir(self) -> Path:
        """The server's sockets; created on first use (a template-only engine never needs one), removed at stop."""
        if self._run_dir is None:
            self._run_dir = private_run_dir()
        return self._run_dir

    # --- what each engine supplies -------------------------------------------------------------------
    @classmethod
    @abstractmethod
    def locate(cls) -> dict[str, str]:
        """Paths of the binaries this engine needs; raises EngineNotInstalled naming the package."""

    @abstractmethod
    def _initialise_template(self, target: Path, binaries: dict[str, str]) -> None:
        """Create a fresh, empty data directory at `target` (run once per engine build)."""

    @abstractmethod
    def _server_command(self, binaries: dict[str, str]) -> list[str]:
        """The command that runs the server in the foreground."""

    @abstractmethod
    def ping(self) -> bool:
        """A real check: connect as the administrator and run a query."""

    @abstractmethod
    def create_master(self, credentials: Credentials) -> None:
        """Create the master user (and database) the CreateDBInstance request named."""

    @abstractmethod
    def set_password(self, username: str, password: str) -> None:
        """Change a user's password (ModifyDBInstance MasterUserPassword)."""

    @abstractmethod
    def _pid_file(self) -> Path:
        """Where the server writes its pid, to find a server a crashed run left behind."""

    def _wrap(self, command: list[str]) -> list[str]:
        """Hook for engines that must not run as root (Postgres)."""
        return command

    def _prepare_copy(self, data_dir: Path) -> None:
        """Hook to fix ownership or config of a freshly copied data directory."""

    start_timeout: float = 30.0

    # --- shared lifecycle ----------------------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        return self.data_dir.is_dir() and any(self.data_dir.iterdir())

    def template(self, binaries: dict[str, str]) -> Path:
        """The cached empty data directory for this engine build, created on first use."""
        key = hashlib.sha1("|".join(sorted(binaries.values())).encode() + self._version(binaries).encode())
        target = cache_dir() / f"{self.kind}-{key.hexdigest()[:12]}"
        with _template_locks_guard:  # one lock per template: Postgres need not wait for MariaDB's
            lock = _template_locks.setdefault(target, threading.Lock())
        with lock:
            if not target.is_dir():
                target.parent.mkdir(parents=True, exist_ok=True)
                building = Path(tempfile.mkdtemp(prefix=f".{self.kind}-", dir=target.parent))
                try:
                    self._initialise_template(building / "data", binaries)
                    os.replace(building / "data", target)  # atomic: a half-built template is never used
                finally:
                    shutil.rmtree(building, ignore_errors=True)
        return target

    def _version(self, binaries: dict[str, str]) -> str:
        first = next(iter(binaries.values()))
        try:
            stat = os.stat(first)
            return f"{stat.st_size}-{stat.st_mtime_ns}"
        except OSError:
            return ""

    def provision(self, credentials: Credentials, timeout: float | None = None) -> None:
        """Create the data directory from the template, start, and create the master user."""
        binaries = self.locate()
        template = self.template(binaries)
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        subprocess.run(["cp", "-a", str(template), str(self.data_dir)], check=True)
        self._prepare_copy(self.data_dir)
        self.start(timeout)
        self.create_master(credentials)

    def start(self, timeout: float | None = None) -> None:
        binaries = self.locate()
        self._stop_leftover()
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log_out:
            self.process = subprocess.Popen(self._wrap(self._server_command(binaries)), stdout=log_out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        wait_until(self.ping, timeout or self.start_timeout, self.process, self.log_file,
                   f"{self.kind} on port {self.port}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_pid(self.process.pid, self.stop_signal, timeout)
            self.process.wait(timeout=5)
        self.process = None
        self._stop_leftover()
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _stop_leftover(self) -> None:
        """A server left by a crashed local cloud still holds the data directory: stop it first."""
        try:
            pid = int(self._pid_file().read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return
        if pid_alive(pid) and (self.process is None or pid != self.process.pid):
            cmdline = Path(f"/proc/{pid}/cmdline")
            if cmdline.exists() and str(self.data_dir) not in cmdline.read_bytes().decode(errors="replace"):
                return  # the pid was reused by an unrelated process: leave it alone
            log.info("stopping %s (pid %s) left running over %s", self.kind, pid, self.data_dir)
            stop_pid(pid, self.stop_signal, 15.0)
