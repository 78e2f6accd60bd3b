"""A local cloud of its own for a test or a benchmark: a free port, a fresh state dir, started and stopped
through the real CLI (`localcloud start --detach` / `stop`), as a person would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

from localcloud.testing import free_port


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "localcloud.cli", *args], capture_output=True, text=True, check=False,
                          timeout=120)


@contextmanager
def running_local_cloud(state_dir: Path) -> Iterator[str]:
    """Start a local cloud on a free port with `state_dir`; yield its endpoint; stop it afterwards."""
    port = free_port()
    started = _cli("start", "--detach", "--port", str(port), "--state-dir", str(state_dir))
    if started.returncode != 0:
        raise RuntimeError(f"localcloud start failed:\n{started.stdout}\n{started.stderr}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _cli("stop", "--port", str(port), "--state-dir", str(state_dir))


def client(endpoint: str, service: str, region: str = "us-east-1"):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test")
