"""A stand-in for AWS for the deploy rehearsal: a plain moto server, started on a free port for one run.

It is deliberately *not* this kit's local cloud: the rehearsal checks the promotion path (backend, tfvars,
saved plan, artifacts, smoke check, destroy) against an independent implementation of the AWS APIs, so it
does not grade itself. Nothing of localcloud is imported into that process: it runs `python -m moto.server`
with a scrubbed environment, through deploy/stand_in_server.py, which only answers the few calls moto lacks and
the provider needs (each one printed as not rehearsed).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from localcloud.engines.base import free_port

START_TIMEOUT = 60.0


class StandInError(Exception):
    pass


@dataclass
class MotoStandIn:
    """`with MotoStandIn(log) as stand_in:` starts moto on a free port and stops it at the end."""

    log_file: Path
    port: int = 0
    process: subprocess.Popen | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> MotoStandIn:
        self.port = self.port or free_port()
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_", "LOCALCLOUD_"))}
        # moto's Lambda would otherwise try to reach a Docker engine when code is invoked; the rehearsal only
        # ever DryRuns, and a missing engine must not slow anything down.
        env["MOTO_DOCKER_NETWORK_MODE"] = "none"
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "localcloud.deploy.stand_in_server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        self._wait_until_listening()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise StandInError(f"The moto server exited with code {self.process.returncode} before it "
                                   f"listened; its log is {self.log_file}. Is moto[server] installed "
                                   "(`make install`)? Nothing was deployed.")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise StandInError(f"The moto server did not listen on port {self.port} within {START_TIMEOUT:.0f} s; "
                           f"its log is {self.log_file}. Nothing was deployed.")


def client(service: str, endpoint: str, region: str):
    """A boto3 client for the stand-in, never for AWS: the endpoint is explicit, and the rehearsal runs with
    the local-only AWS environment (localcloud.hermetic), so no profile or real key is ever read."""
    import boto3

    return boto3.client(service, endpoint_url=endpoint, region_name=region)
