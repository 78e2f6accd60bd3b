"""Run the local cloud as a background process: pid file, port checks, readiness by a real health check."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from localcloud.config import Settings
from localcloud.errors import LocalCloudError  # noqa: F401  (process.LocalCloudError, as callers name it)


def port_holder(port: int) -> str | None:
    """Name the process listening on `port`, when the OS tells us."""
    try:
        import psutil

        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                proc = psutil.Process(conn.pid)
                return f"pid {conn.pid} ({' '.join(proc.cmdline()[:4]) or proc.name()})"
    except Exception:  # no permission or no psutil: the port number alone still helps
        return None
    return None


def _port_busy(host: str, port: int) -> bool:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
        return False
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        return True
    finally:
        probe.close()


def ensure_port_free(host: str, port: int, grace_seconds: float = 5.0) -> None:
    """Raise when `port` is taken. A server killed a moment ago may still hold it while its last threads
    exit (the kernel closes its sockets after them), so a busy port is retried for `grace_seconds`."""
    deadline = time.monotonic() + grace_seconds
    while _port_busy(host, port):
        if time.monotonic() < deadline:
            time.sleep(0.1)
            continue
        holder = port_holder(port)
        who = f" by {holder}" if holder else ""
        raise LocalCloudError(
            f"Port {port} on {host} is already in use{who}. The local cloud cannot start there. "
            f"Stop that process, or pick another port with --port or LOCALCLOUD_PORT."
        )


def health(settings: Settings, timeout: float = 0.5) -> dict | None:
    try:
        with urllib.request.urlopen(f"{settings.endpoint}/_localcloud/health", timeout=timeout) as answer:
            return json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def read_pid(settings: Settings) -> int | None:
    try:
        pid = int(settings.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours is not alive
        status = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
        return status != "Z"
    except (FileNotFoundError, IndexError):
        return True


def clear_stale_pid(settings: Settings) -> bool:
    """Remove a pid file left by a crashed run. True when one was removed."""
    if settings.pid_file.exists() and read_pid(settings) is None:
        settings.pid_file.unlink(missing_ok=True)
        return True
    return False


def bind_warning(settings: Settings) -> str | None:
    """Refuse a non-loopback address unless asked for; say what asking for it means."""
    from localcloud.server.guard import host_name, is_loopback

    if is_loopback(host_name(settings.host) if settings.host else ""):
        return None
    if not settings.allow_remote:
        raise LocalCloudError(
            f"The local cloud would serve on {settings.host or 'every address'}, where other machines reach it, and "
            "it runs any code sent to it. It did not start. Serve on 127.0.0.1 (the default), or pass "
            "--allow-remote (LOCALCLOUD_ALLOW_REMOTE=1) if other machines should reach it.")
    return (f"warning: serving on {settings.host or 'every address'}: any machine that reaches this port can run "
            "code as this user through the local cloud (there is no authentication). Use this only on a network "
            "you trust, or in a container whose port is published on 127.0.0.1.")


def start_detached(settings: Settings, wait_seconds: float = 90.0) -> int:
    """Start the server in the background and return its pid once it answers health checks. The bounds are
    generous: on a loaded two-core machine (a parallel `make test`) start-up and a first answer take seconds."""
    from localcloud import private_state

    private_state.prepare(settings.state_dir)
    bind_warning(settings)
    running = read_pid(settings)
    if running and health(settings):
        return running
    clear_stale_pid(settings)
    ensure_port_free(settings.host, settings.port)
    log = os.fdopen(os.open(settings.log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab")
    command = [sys.executable, "-m", "localcloud.server.main", "--host", settings.host, "--port", str(settings.port),
               "--state-dir", str(settings.state_dir)]
    if settings.allow_remote:
        command.append("--allow-remote")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "LOCALCLOUD_CLOCK_SPEED": str(settings.clock_speed)})
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = settings.log_file.read_text(errors="replace")[-2000:]
            raise LocalCloudError(f"The local cloud exited during start-up (code {proc.returncode}). "
                                  f"Its log {settings.log_file} ends with:\n{tail}")
        if health(settings, timeout=2.0):
            return proc.pid
        time.sleep(0.02)
    proc.terminate()
    raise LocalCloudError(f"The local cloud did not answer {settings.endpoint}/_localcloud/health within "
                          f"{wait_seconds:.0f} s and was stopped. See {settings.log_file}.")


def stop_timeout() -> float:
    try:
        return Settings.from_env().stop_timeout
    except ValueError as exc:  # the settings name the variable and what to give
        raise LocalCloudError(str(exc)) from None


# A server whose final save ran past the stop's bound still stops its engines and exits after the save;
# killing it the moment the save's marker goes (found under load) would orphan database servers.
AFTER_SAVE_GRACE_SECONDS = 10.0


def saving(settings: Settings, pid: int) -> bool:
    """True while the server at `pid` is writing a snapshot (its marker names it)."""
    try:
        return (settings.state_dir / "moto" / "SAVING").read_text().strip() == str(pid)
    except OSError:
        return False


def stop(settings: Settings, wait_seconds: float | None = None,
         report: Callable[[str], None] | None = None) -> int | None:
    """Stop the background server and wait until it has drained its events and saved its state.
    Returns the pid stopped, or None when nothing ran.

    The server bounds its own shutdown (LOCALCLOUD_STOP_DRAIN_SECONDS for pending events, then the final
    save); after `wait_seconds` (LOCALCLOUD_STOP_TIMEOUT, 60) it is killed, but never while it is writing
    a snapshot: that is waited for, however long it takes."""
    pid = read_pid(settings)
    if pid is None:
        settings.pid_file.unlink(missing_ok=True)
        return None
    wait_seconds = stop_timeout() if wait_seconds is None else wait_seconds
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_seconds
    said = False
    exit_by = None  # set when a save that ran past the deadline ends: the server then exits by itself
    while _alive(pid):
        now = time.monotonic()
        if saving(settings, pid):
            if now >= deadline and not said and report is not None:
                report(f"localcloud (pid {pid}) is still writing its state after {wait_seconds:.0f} s; waiting "
                       "for the save to finish before stopping it")
            said = said or now >= deadline
            exit_by = None
        elif now >= deadline:
            if said and exit_by is None:
                exit_by = now + AFTER_SAVE_GRACE_SECONDS
            if exit_by is None or now >= exit_by:
                break
        time.sleep(0.05)
    if _alive(pid):
        if report is not None:
            report(f"localcloud (pid {pid}) did not stop within {wait_seconds:.0f} s; killing it. Its journal "
                   "keeps every acknowledged write; the next start replays it.")
        os.kill(pid, signal.SIGKILL)
    settings.pid_file.unlink(missing_ok=True)
    return pid
