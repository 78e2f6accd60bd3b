"""Run an isolated local cloud for tests: its own free port, its own state dir, real process."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from localcloud import process
from localcloud.config import Settings


def wait_for(check: Callable[[], Any], timeout: float = 60.0, interval: float = 0.05, what: str = "") -> Any:
    """Poll `check` until it returns something truthy, and return that. Event-driven work (a Lambda fired by
    an upload, a stream consumer) finishes when it finishes; tests wait for the effect, bounded, and fail
    naming what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what or check} did not happen within {timeout:.0f} s (last value {value!r})")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LocalCloud:
    settings: Settings

    @property
    def endpoint(self) -> str:
        return self.settings.endpoint

    def client(self, service: str, **config: Any) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.settings.region,
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config))

    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """Run the `localcloud` CLI against this instance, as a person would."""
        env = {**os.environ, "LOCALCLOUD_PORT": str(self.settings.port),
               "LOCALCLOUD_STATE_DIR": str(self.settings.state_dir)}
        return subprocess.run([sys.executable, "-m", "localcloud.cli", *args], capture_output=True, text=True,
                              env=env, check=check, timeout=120)

    def start(self) -> "LocalCloud":
        process.start_detached(self.settings)
        return self

    def stop(self) -> None:
        process.stop(self.settings)


def isolated(state_dir: Path, port: int | None = None, **settings: Any) -> LocalCloud:
    return LocalCloud(Settings.from_env(port=port or free_port(), state_dir=state_dir, **settings))
