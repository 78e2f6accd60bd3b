"""The servers a side-by-side benchmark starts: localcloud, localcloud as it was before (BENCH_BEFORE_SRC: an older
checkout's services/ directory, as bench_core.py takes it, e.g. `git archive <commit> services | tar -x -C
/tmp/before` and BENCH_BEFORE_SRC=/tmp/before/services), moto's server and
ministack (its own virtualenv, common.peer_python). One place, so every family compares the same builds."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common import free_port, peer_python, wait_healthy


def available(wanted: list[str] | None = None) -> dict[str, tuple[list[str], dict[str, str], str]]:
    """name -> (argv with {port} and {state}, extra environment, health path)."""
    venv_bin = Path(sys.executable).parent
    localcloud = [sys.executable, "-m", "localcloud.server.main", "--port", "{port}", "--state-dir", "{state}"]
    found = {"localcloud": (localcloud, {}, "/_localcloud/health")}
    before = os.environ.get("BENCH_BEFORE_SRC")
    if before:  # the same server, importing localcloud from the older tree (PYTHONPATH wins over the editable .pth)
        found["localcloud-before"] = (localcloud, {"PYTHONPATH": before}, "/_localcloud/health")
    found["moto"] = ([str(venv_bin / "moto_server"), "-p", "{port}"], {}, "/moto-api/")
    if wanted is None or "ministack" in wanted:
        peer = peer_python()
        if peer:
            found["ministack"] = ([str(peer.parent / "ministack")], {"GATEWAY_PORT": "{port}"}, "/_localstack/health")
    return {name: spec for name, spec in found.items() if wanted is None or name in wanted}


class Running:
    def __init__(self, name: str, process: subprocess.Popen[bytes], port: int, startup_s: float) -> None:
        self.name, self.process, self.port, self.startup_s = name, process, port, startup_s
        self.endpoint = f"http://127.0.0.1:{port}"

    def rss_bytes(self) -> int:
        """Resident memory of the server process (and its children, for servers that fork workers)."""
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total


def _children(pid: int) -> list[int]:
    try:
        found = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return found + [grand for child in found for grand in _children(child)]


@contextmanager
def running(name: str, spec: tuple[list[str], dict[str, str], str]) -> Iterator[Running]:
    argv, env, health = spec
    port = free_port()
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as state:
        fill = {"port": str(port), "state": state}
        process = subprocess.Popen([part.format(**fill) for part in argv],
                                   env={**os.environ, **{k: v.format(**fill) for k, v in env.items()}},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=state)
        try:
            startup = wait_healthy(f"http://127.0.0.1:{port}{health}", process, timeout=120)
            yield Running(name, process, port, startup)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
